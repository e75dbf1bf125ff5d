"""Time and memory of generating workbooks: the bundled example and the large plan.

    .venv/bin/python bench/generate.py [--repeat 5] [--peer]

Prints the best and median wall time per workbook, the median CPU time of the process, and
the peak Python memory (tracemalloc) of one generation. With ``--peer``, the XlsxWriter peer
of bench/compare.py (bench/peer.py: the same package written by straight-line XlsxWriter
calls) runs in the same rounds, its turn alternating, and each time is followed by the
ratio of the medians: on a loaded machine, trust the ratios more than the times. Without
it, run this side by side with a baseline checkout to compare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_oracle import big_plan  # noqa: E402
from xlplan import load_plan  # noqa: E402
from xlplan.model import Plan  # noqa: E402
from xlplan.workbook import render_bytes  # noqa: E402


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _line(name: str, walls: list[float], cpus: list[float], against: tuple[float, float] | None,
          extra: str = "") -> str:
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    ratio = "" if against is None else (f"   {wall / against[0]:.2f}x wall, "
                                         f"{cpu / against[1]:.2f}x CPU of the peer")
    return (f"{name:<35} best {min(walls) * 1000:8.1f} ms   median {wall * 1000:8.1f} ms   "
            f"CPU {cpu * 1000:8.1f} ms{extra}{ratio}")


def measure(name: str, plan: Plan, repeat: int, with_peer: bool) -> None:
    contenders: dict[str, Callable[[], object]] = {"xlplan": lambda: render_bytes(plan)}
    if with_peer:
        from bench.peer import compile_peer, record

        contenders["peer"] = compile_peer(record(lambda: render_bytes(plan)))
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in contenders}
    names = list(contenders)
    for index in range(repeat):
        turn = index % len(names)
        for who in names[turn:] + names[:turn]:
            wall, cpu = _timed(contenders[who])
            times[who][0].append(wall)
            times[who][1].append(cpu)
    tracemalloc.start()
    data = render_bytes(plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peer = None
    if with_peer:
        peer = (statistics.median(times["peer"][0]), statistics.median(times["peer"][1]))
        print(_line(f"{name} (peer)", *times["peer"], None))
    print(_line(name, *times["xlplan"], peer,
                f"   peak {peak / 2**20:6.1f} MiB   {len(data) / 1024:7.1f} KiB"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer", action="store_true",
                        help="time the XlsxWriter peer in the same rounds, and the ratios")
    args = parser.parse_args()
    measure("examples/boutique.yaml", load_plan(ROOT / "examples" / "boutique.yaml"),
            args.repeat, args.peer)
    measure("200 KPIs/300 prio/1000 act", big_plan(), max(1, args.repeat // 2), args.peer)


if __name__ == "__main__":
    main()
