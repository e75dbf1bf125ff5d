"""Generation and reading speed, against peers measured side by side in the same run.

    .venv/bin/python bench/compare.py                 # the workbook contenders (about a minute)
    .venv/bin/python bench/compare.py --clients 10000 # also batch and consolidate at scale

One representative workbook (examples/boutique.yaml) is produced by each contender in
interleaved rounds; medians are reported with ratios, since these machines are noisy:

- xlplan fill: the batch path, a cached template filled with each client's texts;
- xlplan openpyxl: the same workbook built cell by cell (the path for one-off plans);
- XlsxWriter: the same cells, formulas, formats, widths, tables, validations and names,
  taken from the built workbook beforehand (only the writing is timed);
- deflate floor: deflating that workbook's own XML parts and nothing else;
- reading it back: openpyxl read-only versus python-calamine, every cell of every sheet.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import python_calamine  # noqa: E402
import xlsxwriter  # noqa: E402
from openpyxl.utils import range_boundaries  # noqa: E402

from xlplan import load_plan  # noqa: E402
from xlplan.batch.fill import fill_bytes  # noqa: E402
from xlplan.batch.portfolio import consolidate  # noqa: E402
from xlplan.batch.run import run_batch  # noqa: E402
from xlplan.workbook import render_bytes  # noqa: E402


def xlsxwriter_content(plan):  # type: ignore[no-untyped-def]
    """What the workbook holds, as plain data for XlsxWriter (prepared outside the timing)."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    sheets = []
    for ws in wb.worksheets:
        cells = [(c.row - 1, c.column - 1, c.value, c.number_format, c.data_type == "f",
                  bool(c.protection.locked)) for row in ws.iter_rows() for c in row
                 if c.value is not None]
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        tables = []
        for table in ws.tables.values():  # column names come from the header row
            first_col, header, last_col, _ = range_boundaries(table.ref)
            names = [str(ws.cell(header, c).value) for c in range(first_col, last_col + 1)]
            tables.append((table.ref, table.displayName, names))
        validations = [(str(dv.sqref), dv.type, dv.formula1, dv.formula2)
                       for dv in ws.data_validations.dataValidation]
        sheets.append((ws.title, cells, widths, tables, validations))
    names = [(n, d.attr_text) for n, d in wb.defined_names.items()]
    return sheets, names


def write_with_xlsxwriter(content) -> bytes:  # type: ignore[no-untyped-def]
    sheets, names = content
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    formats: dict[tuple[str, bool], object] = {}
    for title, cells, widths, tables, validations in sheets:
        ws = book.add_worksheet(title)
        for letter, width in widths.items():
            ws.set_column(f"{letter}:{letter}", width)
        for row, col, value, number_format, is_formula, locked in cells:
            key = (number_format, locked)
            if key not in formats:
                formats[key] = book.add_format({"num_format": number_format, "locked": locked})
            fmt = formats[key]
            if is_formula:
                ws.write_formula(row, col, value, fmt)
            elif isinstance(value, str):
                ws.write_string(row, col, value, fmt)
            else:
                ws.write(row, col, value, fmt)
        for ref, name, columns in tables:
            ws.add_table(ref, {"name": name, "columns": [{"header": c} for c in columns],
                               "autofilter": False})
        for sqref, kind, formula1, formula2 in validations:
            options = {"validate": kind if kind != "whole" else "integer"}
            if kind == "list":
                options["source"] = formula1.strip('"').split(",") if formula1.startswith(
                    '"') else "=" + formula1
            elif kind in ("whole", "decimal", "date"):
                options.update(criteria="between", minimum=float(formula1),
                               maximum=float(formula2))
                if kind == "date":
                    options.update(validate="date", minimum=float(formula1),
                                   maximum=float(formula2))
            for area in sqref.split():
                ws.data_validation(area, options)
        ws.protect()
    for name, ref in names:
        book.define_name(name, "=" + ref)
    book.close()
    return out.getvalue()


def deflate_floor(data: bytes) -> Callable[[], None]:
    parts = [zipfile.ZipFile(io.BytesIO(data)).read(n)
             for n in zipfile.ZipFile(io.BytesIO(data)).namelist()]

    def run() -> None:
        for part in parts:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            packer.compress(part)
            packer.flush()
    return run


def read_openpyxl(path: Path) -> None:
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        for _ in ws.iter_rows(values_only=True):
            pass
    wb.close()


def read_calamine(path: Path) -> None:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    wb.close()


def timed_rounds(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):  # interleaved: a noisy moment hits every contender alike
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def workbook_contenders(rounds: int) -> None:
    plan = load_plan(ROOT / "examples" / "boutique.yaml")
    clients = iter(range(10**9))

    def fill() -> bytes:
        client = plan.client.model_copy(update={"name": f"Client {next(clients)}"})
        return fill_bytes(plan.model_copy(update={"client": client}))

    data = fill()
    content = xlsxwriter_content(plan)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.xlsx"
        path.write_bytes(data)
        ms = timed_rounds({
            "xlplan fill": fill,
            "xlplan openpyxl": lambda: render_bytes(plan),
            "XlsxWriter": lambda: write_with_xlsxwriter(content),
            "deflate floor": deflate_floor(data),
            "read: openpyxl read-only": lambda: read_openpyxl(path),
            "read: python-calamine": lambda: read_calamine(path),
        }, rounds)
    print(f"workbook: examples/boutique.yaml, {len(data) / 1024:.0f} KiB, median of {rounds} "
          "interleaved rounds")
    for name, value in ms.items():
        print(f"  {name:<26} {value:8.2f} ms")
    print(f"  fill / deflate floor        {ms['xlplan fill'] / ms['deflate floor']:8.2f} x "
          "(target: at most 3)")
    print(f"  XlsxWriter / fill           {ms['XlsxWriter'] / ms['xlplan fill']:8.2f} x "
          "(target: at least 5)")
    print(f"  openpyxl / fill             {ms['xlplan openpyxl'] / ms['xlplan fill']:8.2f} x")
    print(f"  openpyxl read / calamine    "
          f"{ms['read: openpyxl read-only'] / ms['read: python-calamine']:8.2f} x")


def scale(clients: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "clients.csv"
        with listing.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "name", "sector", "language", "consultant"])
            for i in range(clients):
                writer.writerow([f"c{i}", f"Client {i:05d}", "retail", ("fr", "es", "en")[i % 3],
                                 "Claire"])
        timings = {}
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            start = time.perf_counter()
            outcomes, _ = run_batch(listing, out, 2027, workers=workers, progress=False)
            timings[workers] = time.perf_counter() - start
            assert all(o.status == "written" for o in outcomes)
            print(f"batch of {clients} clients, {workers} worker(s): {timings[workers]:6.1f} s")
        print(f"  workers scale {timings[1] / timings[2]:.2f}x (target: at least 1.8x)")
        for workers in (1, 2):
            start = time.perf_counter()
            count, bad = consolidate(Path(tmp) / "out2", Path(tmp) / "p.xlsx",
                                     workers=workers, progress=False)
            elapsed = time.perf_counter() - start
            print(f"consolidate {count} workbooks ({bad} unreadable), {workers} worker(s): "
                  f"{elapsed:6.1f} s")
        probe = (
            "import resource, sys; from pathlib import Path; "
            "from xlplan.batch.portfolio import consolidate; "
            "consolidate(Path(sys.argv[1]), Path(sys.argv[2]), workers=2, progress=False); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
        result = subprocess.run([sys.executable, "-c", probe, str(Path(tmp) / "out2"),
                                 str(Path(tmp) / "p2.xlsx")], capture_output=True, text=True,
                                check=True, cwd=ROOT)
        main_mib, worker_mib = result.stdout.split()
        print(f"  consolidate peak memory (fresh process): main {main_mib} MiB, "
              f"largest worker {worker_mib} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=0,
                        help="also run batch and consolidate for this many clients")
    args = parser.parse_args()
    workbook_contenders(args.rounds)
    if args.clients:
        scale(args.clients)


if __name__ == "__main__":
    main()
