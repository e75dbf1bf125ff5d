"""Every performance figure of the README, against its peer, in one run.

    .venv/bin/python bench/compare.py                  # the default: about 2 minutes
    .venv/bin/python bench/compare.py --workbooks 1000 --clients 10000   # at scale

Contenders are run in interleaved rounds (the order turning each round), so a noisy moment
hits each alike. Each time is the median of its rounds; each ratio is the ratio of those
medians, printed beside them with the lowest and highest of the rounds' own ratios (how noisy
it was). The machine's cores and its load (os.getloadavg) at the start and at the end are
printed: on a loaded machine, trust the ratios more than the times.

- one-off generation: xlplan from the loaded plan (content, formulas, rendering, zip) against
  the XlsxWriter peer, a straight-line program of XlsxWriter calls writing the same content
  (bench/peer.py), for examples/boutique.yaml and for the plan with 200 KPIs, 300 priorities
  and 1,000 actions. The target's peer is XlsxWriter as it ships ("XlsxWriter writing the
  same content directly, whatever the renderer is built on"). xlplan's renderer is built on
  its own subclass of XlsxWriter's Worksheet (ExactWorksheet: exact number text, fewer
  regular expressions per formula); the same calls replayed on that class write xlplan's
  package byte for byte (tests/test_bench_parity.py) and are timed too: the difference is
  xlplan's own work (content, calculations, formula templates), shown without a target;
- batch fill: one client's workbook from the cached template, against the true floor:
  deflating only the parts that change from client to client, the others copied compressed
  (bench/floor.py), and against deflating every part (the old floor);
- consolidate: xlplan's consolidate (1 worker, then 2) on N workbooks, against
  python-calamine opening each once and reading every sheet's values (one process);
- batch: N clients with 1 worker, then 2 (how the workers scale);
- start-up: ``xlplan --help`` and ``xlplan validate`` against ``python -c "import openpyxl"``;
- memory: the peak of a fresh consolidating process and of its largest worker.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import python_calamine  # noqa: E402

from bench.bytecode import compile_trees  # noqa: E402
from bench.floor import changed_parts, deflate_all, floor_writer, parts_of  # noqa: E402
from bench.peer import compile_peer, record  # noqa: E402
from tests.test_oracle import big_plan  # noqa: E402
from xlplan import load_plan  # noqa: E402
from xlplan.batch.fill import fill_bytes  # noqa: E402
from xlplan.batch.portfolio import consolidate  # noqa: E402
from xlplan.batch.run import run_batch  # noqa: E402
from xlplan.model import Plan  # noqa: E402
from xlplan.workbook import render_bytes  # noqa: E402

BOUTIQUE = ROOT / "examples" / "boutique.yaml"
XLPLAN = str(Path(sys.executable).parent / "xlplan")
Compared = tuple[float, tuple[float, float]]  # ratio of the medians, (lowest, highest) round


class Rounds:
    """Interleaved rounds of named contenders; samples in seconds."""

    def __init__(self, contenders: dict[str, Callable[[], object]],
                 after: Callable[[], None] | None = None) -> None:
        self.contenders = contenders
        self.after = after  # run after each contender, untimed (cleaning up)
        self.samples: dict[str, list[float]] = {name: [] for name in contenders}

    def run(self, rounds: int) -> Rounds:
        names = list(self.contenders)
        for index in range(rounds):
            turn = index % len(names)
            for name in names[turn:] + names[:turn]:
                start = time.perf_counter()
                self.contenders[name]()
                self.samples[name].append(time.perf_counter() - start)
                if self.after:
                    self.after()
        return self

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def compared(self, name: str, other: str) -> Compared:
        """The ratio of the medians (the times' own), and the lowest and highest of the
        rounds' own ratios."""
        ratios = [a / b for a, b in zip(self.samples[name], self.samples[other], strict=True)]
        return self.median(name) / self.median(other), (min(ratios), max(ratios))


def _time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def section(self, title: str) -> None:
        print(f"\n{title}", flush=True)
        self.rows.append((f"**{title}**", "", "", "", ""))

    def line(self, what: str, seconds: float, ratio: Compared | None = None, against: str = "",
             limit: float | None = None) -> None:
        shown = target = ""
        if ratio is not None:
            value, (low, high) = ratio
            shown = f"{value:.2f}x (rounds {low:.2f}-{high:.2f})"
            if limit is not None:
                target = f"target: at most {limit:g}x, {'met' if value <= limit else 'NOT met'}"
        print(f"  {what:<58} {_time(seconds):>10}   {shown:<24} {against:<26} {target}".rstrip(),
              flush=True)
        self.rows.append((what, _time(seconds), shown, against, target))

    def note(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def table(self) -> None:
        print("\n| figure | median | ratio | against | target |")
        print("| --- | ---: | ---: | --- | --- |")
        for row in self.rows:
            print("| " + " | ".join(row) + " |")


def machine(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return (f"load at {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on "
            f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)")


def _tree() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "not a git tree"
    return head + (" with local changes" if dirty.strip() else "")


# -- one-off generation ---------------------------------------------------------------------
def one_off(report: Report, name: str, plan: Plan, rounds: int) -> None:
    recording = record(lambda: render_bytes(plan))
    peer = compile_peer(recording)
    plain = compile_peer(recording, plain=True)
    ours, theirs = parts_of(render_bytes(plan)), parts_of(peer())
    same = ours == theirs and list(ours) == list(theirs)
    cells = sum(part.count(b"<c ") for n, part in ours.items() if n.startswith("xl/worksheets/"))
    report.section(f"One-off generation: {name}")
    report.note(f"{len(ours)} parts, {cells} cells, {len(recording.calls)} XlsxWriter calls; "
                f"the peer's parts are xlplan's byte for byte: {'yes' if same else 'NO'}")
    timed = Rounds({"xlplan": lambda: render_bytes(plan), "peer": peer,
                    "plain": plain}).run(rounds)
    # The target's peer is XlsxWriter writing the same content directly: XlsxWriter as it
    # ships. The same calls on xlplan's own worksheet class (the renderer is built on it)
    # leave only xlplan's own work between the two: reported beside it, with no target.
    report.line("xlplan (plan loaded -> .xlsx bytes)", timed.median("xlplan"),
                timed.compared("xlplan", "plain"), "of XlsxWriter's peer", limit=1)
    report.line("XlsxWriter peer (same calls, XlsxWriter's own Worksheet)",
                timed.median("plain"))
    report.line("xlplan's own work: against the same calls on its ExactWorksheet",
                timed.median("peer"), timed.compared("xlplan", "peer"), "of that replay")


# -- batch fill -----------------------------------------------------------------------------
def _client(plan: Plan, i: int) -> Plan:
    client = plan.client.model_copy(update={
        "name": f"Client {i:05d}", "sector": f"Sector {i}", "consultant": f"Consultant {i}"})
    return plan.model_copy(update={"client": client})


def fill(report: Report, rounds: int) -> None:
    plan = load_plan(BOUTIQUE)
    first, second = fill_bytes(_client(plan, 1)), fill_bytes(_client(plan, 2))
    changed = changed_parts(first, second)
    parts = parts_of(first)
    size = sum(len(parts[n]) for n in changed)
    # each round's client is made beforehand: only the filling is timed
    clients = iter([_client(plan, i) for i in range(3, 3 + rounds + 1)])

    def fill_one() -> None:
        fill_bytes(next(clients))

    # fill and its floor take turns on their own, two by two (a third contender between
    # them would run before one of them more often than before the other); deflating every
    # part, the old floor, is timed apart
    timed = Rounds({"fill": fill_one, "floor": floor_writer(second, changed)}).run(rounds)
    old_floor = Rounds({"floor": floor_writer(second, changed),
                        "all": deflate_all(second)}).run(rounds)
    report.section("Batch fill: examples/boutique.yaml, a new client each time")
    report.note(f"{len(changed)} of {len(parts)} parts change from client to client "
                f"({size / 1024:.0f} of {sum(map(len, parts.values())) / 1024:.0f} KiB): "
                + ", ".join(changed))
    report.line("xlplan fill (cached template, the client's texts filled in)",
                timed.median("fill"), timed.compared("fill", "floor"), "of the true floor",
                limit=2)
    report.line("true floor (changed parts deflated, the others copied)",
                timed.median("floor"), old_floor.compared("floor", "all"),
                "of deflating every part")
    report.line("deflating every part (the old floor)", old_floor.median("all"))


# -- consolidate ----------------------------------------------------------------------------
def read_calamine(paths: list[Path]) -> None:
    """Each workbook opened once, every sheet's values read."""
    for path in paths:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()


# A fresh consolidating process: its own peak is VmHWM (ru_maxrss would count the pages of
# this large process, forked before the probe's exec), its workers' is ru_maxrss of its
# children (forked from the probe, not from here).
_MEMORY_PROBE = (
    "import re, resource, sys; from pathlib import Path; "
    "from xlplan.batch.portfolio import consolidate; "
    "consolidate(Path(sys.argv[1]), Path(sys.argv[2]), workers=2, progress=False); "
    "status = Path('/proc/self/status').read_text(); "
    r"print(int(re.search(r'VmHWM:\s+(\d+)', status).group(1)) // 1024, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")


def consolidation(report: Report, workbooks: int, rounds: int, tmp: Path) -> None:
    plan = load_plan(BOUTIQUE)
    folder = tmp / "workbooks"
    folder.mkdir()
    for i in range(workbooks):
        (folder / f"client{i:05d}.xlsx").write_bytes(fill_bytes(_client(plan, i)))
    paths = sorted(folder.glob("*.xlsx"))
    output = tmp / "portfolio.xlsx"

    def run(workers: int) -> Callable[[], object]:
        def go() -> None:
            count, bad = consolidate(folder, output, workers=workers, progress=False)
            assert (count, bad) == (workbooks, 0)
        return go

    timed = Rounds({"1": run(1), "2": run(2), "calamine": lambda: read_calamine(paths)},
                   after=lambda: output.unlink(missing_ok=True)).run(rounds)
    report.section(f"Consolidate: {workbooks} workbooks (boutique, filled for {workbooks} "
                   "clients)")
    report.line("xlplan consolidate, 1 worker", timed.median("1"),
                timed.compared("1", "calamine"), "of python-calamine", limit=2)
    report.line("xlplan consolidate, 2 workers", timed.median("2"),
                timed.compared("1", "2"), "faster than 1 worker")
    report.line("python-calamine: open each once, read every sheet", timed.median("calamine"))
    report.line("  per workbook: xlplan consolidate, 1 worker", timed.median("1") / workbooks)
    report.line("  per workbook: python-calamine", timed.median("calamine") / workbooks)
    result = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(folder), str(output)],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    output.unlink(missing_ok=True)
    main_mib, worker_mib = result.stdout.split()
    report.note(f"peak memory of a fresh consolidating process (2 workers): main {main_mib} "
                f"MiB, largest worker {worker_mib} MiB")


# -- batch ----------------------------------------------------------------------------------
def batch(report: Report, clients: int, rounds: int, tmp: Path) -> None:
    listing = tmp / "clients.csv"
    with listing.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "sector", "language", "consultant"])
        for i in range(clients):
            writer.writerow([f"c{i}", f"Client {i:05d}", "retail", ("fr", "es", "en")[i % 3],
                             "Claire"])
    out = tmp / "batch"

    def run(workers: int) -> Callable[[], object]:
        def go() -> None:
            outcomes, _ = run_batch(listing, out, 2027, workers=workers, progress=False)
            assert all(o.status == "written" for o in outcomes)
        return go

    timed = Rounds({"1": run(1), "2": run(2)},
                   after=lambda: shutil.rmtree(out, ignore_errors=True)).run(rounds)
    report.section(f"Batch: {clients} clients (the starter plan, 3 languages), files written")
    report.line("1 worker", timed.median("1"))
    report.line("2 workers", timed.median("2"), timed.compared("1", "2"),
                "faster than 1 worker")
    report.line("  per client, 1 worker", timed.median("1") / clients)


# -- start-up -------------------------------------------------------------------------------
def start_up(report: Report, rounds: int) -> None:
    def command(*args: str) -> Callable[[], object]:
        return lambda: subprocess.run(args, capture_output=True, check=True, cwd=ROOT)

    timed = Rounds({
        "help": command(XLPLAN, "--help"),
        "validate": command(XLPLAN, "validate", str(BOUTIQUE)),
        "openpyxl": command(sys.executable, "-c", "import openpyxl"),
    }).run(rounds)
    report.section("Start-up (whole processes)")
    report.line("xlplan --help", timed.median("help"), timed.compared("help", "openpyxl"),
                "of importing openpyxl")
    report.line("xlplan validate examples/boutique.yaml", timed.median("validate"),
                timed.compared("validate", "openpyxl"), "of importing openpyxl")
    report.line('python -c "import openpyxl"', timed.median("openpyxl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15,
                        help="rounds of the example's one-off generation (fill: twice as many)")
    parser.add_argument("--big-rounds", type=int, default=3,
                        help="rounds of the large plan's one-off generation")
    parser.add_argument("--workbooks", type=int, default=30, help="workbooks to consolidate")
    parser.add_argument("--clients", type=int, default=300, help="clients of the batch")
    parser.add_argument("--scale-rounds", type=int, default=3,
                        help="rounds of consolidate and of the batch")
    parser.add_argument("--startup-rounds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"bench/compare.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"tree {_tree()}; Python {platform.python_version()}; {platform.platform()}")
    print(machine("start"), flush=True)
    print(compile_trees(ROOT), flush=True)
    report = Report()
    one_off(report, "examples/boutique.yaml", load_plan(BOUTIQUE), args.rounds)
    one_off(report, "200 KPIs, 300 priorities, 1,000 actions", big_plan(), args.big_rounds)
    fill(report, args.rounds * 2)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        consolidation(report, args.workbooks, args.scale_rounds, tmp)
        batch(report, args.clients, args.scale_rounds, tmp)
    start_up(report, args.startup_rounds)
    print()
    print(machine("end"))
    print(f"the whole run: {time.perf_counter() - started:.0f} s")
    report.table()


if __name__ == "__main__":
    main()
