"""The ``xlplan`` command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .errors import PlanError, XlplanError
from .languages import LANGUAGES
from .terminal import json_printable, printable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .model import Plan

# Start-up: this module is what every command, and --help, loads first. It names the commands
# and their options; whatever a command works with (the model, the YAML reader, openpyxl, the
# workbook writer, safe_io) is imported inside that command, so that each loads only what it
# needs. tests/test_startup.py checks it.

EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2


EXIT_INTERNAL = 3


def atomic_write(path: Path, data: bytes) -> None:
    """:func:`safe_io.atomic_write`, loaded by the commands that write (not by ``validate``)."""
    from .safe_io import atomic_write as write

    write(path, data)


def check_target(path: Path, force: bool, overwrite_edited: bool = False,
                 inputs: Iterable[Path | None] = ()) -> None:
    """:func:`safe_io.check_target`, loaded by the commands that write."""
    from .safe_io import check_target as check

    check(path, force, overwrite_edited, inputs)


def echo(text: str, err: bool = False) -> None:
    """Print a message; text from data in it never brings a control character to the
    terminal."""
    click.echo(printable(text), err=err)


def _exit_code(exc: PlanError) -> int:
    """A plan file that cannot be read at all exits 2; one with problems in it exits 1."""
    return EXIT_UNUSABLE if all(p.where == "(file)" for p in exc.problems) else EXIT_PROBLEMS


@contextmanager
def reported_errors() -> Iterator[None]:
    """Our errors as the user sees them, never a traceback: a plan's problems exit 1, anything
    that stops the command (an unreadable file, a refused target, a full disk) exits 2, and
    anything unexpected is an internal error, exit 3, never "problems found"."""
    try:
        yield
    except PlanError as exc:
        echo(str(exc), err=True)
        sys.exit(_exit_code(exc))
    except XlplanError as exc:
        echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except MemoryError:
        echo("error: not enough memory for this input", err=True)
        sys.exit(EXIT_UNUSABLE)
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except (SystemExit, KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # the last resort (a Rust panic is a BaseException): a defect
        echo(f"internal error: {type(exc).__name__}: {exc} (a defect of xlplan "
             f"{__version__}; please report it with the command that gave it)", err=True)
        sys.exit(EXIT_INTERNAL)


class _Commands(click.Group):
    """Every command runs inside :func:`reported_errors`."""

    def invoke(self, ctx: click.Context) -> object:
        with reported_errors():
            return super().invoke(ctx)


def default_year(today: date) -> int:
    """The year a planning sprint is about: next year from July on, else this one."""
    return today.year + 1 if today.month >= 7 else today.year


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xlplan")
def main() -> None:
    """Strategic-planning workbooks for consultants: generate, check and finalize."""


@main.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write (.xlsx).")
@click.option("--from", "last_year", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Seed next year's plan from last year's workbook.")
@click.option("--client", "client_name", help="Client name, for an empty plan (no PLAN_FILE).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Workbook language (for an empty plan; a plan file sets its own).")
@click.option("--year", type=int, default=None, help="Plan year of an empty plan.")
@click.option("--currency", default="EUR", show_default=True, help="Currency of an empty plan.")
@click.option("--force", is_flag=True,
              help="Replace OUTPUT if it exists (never one a person has edited).")
@click.option("--overwrite-edited", is_flag=True,
              help="Replace OUTPUT even if a person edited it since it was generated.")
def new(plan_file: Path | None, output: Path, last_year: Path | None, client_name: str | None,
        lang: str | None, year: int | None, currency: str, force: bool,
        overwrite_edited: bool) -> None:
    note = ""
    """Generate a planning workbook from PLAN_FILE (YAML or JSON), or an empty one.

    \b
      xlplan new examples/boutique.yaml -o boutique.xlsx
      xlplan new --client "Acme" --lang es -o acme.xlsx
      xlplan new --from boutique-2027.xlsx -o boutique-2028.xlsx
    """
    from .loading import load_plan
    from .model import Client, Language, Plan, PlanSettings
    from .workbook import render_bytes

    with reported_errors():
        if last_year is not None:
            if plan_file is not None or client_name:
                raise click.UsageError("give --from, a PLAN_FILE or --client, one of them")
            from .next_year import seed_next_year

            seeded = seed_next_year(_clean_plan(last_year))
            plan = seeded.plan
            cash = f"{plan.plan.opening_cash:,.2f} {plan.client.currency}"
            note = (f"opening cash {cash}: the cash recorded at the review of "
                    f"{seeded.cash_review}" if seeded.cash_from == "review" else
                    f"opening cash {cash}: last year's planned year-end balance (no review "
                    "recorded the cash)")
        elif plan_file is not None:
            if client_name or year:
                raise click.UsageError("give either PLAN_FILE or --client/--year, not both")
            plan = load_plan(plan_file)
            if lang and lang != plan.language.value:
                plan = plan.model_copy(update={"client": plan.client.model_copy(
                    update={"language": Language(lang)})})
        elif client_name:
            plan = Plan(client=Client(name=client_name, language=Language(lang or "en"),
                                      currency=currency),
                        plan=PlanSettings(year=year or default_year(date.today())))
        else:
            raise click.UsageError("give a PLAN_FILE, or --client NAME for an empty plan")
        if output.suffix.lower() != ".xlsx":
            raise click.UsageError(f"{output}: the output must be an .xlsx file")
        check_target(output, force, overwrite_edited, inputs=(plan_file, last_year))
        atomic_write(output, render_bytes(plan))
    if last_year is not None:
        echo(note)
    echo(f"wrote {output}")


def _clean_plan(workbook: Path) -> Plan:
    """The workbook's plan, or exit 1 listing its problems: nothing is exported from a
    workbook with errors."""
    from .reader.workbook import read_workbook

    book = read_workbook(workbook)
    if book.plan is None:
        for problem in sorted(book.problems):
            echo(str(problem), err=True)
        echo(f"{workbook}: not exported; fix the problems above "
                   "(`xlplan check` lists them all)", err=True)
        sys.exit(EXIT_PROBLEMS)
    return book.plan


@main.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
def validate(plan_file: Path) -> None:
    """Check a plan file; print every problem with its path and line."""
    from .loading import load_plan

    with reported_errors():
        plan = load_plan(plan_file)
    echo(f"{plan_file}: valid ({plan.client.name}, {plan.plan.year})")


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def check(workbook: Path, fmt: str) -> None:
    """List every problem of an edited workbook, each with its cell, in its language.

    Exit 0 when clean or with warnings only (advice on the method), 1 when there is an
    error, 2 when the file cannot be read at all.
    """
    import json

    from .reader.check import check_workbook

    with reported_errors():
        book = check_workbook(workbook)
    if fmt == "json":
        report = {"file": str(workbook), "language": book.words.language.value,
                  "problems": [{"cell": p.cell, "kind": p.kind, "message": p.message,
                                "severity": "warning" if p.is_warning else "error"}
                               for p in book.problems]}
        echo(json_printable(json.dumps(report, indent=2, ensure_ascii=False)))
    else:
        warning = book.words.check("warning")
        for problem in book.problems:
            echo(f"{problem.cell}: {warning}: {problem.message}" if problem.is_warning
                 else str(problem))
        warnings = sum(p.is_warning for p in book.problems)
        errors = len(book.problems) - warnings
        echo(f"{workbook}: {errors} error{'s' if errors != 1 else ''}, "
             f"{warnings} warning{'s' if warnings != 1 else ''}", err=True)
    sys.exit(EXIT_PROBLEMS if any(not p.is_warning for p in book.problems) else 0)


STDOUT = Path("-")


def _text_target(output: Path, force: bool, inputs: tuple[Path, ...]) -> None:
    """Refuse a text output's target before any work (``-`` is standard output)."""
    if output != STDOUT:
        check_target(output, force, inputs=inputs)


def _deliver_text(output: Path, data: bytes, what: str) -> None:
    """Write a text output to its file atomically, or to standard output for ``-`` (the
    message then goes to standard error)."""
    if output == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        echo(f"wrote {what} to standard output", err=True)
    else:
        atomic_write(output, data)
        echo(f"wrote {output} ({what})")


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day of the brief (default: the workbook's as-of date, or today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def review(workbook: Path, as_of: datetime | None, fmt: str) -> None:
    """The brief for the next review, in the workbook's language: objectives behind plan,
    top priorities with no decision at the latest review, late and blocked actions, cash
    below plan, the next review date.

    Exit 0 when nothing waits for a decision, 1 when something does, 2 when the workbook
    cannot be read (or has errors: `xlplan check` lists them).
    """
    import json

    from .reader.workbook import read_workbook
    from .review import brief_json, brief_text, review_brief

    book = read_workbook(workbook)
    if book.plan is None:
        for problem in sorted(book.problems):
            echo(str(problem), err=True)
        echo(f"{workbook}: no brief; fix the problems above first", err=True)
        sys.exit(EXIT_UNUSABLE)
    brief = review_brief(book.plan, as_of.date() if as_of else None)
    if fmt == "json":
        echo(json_printable(json.dumps({"file": str(workbook), **brief_json(brief)}, indent=2,
                                       ensure_ascii=False)))
    else:
        echo(brief_text(brief, book.words))
    sys.exit(EXIT_PROBLEMS if brief.needs_decision else 0)


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Plan file to write (.yaml, .yml or .json), or - for standard output.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default=None,
              help="Plan file format (default: from OUTPUT's extension; YAML for -).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def export(workbook: Path, output: Path, fmt: str | None, force: bool) -> None:
    """Turn an edited workbook back into a plan file."""
    from .export import dump_plan

    fmt = fmt or ("json" if output.suffix.lower() == ".json" else "yaml")
    _text_target(output, force, (workbook,))
    plan = _clean_plan(workbook)
    _deliver_text(output, dump_plan(plan, fmt).encode("utf-8"), f"the plan ({fmt})")


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The client's copy (.xlsx).")
@click.option("--pdf", is_flag=True, help="Also print the dashboard and action plan to PDF "
              "(OUTPUT with .pdf), with LibreOffice.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--overwrite-edited", is_flag=True,
              help="Replace OUTPUT even if a person edited it since it was generated.")
@click.option("--freeze-input-formulas", is_flag=True,
              help="Put the value of a formula typed in an input cell (or reaching outside "
              "the workbook) in the client copy instead of refusing the workbook.")
def finalize(workbook: Path, output: Path, pdf: bool, force: bool, overwrite_edited: bool,
             freeze_input_formulas: bool) -> None:
    """Prepare the clean deliverable the client receives."""
    from .finalize import finalize_workbook, render_pdf

    with reported_errors():
        if output.suffix.lower() != ".xlsx":
            raise click.UsageError(f"{output}: the client copy must be an .xlsx file")
        if output.resolve() == workbook.resolve():
            raise click.UsageError("the client copy must not replace the consultant's workbook")
        check_target(output, force, overwrite_edited, inputs=(workbook,))
        pdf_path = output.with_suffix(".pdf")
        if pdf:
            check_target(pdf_path, force, overwrite_edited, inputs=(workbook,))
        done = finalize_workbook(workbook, freeze_input_formulas)
        pdf_bytes = render_pdf(done.data, done.words) if pdf else None
        atomic_write(output, done.data)
        if pdf_bytes is not None:
            atomic_write(pdf_path, pdf_bytes)
    for note in done.dropped:
        echo(f"left out: {note}", err=True)
    for sheet in done.removed_sheets:
        echo(f"left out: consultant-only sheet {sheet!r}", err=True)
    if done.frozen_cells:
        echo(f"replaced {len(done.frozen_cells)} add-in formulas by their values", err=True)
    if done.frozen_inputs:
        echo(f"replaced {len(done.frozen_inputs)} formulas typed in input cells by their values: "
             + ", ".join(done.frozen_inputs), err=True)
    echo(f"wrote {output}" + (f" and {pdf_path}" if pdf else ""))


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "ics"]), required=True)
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="File to write, or - for standard output.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def actions(workbook: Path, fmt: str, output: Path, force: bool) -> None:
    """Export the action plan: CSV for Trello/Asana/Jira, or an iCalendar of due dates."""
    from .action_export import actions_csv, actions_ics

    _text_target(output, force, (workbook,))
    plan = _clean_plan(workbook)
    data = actions_csv(plan).encode("utf-8-sig") if fmt == "csv" else actions_ics(plan)
    _deliver_text(output, data, f"{len(plan.actions)} actions")


@main.command()
@click.argument("client_list", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the workbooks.")
@click.option("--plans", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of per-client plan files named <id>.yaml (or .yml, .json).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Language of rows that do not give one.")
@click.option("--year", type=int, default=None, help="Plan year (default: the year planned).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: one per core for large batches).")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def batch(client_list: Path, out_dir: Path, plans: Path | None, lang: str | None,
          year: int | None, workers: int | None, no_progress: bool) -> None:
    """One workbook per row of a client list (CSV or XLSX); safe to run again.

    Exit 0 when every row was written, unchanged or kept; 1 when a row failed; 2 when the
    list cannot be read.
    """
    from .batch.run import run_batch, summary

    with reported_errors():
        outcomes, manifest = run_batch(client_list, out_dir, year or default_year(date.today()),
                                       lang, plans, workers, progress=not no_progress)
    echo(summary(outcomes))
    echo(f"manifest: {manifest}")
    sys.exit(EXIT_PROBLEMS if any(o.status == "failed" for o in outcomes) else 0)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The portfolio workbook (.xlsx).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en",
              show_default=True, help="Language of the portfolio's labels.")
@click.option("--workers", type=click.IntRange(1, 64), default=None)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def consolidate(folder: Path, output: Path, lang: str, workers: int | None, force: bool,
                no_progress: bool) -> None:
    """Read every client workbook of FOLDER back into one portfolio workbook."""
    from .batch.portfolio import consolidate as run_consolidate
    from .model import Language

    with reported_errors():
        check_target(output, force)
        clients, unreadable = run_consolidate(folder, output, Language(lang), workers,
                                              progress=not no_progress)
    echo(f"wrote {output}: {clients} clients, {unreadable} unreadable files")


@main.command()
def schema() -> None:
    """Print the JSON Schema of the plan file."""
    import json

    from .loading import plan_schema

    echo(json.dumps(plan_schema(), indent=2, ensure_ascii=False))


from . import cli_excel, cli_people  # noqa: E402, F401  (register run, addin, survey, genius)

if __name__ == "__main__":  # pragma: no cover
    main()
