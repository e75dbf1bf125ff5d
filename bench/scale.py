"""Linear cost at scale: ``xlplan new``, ``check`` and ``export`` on plans of 1,000 and 10,000
items, against the cost of ``python -c "import openpyxl"`` measured in the same run.

    .venv/bin/python bench/scale.py [--rounds 5] [--sizes 1000,10000] [--baseline DIR]
                                    [--keep DIR]

Each plan spreads its items over the plan's lists (40 % actions, 20 % priorities, 10 % KPIs,
8 % funding lines, then objectives, initiatives, risks, segments, team, survey, competitors,
barriers and review decisions), all valid and linked. The workbooks that ``check`` and
``export`` read are made once, before timing, by this tree's ``xlplan new``.

Every command runs as its own process (``python -m xlplan.cli ...``, as a user runs it), in
interleaved rounds: each round runs the yardstick and every command at every size once, so
machine noise falls on all alike. Printed per command and size: the median wall time, the
fastest and slowest, the median peak RSS (the process's own, from ``os.wait4``), the ratio to
the yardstick's median, and the 10k/1k ratio; then the targets of the issue "Fast at every
size" (each command within 12x from 1,000 to 10,000 items; ``check`` at 10,000 under 2 s;
``new`` at 10,000 under 3 s and 200 MiB), and the load average at the start and the end (a
loaded machine makes every figure worse, the ratios less so).

``--baseline DIR`` also times another tree of the project (say ``git worktree add
/tmp/base HEAD~3``, or ``git archive HEAD | tar -x -C /tmp/base``), run with ``PYTHONPATH=DIR``
by the same interpreter, interleaved with this one: before and after in the same run.
``--keep DIR`` keeps the plans, workbooks and exports there.

The default (5 rounds, both sizes) takes 1-3 minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
COMMANDS = ("new", "check", "export")
SHARES = {"kpis": 0.10, "priorities": 0.20, "actions": 0.40, "objectives": 0.02,
          "initiatives": 0.04, "risks": 0.04, "segments": 0.02, "uses": 0.05, "sources": 0.03,
          "team": 0.01, "survey": 0.03, "competitors": 0.01, "barriers": 0.01,
          "decisions": 0.02}
TARGET_RATIO = 12.0
TARGET_CHECK_SECONDS = 2.0
TARGET_NEW_SECONDS = 3.0
TARGET_NEW_MIB = 200.0


def plan_data(items: int, seed: int = 1) -> dict[str, Any]:
    """A valid plan of about ``items`` items spread over its lists (see SHARES)."""
    rng = random.Random(seed)
    count = {key: max(1, round(items * share)) for key, share in SHARES.items()}
    quadrants = ["attack-sell", "attack-manage", "defend-sell", "defend-manage"]
    categories = ["financial", "customer", "process", "technology", "people"]
    activities = ["writing", "selling", "dashboards", "bookkeeping", "design"]
    objectives = [f"Objective {i}" for i in range(count["objectives"])]
    initiatives = [f"Initiative {i}" for i in range(count["initiatives"])]
    priorities = [f"Priority {i}" for i in range(count["priorities"])]
    segments = [f"Segment {i}" for i in range(count["segments"])]
    people = [f"Person {i}" for i in range(count["team"])]
    first = date(2027, 1, 1)
    actions = []
    for i in range(count["actions"]):
        start = first + timedelta(rng.randint(0, 300))
        actions.append({
            "what": f"Action {i}", "who": rng.choice(people), "start": start,
            "due": start + timedelta(rng.randint(0, 60)), "how": "In two steps",
            "priority": rng.choice(priorities),
            "status": rng.choice(["todo", "in_progress", "done", "blocked"]),
            "cost": float(rng.randint(0, 5000)), "initiative": rng.choice(initiatives),
            "segment": rng.choice(segments), "effort": float(rng.randint(1, 10)),
            "activity": rng.choice(activities)})
    per_review = max(1, count["decisions"] // 3)
    reviews = [{"period": period, "date": date(2027, month, 5), "cash": 40000.0,
                "objectives": {o: float(rng.randint(0, 1000)) for o in objectives},
                "decisions": [{"priority": rng.choice(priorities),
                               "decision": rng.choice(["keep", "modify", "abandon", "done"]),
                               "note": "As agreed"} for _ in range(per_review)],
                "notes": "On track"}
               for period, month in (("Q1", 4), ("Q2", 7), ("Q3", 10))]
    return {
        "version": 1,
        "client": {"name": f"Scale {items}", "language": "en", "currency": "EUR"},
        "plan": {"year": 2027, "as_of": date(2027, 12, 31), "opening_cash": 50000.0,
                 "categories": categories, "vision": "Twice the size in five years"},
        "objectives": [{"title": t, "category": rng.choice(categories), "measure": "units",
                        "target": float(rng.randint(1, 1000)), "deadline": date(2027, 12, 31),
                        "why": "Growth", "owner": rng.choice(people), "ambitious": True,
                        "realistic": True} for t in objectives],
        "initiatives": [{"objective": rng.choice(objectives), "title": t, "measure": "count",
                         "target": float(rng.randint(1, 100)),
                         "actual": float(rng.randint(0, 100)),
                         "due": date(2027, rng.randint(1, 12), 28), "owner": rng.choice(people)}
                        for t in initiatives],
        "barriers": [f"Barrier {i}" for i in range(count["barriers"])],
        "retrospective": {"went_well": [f"Went well {i}" for i in range(count["barriers"])],
                          "went_badly": [f"Went badly {i}" for i in range(count["barriers"])]},
        "competitors": [{"name": f"Competitor {i}", "strengths": "Prices",
                         "weaknesses": "Service"} for i in range(count["competitors"])],
        "kpis": [{"name": f"KPI {i}", "unit": "EUR", "target": float(rng.randint(1, 10000)),
                  "actual": float(rng.randint(0, 12000)),
                  "direction": rng.choice(["higher", "lower"])} for i in range(count["kpis"])],
        "segments": [{"name": s, "customers": rng.randint(1, 500),
                      "margin": float(rng.randint(10, 5000)),
                      "retention": round(rng.random() * 0.9, 3), "discount_rate": 0.1,
                      "horizon": rng.choice([None, 3, 5]),
                      "acquisition_cost": float(rng.randint(0, 50))} for s in segments],
        "priorities": [{"title": t, "quadrant": rng.choice(quadrants),
                        "category": rng.choice(categories), "score": rng.randint(0, 3),
                        "impact": float(rng.randint(0, 100000)),
                        "cost": float(rng.randint(0, 50000)), "owner": rng.choice(people),
                        "objective": rng.choice(objectives), "likelihood": rng.randint(1, 3),
                        "urgency": rng.randint(1, 3), "ease": rng.randint(1, 3),
                        "ambition": rng.choice(["realistic", "ambitious"])}
                       for t in priorities],
        "risks": [{"title": f"Risk {i}", "kind": rng.choice(["internal", "external"]),
                   "likelihood": rng.randint(1, 3), "impact": rng.randint(1, 3),
                   "mitigation": "A second supplier", "owner": rng.choice(people)}
                  for i in range(count["risks"])],
        "funding": {"uses": [{"label": f"Use {i}", "month": rng.randint(1, 12),
                              "amount": float(rng.randint(0, 900)),
                              "monthly": rng.random() < 0.2, "priority": rng.choice(priorities)}
                             for i in range(count["uses"])],
                    "sources": [{"label": f"Source {i}", "month": rng.randint(1, 12),
                                 "amount": float(rng.randint(0, 3000)),
                                 "monthly": rng.random() < 0.2}
                                for i in range(count["sources"])]},
        "actions": actions,
        "reviews": reviews,
        "team": [{"name": p, "role": "Staff", "capacity": float(rng.randint(2, 20)),
                  "genius": ["design"], "excellence": ["writing"],
                  "competence": ["dashboards"], "incompetence": ["bookkeeping"]}
                 for p in people],
        "survey": [{"answer": f"Answer {i}", "priority": rng.choice(priorities),
                    "source": "Staff meeting"} for i in range(count["survey"])],
    }


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run(args: list[str], tree: Path | None) -> tuple[float, float]:
    """One process: (wall seconds, its own peak RSS in MiB). ``tree``: PYTHONPATH for it."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    start = time.perf_counter()
    process = subprocess.Popen([PYTHON, *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env, cwd=tree or ROOT)
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    code = process.returncode
    if code not in (0, 1) or (code == 1 and "check" not in args):
        raise SystemExit(f"{' '.join(args)} failed ({code}):\n{err.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024  # KiB on Linux


def command_args(command: str, size: int, folder: Path, tag: str) -> list[str]:
    plan, workbook = folder / f"plan-{size}.yaml", folder / f"workbook-{size}.xlsx"
    if command == "new":
        return ["-m", "xlplan.cli", "new", str(plan), "-o",
                str(folder / f"new-{tag}-{size}.xlsx"), "--force"]
    if command == "check":
        return ["-m", "xlplan.cli", "check", str(workbook)]
    return ["-m", "xlplan.cli", "export", str(workbook), "-o",
            str(folder / f"export-{tag}-{size}.yaml"), "--force"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--baseline", type=Path, help="another tree of the project to time")
    parser.add_argument("--keep", type=Path, help="keep plans and workbooks in this folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    trees: dict[str, Path | None] = {"this": None}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    sys.path.insert(0, str(ROOT))
    from bench.bytecode import compile_trees  # run as a script: the package by its root

    print(compile_trees(ROOT, *[t for t in trees.values() if t is not None]), flush=True)
    load_start = os.getloadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="xlplan-scale-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            text = yaml.dump(plan_data(size), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                             sort_keys=False, allow_unicode=True, width=100)
            (folder / f"plan-{size}.yaml").write_text(text, "utf-8")
            run(["-m", "xlplan.cli", "new", str(folder / f"plan-{size}.yaml"), "-o",
                 str(folder / f"workbook-{size}.xlsx"), "--force"], None)
        yardstick = Timing()
        timings: dict[tuple[str, str, int], Timing] = {}
        for _ in range(args.rounds):
            seconds, rss = run(["-c", "import openpyxl"], None)
            yardstick.seconds.append(seconds)
            yardstick.rss_mib.append(rss)
            for command in COMMANDS:
                for size in sizes:
                    for tag, tree in trees.items():
                        seconds, rss = run(command_args(command, size, folder, tag), tree)
                        timing = timings.setdefault((tag, command, size), Timing())
                        timing.seconds.append(seconds)
                        timing.rss_mib.append(rss)
    load_end = os.getloadavg()
    report(yardstick, timings, trees, sizes, args.rounds, load_start, load_end,
           time.perf_counter() - began)


def report(yardstick: Timing, timings: dict[tuple[str, str, int], Timing],
           trees: dict[str, Path | None], sizes: list[int], rounds: int,
           load_start: tuple[float, float, float], load_end: tuple[float, float, float],
           elapsed: float) -> None:
    small, large = min(sizes), max(sizes)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {rounds} rounds, "
          f"{elapsed:.0f} s in all")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*load_start))
    print(f"yardstick (python -c 'import openpyxl'): median {yardstick.median:.3f} s "
          f"(min {min(yardstick.seconds):.3f}, max {max(yardstick.seconds):.3f}), "
          f"{statistics.median(yardstick.rss_mib):.0f} MiB")
    print()
    print(f"{'tree':<9}{'command':<8}{'items':>7}{'median s':>10}{'min':>8}{'max':>8}"
          f"{'peak MiB':>10}{'x yardstick':>13}{f'{large // 1000}k/{small // 1000}k':>9}")
    for tag in trees:
        for command in COMMANDS:
            for size in sizes:
                t = timings[(tag, command, size)]
                ratio = ""
                if size == large and len(sizes) > 1:
                    ratio = f"{t.median / timings[(tag, command, small)].median:.1f}"
                print(f"{tag:<9}{command:<8}{size:>7}{t.median:>10.3f}{min(t.seconds):>8.3f}"
                      f"{max(t.seconds):>8.3f}{statistics.median(t.rss_mib):>10.0f}"
                      f"{t.median / yardstick.median:>13.1f}{ratio:>9}")
    if "baseline" in trees:
        print()
        for command in COMMANDS:
            for size in sizes:
                before = timings[("baseline", command, size)].median
                after = timings[("this", command, size)].median
                print(f"{command:<8}{size:>7}: baseline {before:.3f} s -> this {after:.3f} s "
                      f"({before / after:.1f}x faster)")
    print()
    if len(sizes) > 1:
        for command in COMMANDS:
            growth = timings[("this", command, large)].median / timings[
                ("this", command, small)].median
            verdict = "holds" if growth <= TARGET_RATIO else "MISSED"
            print(f"target: {command} at {large:,} within {TARGET_RATIO:g}x of {small:,}: "
                  f"{growth:.1f}x, {verdict}")
    check = timings[("this", "check", large)]
    print(f"target: check at {large:,} under {TARGET_CHECK_SECONDS:g} s: {check.median:.2f} s "
          f"({check.median / yardstick.median:.1f}x the yardstick), "
          f"{'holds' if check.median < TARGET_CHECK_SECONDS else 'MISSED'}")
    new = timings[("this", "new", large)]
    new_rss = statistics.median(new.rss_mib)
    fits = new.median < TARGET_NEW_SECONDS and new_rss < TARGET_NEW_MIB
    print(f"target: new at {large:,} under {TARGET_NEW_SECONDS:g} s and {TARGET_NEW_MIB:g} MiB: "
          f"{new.median:.2f} s, {new_rss:.0f} MiB, {'holds' if fits else 'MISSED'}")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*load_end))


if __name__ == "__main__":
    main()
