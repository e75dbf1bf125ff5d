"""Start-up of the command line and of the worksheet functions, side by side in one run.

    .venv/bin/python bench/startup.py                       # 9 rounds: about 1 minute
    .venv/bin/python bench/startup.py --rounds 15           # steadier figures
    .venv/bin/python bench/startup.py --baseline /tmp/old   # and another tree's, same run
    .venv/bin/python bench/startup.py --no-calls            # whole processes only

Whole processes, each run as its own child of this one (its wall time from start to exit,
its CPU time and peak memory from the kernel's accounting of that child, os.wait4):

- the yardstick: ``python -c "import openpyxl"``;
- ``xlplan --help``, ``xlplan validate examples/boutique.yaml``, ``xlplan new
  examples/boutique.yaml -o <a new file in a temporary folder>``, ``xlplan check`` of the
  workbook ``new`` wrote (generated once, before the rounds);
- ``python -c "import udfs.functions"`` (the worksheet functions, as Excel loads them), and
  the same import followed by one call of each PLAN_* function (a sheet's first
  recalculation: the words of the languages and the tables' columns are read then).

``xlplan ...`` is run as the installed ``xlplan`` script runs it (``from xlplan.cli import
main``), by this Python, with this tree first on ``PYTHONPATH``. With ``--baseline DIR`` each
xlplan command is also run on the tree at DIR (its own ``PYTHONPATH``), labelled "(baseline)":
a before/after comparison in the same rounds.

The rounds are interleaved: each round runs every command once, the order turning from round
to round, after one warm-up round that is not counted, so that a noisy moment hits every
command alike. Each figure is the median of its rounds; each ratio to the yardstick is the
median of the rounds' own ratios (paired). The machine's load (os.getloadavg) at the start
and at the end is printed: on a loaded machine, trust the ratios more than the times.

Then the overhead of each worksheet function (in a child process, on the same tree): a
PLAN_* call against the xlplan.calc function it wraps, called directly with the same inputs
(the example plan's values, as Excel passes them to the function, and as models to the
calculation), best of several repeats of many calls. For a function taking a range, the
overhead is also given per row: reading the rows (header and empty rows skipped, labels in
any language, each row validated as the plan file's rows are) is the function's work.

The targets printed beside the figures are those of the issue "Fast at every size": new at
most 1.5x the yardstick, --help and validate at most 0.5x, the import of udfs under 0.3 s, a
PLAN_* call at most 10 us over its calculation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
YARDSTICK = "import openpyxl"
# What the installed ``xlplan`` script does (pip's console-script wrapper).
XLPLAN = ("import sys; from xlplan.cli import main; sys.argv[0] = 'xlplan'; "
          "sys.exit(main())")
# Each worksheet function called once, as a sheet's first recalculation does (the labels in
# French, so that every language's words are read).
FIRST_CALLS = """import udfs.functions as f
f.PLAN_LTV(120, 0.6, 0.1, None, 25)
f.PLAN_KPI_STATUS(0.05, 0.07, "Moins = mieux", 0.9, "fr")
f.PLAN_KPI_GAP(80, 82.5)
f.PLAN_DECISION(3, "es")
f.PLAN_CUSTOMER_CAPITAL([["Segment", "Clients"], ["Fidèles", 2400, 120, 0.6, 0.1, None, 25]])
f.PLAN_FUNDING_BALANCE([["CRM", 1, 50, "Oui"]], [["Apport", 6, 5000, "Non"]], 1000)
f.PLAN_FUNDING_CHECK([["CRM", 1, 50, "Oui"]], [["Apport", 6, 5000, "Non"]], 1000, "fr")
f.PLAN_SMART([["Réduire les retours", "Processus", "taux", None, None, None, "Marc"]], "fr")
"""
TARGETS = {"xlplan --help": 0.5, "xlplan validate": 0.5, "xlplan new": 1.5}
UDF_IMPORT_TARGET = 0.3  # seconds
CALL_OVERHEAD_TARGET = 10e-6  # seconds


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_mib: float
    status: int


@dataclass
class Command:
    label: str
    argv: Callable[[int], list[str]]  # the run's number -> the command line
    tree: Path
    samples: list[Sample] = field(default_factory=list)

    def run(self, number: int) -> Sample:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(self.tree), *filter(None, [os.environ.get("PYTHONPATH")])])}
        start = time.perf_counter()
        child = subprocess.Popen(self.argv(number), cwd=self.tree, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                      child.returncode)

    def median(self, what: str) -> float:
        return statistics.median(getattr(s, what) for s in self.samples)


def machine(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return (f"load at {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on "
            f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def commands(tree: Path, tmp: Path, workbook: Path, suffix: str = "") -> list[Command]:
    python = sys.executable
    plan = str(tree / "examples" / "boutique.yaml")

    def xlplan(*args: str) -> Callable[[int], list[str]]:
        return lambda n: [python, "-c", XLPLAN, *args]

    def new(n: int) -> list[str]:
        return [python, "-c", XLPLAN, "new", plan, "-o", str(tmp / f"new{suffix}-{n}.xlsx")]

    return [
        Command(f"xlplan --help{suffix}", xlplan("--help"), tree),
        Command(f"xlplan validate{suffix}", xlplan("validate", plan), tree),
        Command(f"xlplan new{suffix}", new, tree),
        Command(f"xlplan check{suffix}", xlplan("check", str(workbook)), tree),
        Command(f"import udfs.functions{suffix}",
                lambda n: [python, "-c", "import udfs.functions"], tree),
        Command(f"udfs: import, each PLAN_* once{suffix}",
                lambda n: [python, "-c", FIRST_CALLS], tree),
    ]


def whole_processes(rounds: int, baseline: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="xlplan-startup-") as folder:
        tmp = Path(folder)
        workbook = tmp / "boutique.xlsx"
        subprocess.run([sys.executable, "-c", XLPLAN, "new",
                        str(ROOT / "examples" / "boutique.yaml"), "-o", str(workbook)],
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
                       capture_output=True)
        yardstick = Command(f'python -c "{YARDSTICK}"',
                            lambda n: [sys.executable, "-c", YARDSTICK], ROOT)
        everything = [yardstick, *commands(ROOT, tmp, workbook)]
        if baseline is not None:
            everything += commands(baseline, tmp, workbook, " (baseline)")
        number = 0
        for index in range(rounds + 1):  # round 0 warms up, uncounted
            turn = index % len(everything)
            for command in everything[turn:] + everything[:turn]:
                number += 1
                sample = command.run(number)
                if index:
                    command.samples.append(sample)
        print(f"\nWhole processes: median of {rounds} interleaved rounds (after 1 warm-up); "
              "ratio: median of the rounds' own ratios to the yardstick")
        print(f"  {'command':<42} {'wall':>10} {'cpu':>10} {'peak':>9}   ratio   target")
        for command in everything:
            ratio = statistics.median(
                s.wall / y.wall for s, y in zip(command.samples, yardstick.samples, strict=True))
            base = command.label.removesuffix(" (baseline)")
            limit = TARGETS.get(base)
            if base == "import udfs.functions":
                target = (f"under {UDF_IMPORT_TARGET:g} s "
                          f"({'met' if command.median('wall') < UDF_IMPORT_TARGET else 'NOT met'})")
            elif limit is not None:
                target = f"at most {limit:g}x ({'met' if ratio <= limit else 'NOT met'})"
            else:
                target = ""
            statuses = sorted({s.status for s in command.samples})
            exits = "" if statuses == [0] or base == "xlplan check" else f"  exit {statuses}"
            print(f"  {command.label:<42} {_ms(command.median('wall'))} "
                  f"{_ms(command.median('cpu'))} {command.median('peak_mib'):5.0f} MiB  "
                  f"{ratio:5.2f}x  {target}{exits}", flush=True)


# -- the worksheet functions' overhead ------------------------------------------------------
def best(call: Callable[[], object], repeats: int, number: int) -> float:
    call()
    return min(timeit.repeat(call, number=number, repeat=repeats)) / number


def call_overheads(number: int, repeats: int) -> None:
    """Each PLAN_* call against its calculation (run in a child: see main)."""
    start = time.perf_counter()
    from udfs import functions as f
    imported = time.perf_counter() - start

    from xlplan import load_plan
    from xlplan.calc import customers, funding, kpis, objectives, priorities

    plan = load_plan(ROOT / "examples" / "boutique.yaml")
    segment = plan.segments[0]
    segments = [[s.name, s.customers, s.margin, s.retention, s.discount_rate, s.horizon,
                 s.acquisition_cost] for s in plan.segments]

    def funding_rows(lines: Any) -> list[list[Any]]:
        return [[line.label, line.month, line.amount, "Oui" if line.monthly else "Non"]
                for line in lines]

    uses, sources = funding_rows(plan.funding.uses), funding_rows(plan.funding.sources)
    cash = plan.plan.opening_cash
    kpi = plan.kpis[3]
    objective = plan.objectives[2]
    objective_row = [[objective.title, "Processus", objective.measure, objective.target,
                      objective.deadline, objective.why, objective.owner]]

    def capital() -> float:
        return customers.customer_capital([
            s.customers * customers.lifetime_value(s.margin, s.retention, s.discount_rate,
                                                   s.horizon, s.acquisition_cost)
            for s in plan.segments])

    cases: list[tuple[str, Callable[[], object], Callable[[], object], int]] = [
        ("PLAN_LTV", lambda: f.PLAN_LTV(segment.margin, segment.retention,
                                        segment.discount_rate, segment.horizon,
                                        segment.acquisition_cost),
         lambda: customers.lifetime_value(segment.margin, segment.retention,
                                          segment.discount_rate, segment.horizon,
                                          segment.acquisition_cost), 0),
        ("PLAN_KPI_GAP", lambda: f.PLAN_KPI_GAP(kpi.target, kpi.actual),
         lambda: kpis.gap(kpi.target, kpi.actual), 0),
        ("PLAN_KPI_STATUS", lambda: f.PLAN_KPI_STATUS(kpi.target, kpi.actual, "Moins = mieux",
                                                      0.9, "fr"),
         lambda: kpis.kpi_status(kpi.target, kpi.actual, kpi.direction, 0.9), 0),
        ("PLAN_DECISION", lambda: f.PLAN_DECISION(3, "es"), lambda: priorities.decision(3), 0),
        ("PLAN_SMART (1 row)", lambda: f.PLAN_SMART(objective_row, "fr"),
         lambda: objectives.missing_smart(objective), 1),
        (f"PLAN_CUSTOMER_CAPITAL ({len(segments)} rows)",
         lambda: f.PLAN_CUSTOMER_CAPITAL(segments), capital, len(segments)),
        (f"PLAN_FUNDING_BALANCE ({len(uses) + len(sources)} rows)",
         lambda: f.PLAN_FUNDING_BALANCE(uses, sources, cash),
         lambda: funding.funding_plan(cash, plan.funding.uses, plan.funding.sources).cumulative,
         len(uses) + len(sources)),
    ]
    print(f"\nWorksheet functions: best of {repeats} x {number:,} calls; import of "
          f"udfs.functions in this process {imported * 1000:.0f} ms")
    print(f"  {'function':<34} {'PLAN_*':>9} {'calc':>9} {'overhead':>9}  {'per row':>8}"
          "   target")
    for name, udf, calc, rows in cases:
        udf_time, calc_time = best(udf, repeats, number), best(calc, repeats, number)
        over = udf_time - calc_time
        per_row = f"{over / rows * 1e6:6.2f} us" if rows else ""
        verdict = "met" if over <= CALL_OVERHEAD_TARGET else "NOT met"
        print(f"  {name:<34} {udf_time * 1e6:6.2f} us {calc_time * 1e6:6.2f} us "
              f"{over * 1e6:6.2f} us  {per_row:>8}   at most "
              f"{CALL_OVERHEAD_TARGET * 1e6:g} us ({verdict})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="counted rounds (default 9)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another tree (a checkout) whose xlplan commands run alongside")
    parser.add_argument("--no-calls", action="store_true",
                        help="leave out the worksheet functions' call overhead")
    parser.add_argument("--calls", type=int, default=20_000, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=7, help="repeats of the calls")
    parser.add_argument("--calls-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.calls_only:
        call_overheads(args.calls, args.repeats)
        return
    print(machine("start"), flush=True)
    sys.path.insert(0, str(ROOT))
    from bench.bytecode import compile_trees  # run as a script: the package by its root

    print(compile_trees(ROOT, *([args.baseline.resolve()] if args.baseline else [])), flush=True)
    whole_processes(args.rounds, args.baseline.resolve() if args.baseline else None)
    if not args.no_calls:
        subprocess.run([sys.executable, __file__, "--calls-only", "--calls", str(args.calls),
                        "--repeats", str(args.repeats)], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    print("\n" + machine("end"))


if __name__ == "__main__":
    main()
