"""Time and memory of generating workbooks: the bundled example and the large plan.

    .venv/bin/python bench/generate.py [--repeat 5]

Prints the best and median wall time per workbook and the peak Python memory (tracemalloc)
of one generation. Run it side by side with a baseline checkout to compare (ratios), since
these machines are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_oracle import big_plan  # noqa: E402
from xlplan import load_plan  # noqa: E402
from xlplan.workbook import render_bytes  # noqa: E402


def measure(name: str, plan, repeat: int) -> None:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = render_bytes(plan)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    render_bytes(plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:<28} best {min(times) * 1000:8.1f} ms   median "
          f"{statistics.median(times) * 1000:8.1f} ms   peak {peak / 2**20:6.1f} MiB   "
          f"{len(data) / 1024:7.1f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    measure("examples/boutique.yaml", load_plan(ROOT / "examples" / "boutique.yaml"), args.repeat)
    measure("200 KPIs/300 prio/1000 act", big_plan(), max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
