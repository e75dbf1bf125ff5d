"""``xlplan run`` (the ribbon's macros on a file) and ``xlplan addin`` (the Excel add-in)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import EXIT_PROBLEMS, main, reported_errors


@main.command("run")
@click.argument("macro", type=click.Choice(
    ["score-priorities", "check-funding", "refresh-dashboard", "check-plan", "export-actions",
     "client-copy"]))
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write, for the macros that change the book (never WORKBOOK).")
@click.option("--force", is_flag=True, help="Replace files that exist (never one a person "
              "has edited, never one Excel has open).")
@click.option("--overwrite-edited", is_flag=True,
              help="Replace OUTPUT even if a person edited it since it was generated.")
def run(macro: str, workbook: Path, output: Path | None, force: bool,
        overwrite_edited: bool) -> None:
    """Run a ribbon macro on WORKBOOK, as the xlplan tab does in Excel.

    \b
      xlplan run score-priorities plan.xlsx -o plan-ranked.xlsx
      xlplan run check-funding plan.xlsx -o plan-checked.xlsx
      xlplan run refresh-dashboard plan.xlsx -o plan-refreshed.xlsx
      xlplan run check-plan plan.xlsx -o plan-checked.xlsx
      xlplan run export-actions plan.xlsx     (writes "plan - actions.csv" and ".ics")
      xlplan run client-copy plan.xlsx        (writes "plan - client copy.xlsx")

    Exit 0 when done, 1 when the macro found problems (check-plan) or months below zero
    (check-funding), 2 when it could not run.
    """
    from .macros import CHANGES_BOOK, MACROS, FileBook

    if macro in CHANGES_BOOK and output is None:
        raise click.UsageError(f"{macro} changes the workbook: give -o OUTPUT "
                               "(the workbook read is never written)")
    if macro not in CHANGES_BOOK and output is not None:
        raise click.UsageError(f"{macro} writes its files next to WORKBOOK; -o is not used")
    with reported_errors():
        book = FileBook(workbook, force=force, say=click.echo)
        result = MACROS[macro](book)
        if output is not None:
            book.save(output, overwrite_edited)
    click.echo(result.message)
    for path in result.written:
        click.echo(f"wrote {path}")
    if output is not None:
        click.echo(f"wrote {output}")
    sys.exit(EXIT_PROBLEMS if result.findings else 0)
