"""``xlplan run`` (the ribbon's macros on a file) and ``xlplan addin`` (the Excel add-in)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import EXIT_PROBLEMS, echo, main, reported_errors
from .errors import OutputError
from .languages import LANGUAGES


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
    echo(result.message)
    for path in result.written:
        echo(f"wrote {path}")
    if output is not None:
        echo(f"wrote {output}")
    sys.exit(EXIT_PROBLEMS if result.findings else 0)


@main.group()
def addin() -> None:
    """The Excel add-in (xlplan.xlam): the xlplan ribbon tab for Windows Excel."""


@addin.command("build")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The add-in to write (.xlam).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en",
              show_default=True, help="Language of the ribbon's labels.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def addin_build(output: Path, lang: str, force: bool) -> None:
    """Assemble xlplan.xlam: the ribbon, its VBA callbacks, and xlwings' VBA runtime from the
    xlwings package installed here."""
    from .addin.build import build_addin
    from .safe_io import atomic_write, check_target

    with reported_errors():
        if output.suffix.lower() != ".xlam":
            raise OutputError(f"{output}: an Excel add-in must be named .xlam")
        check_target(output, force)
        from .model import Language

        atomic_write(output, build_addin(Language(lang)))
    echo(f"wrote {output}")


@addin.command("install")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en",
              show_default=True, help="Language of the ribbon's labels.")
@click.option("--xlstart", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Excel's startup folder (default: the user's XLSTART on Windows, "
                   "Excel's Startup folder on a Mac).")
@click.option("--dry-run", is_flag=True, help="Say what would be done; write nothing.")
def addin_install(lang: str, xlstart: Path | None, dry_run: bool) -> None:
    """Install xlplan.xlam for this user, next to the xlwings add-in, and point it at this
    Python (the settings file %USERPROFILE%\\.xlplan\\xlplan.conf)."""
    from .addin.build import build_addin
    from .addin.install import install_steps

    with reported_errors():
        steps = install_steps(xlstart, sys.executable, sys.platform)
        from .model import Language

        data = build_addin(Language(lang))
        for step in steps.describe():
            echo(step)
        if not dry_run:
            steps.apply(data)
            echo("done: quit and restart Excel to see the xlplan tab")
