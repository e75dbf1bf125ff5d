"""``xlplan survey`` and ``xlplan genius``: the people pillar's forms, out to staff and back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import _clean_plan, echo, main, reported_errors

if TYPE_CHECKING:
    from .model import Plan


def _collected_target(workbook: Path, output: Path | None, suffix: str, force: bool) -> Path:
    """Where a workbook with collected forms goes: OUTPUT, or ``<book>-<suffix>.xlsx`` beside
    WORKBOOK (never WORKBOOK itself: a person edited it)."""
    from .safe_io import check_target

    target = output or workbook.with_name(f"{workbook.stem}-{suffix}.xlsx")
    if target.suffix.lower() != ".xlsx":
        raise click.UsageError(f"{target}: the workbook to write must be an .xlsx file")
    check_target(target, force, inputs=(workbook,))
    return target


def _write_book(plan: Plan, target: Path) -> None:
    from .safe_io import atomic_write
    from .workbook import render_bytes

    atomic_write(target, render_bytes(plan))


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The form to write (.xlsx); with --collect, the workbook to write "
              "(default: WORKBOOK's name with -survey).")
@click.option("--collect", "answers", type=click.Path(exists=True, file_okay=False,
                                                      path_type=Path),
              help="Folder of filled-in forms (.xlsx) or CSV exports of a forms tool: add "
              "their answers to the survey table.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def survey(workbook: Path, output: Path | None, answers: Path | None, force: bool) -> None:
    """The shared-priorities survey: one question for staff ("what does the organisation pay
    most attention to?"), in the workbook's language, with nothing of the plan in it.

    \b
      xlplan survey book.xlsx -o survey.xlsx
      xlplan survey book.xlsx --collect answers/ -o book-2.xlsx
    """
    from .forms import collect_survey, survey_form
    from .people_forms import add_survey_answers
    from .safe_io import atomic_write, check_target

    with reported_errors():
        if answers is None:
            if output is None:
                raise click.UsageError("give -o FORM.xlsx (or --collect FOLDER)")
            if output.suffix.lower() != ".xlsx":
                raise click.UsageError(f"{output}: the form must be an .xlsx file")
            check_target(output, force, inputs=(workbook,))
            plan = _clean_plan(workbook)
            atomic_write(output, survey_form(plan.language, plan.client.name, plan.plan.year))
            echo(f"wrote {output} (the survey form, {plan.language.value})")
            return
        target = _collected_target(workbook, output, "survey", force)
        plan = _clean_plan(workbook)
        done = add_survey_answers(plan, collect_survey(answers))
        _write_book(done.plan, target)
    for source in done.skipped:
        echo(f"already in the survey table, not added again: {source}", err=True)
    echo(f"wrote {target}: {done.added} answers added to the survey table "
         f"({len(done.plan.survey)} in all)")


@main.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The folder for the forms (one per team member); with --collect, the "
              "workbook to write (default: WORKBOOK's name with -team).")
@click.option("--collect", "forms", type=click.Path(exists=True, file_okay=False,
                                                    path_type=Path),
              help="Folder of filled-in zone-of-genius forms: add their activities to the "
              "team's zones.")
@click.option("--force", is_flag=True, help="Replace files that exist.")
def genius(workbook: Path, output: Path | None, forms: Path | None, force: bool) -> None:
    """The zone-of-genius questionnaire, before the planning day: one short form per team
    member (what they love and excel at, what drains them), and their answers back into the
    team sheet.

    \b
      xlplan genius book.xlsx -o forms/
      xlplan genius book.xlsx --collect forms/ -o book-2.xlsx
    """
    from .forms import collect_genius, genius_file_name, genius_form
    from .people_forms import add_zones
    from .safe_io import atomic_write, check_target

    with reported_errors():
        if forms is None:
            if output is None:
                raise click.UsageError("give -o FOLDER (or --collect FOLDER)")
            plan = _clean_plan(workbook)
            if not plan.team:
                raise click.UsageError(f"{workbook}: the team sheet lists nobody; add the "
                                       "team first")
            output.mkdir(parents=True, exist_ok=True)
            taken: set[str] = set()
            files = []
            for member in plan.team:
                name = genius_file_name(member.name, taken)
                taken.add(name.lower())
                path = output / name
                check_target(path, force, inputs=(workbook,))
                files.append((path, genius_form(plan.language, plan.client.name,
                                                plan.plan.year, member.name, member.role)))
            for path, data in files:
                atomic_write(path, data)
            echo(f"wrote {len(files)} forms in {output}")
            return
        target = _collected_target(workbook, output, "team", force)
        plan = _clean_plan(workbook)
        done = add_zones(plan, collect_genius(forms))
        _write_book(done.plan, target)
    people = len(done.people)
    echo(f"wrote {target}: {done.added} activities added to the zones of {people} "
         f"{'person' if people == 1 else 'people'}")
