"""Time of each ribbon macro on a file (the file twin), against its peer `xlplan check`.

    .venv/bin/python bench/macros.py [--repeat 7] [--large]

Rounds are interleaved (each round runs the peer and every macro once) and medians are
reported with their ratio to the peer, since these machines are noisy. A macro reads the
workbook as `check` does, then writes; the ratio shows what the macro adds. ``--large`` uses
the plan with 200 KPIs, 300 priorities and 1,000 actions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_oracle import big_plan  # noqa: E402
from xlplan import load_plan  # noqa: E402
from xlplan.addin.build import build_addin  # noqa: E402
from xlplan.macros import CHANGES_BOOK, MACROS, FileBook  # noqa: E402
from xlplan.reader.check import check_workbook  # noqa: E402
from xlplan.workbook import render_bytes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--large", action="store_true")
    args = parser.parse_args()
    plan = big_plan() if args.large else load_plan(ROOT / "examples" / "boutique.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "plan.xlsx"
        source.write_bytes(render_bytes(plan))
        times: dict[str, list[float]] = {"peer: check": [], "addin build": []}
        times.update({name: [] for name in MACROS})
        for _ in range(args.repeat):
            start = time.perf_counter()
            check_workbook(source)
            times["peer: check"].append(time.perf_counter() - start)
            for name, macro in MACROS.items():
                start = time.perf_counter()
                book = FileBook(source, force=True, say=lambda _: None)
                macro(book)
                if name in CHANGES_BOOK:
                    book.save(Path(tmp) / "out.xlsx")
                times[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            build_addin()
            times["addin build"].append(time.perf_counter() - start)
    peer = statistics.median(times["peer: check"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:18} median {median * 1000:7.0f} ms   x{median / peer:4.2f} of check")


if __name__ == "__main__":
    main()
