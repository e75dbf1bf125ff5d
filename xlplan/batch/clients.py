"""The firm's client list (CSV or XLSX), one plan per row.

Columns: ``name`` (required), ``id``, ``sector``, ``language``, ``currency``, ``consultant``,
``review_cadence``. Any other column is an error (a typo must not vanish). With a plans
folder, ``<id>.yaml`` (or ``.yml``, ``.json``) is that client's plan file: it wins, and the
row fills only the client fields it leaves out.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PlanError, Problem, XlplanError
from ..loading import load_plan, validate_plan
from ..model import EXCEL_CELL_MAX_CHARS, Plan
from ..reader.guard import inspect_package
from .names import name_problem

COLUMNS = ("id", "name", "sector", "language", "currency", "consultant", "review_cadence")
CLIENT_FIELDS = ("name", "sector", "language", "currency", "consultant")


class ClientListError(XlplanError):
    """The client list itself cannot be used."""


@dataclass(frozen=True)
class ClientRow:
    row: int  # as a person counts in the file: the header is row 1
    values: dict[str, str]

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    @property
    def client_id(self) -> str:
        return self.values.get("id", "")


# A client list is a firm's clients, not a data dump: past these it is refused whole (exit 2)
# before it can take the memory or the hours a batch of that size would.
MAX_LIST_BYTES = 64 * 2**20  # the CSV file, or the XLSX's parts once expanded
MAX_ROWS = 100_000
MAX_CELL_CHARS = EXCEL_CELL_MAX_CHARS  # what a spreadsheet cell can hold


def _shown(texts: list[str], limit: int = 10) -> str:
    """Column names for a message: the first few, a long one cut short."""
    shown = [t if len(t) <= 40 else repr(t[:40] + "...") for t in texts[:limit]]
    return ", ".join(shown) + (f" and {len(texts) - limit} more" if len(texts) > limit else "")


def _check_size(path: Path) -> None:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            with zipfile.ZipFile(path) as archive:
                size = sum(info.file_size for info in archive.infolist())
        else:
            size = path.stat().st_size
    except (OSError, zipfile.BadZipFile):
        return  # reading it says what is wrong
    if size > MAX_LIST_BYTES:
        raise ClientListError(f"{path}: {size / 2**20:.0f} MiB (limit {MAX_LIST_BYTES // 2**20} "
                              "MiB for a client list); split it into several lists")


def _frame(path: Path) -> pd.DataFrame:
    if not path.is_file():  # a pipe or a device has no end to read to
        raise ClientListError(f"{path}: not a regular file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        inspect_package(path)
        _check_size(path)
        return pd.read_excel(path, dtype=str, engine="calamine", keep_default_na=False,
                             nrows=MAX_ROWS + 1)
    _check_size(path)
    # Blank lines kept (and dropped below as empty rows): a row's number is its line's.
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                       skip_blank_lines=False, nrows=MAX_ROWS + 1)


def read_client_list(path: Path) -> list[ClientRow]:
    """The rows of a client list; ClientListError when the list itself cannot be used."""
    path = Path(path)
    try:
        frame = _frame(path)
    except XlplanError:
        raise
    except Exception as exc:  # pandas raises many kinds on a damaged file
        reason = str(exc)[:300]
        raise ClientListError(f"{path}: cannot be read as a client list ({reason})") from None
    if len(frame) > MAX_ROWS:
        raise ClientListError(f"{path}: more than {MAX_ROWS} rows (the limit for a client "
                              "list); split it into several lists")
    columns = [str(c).strip().lower() for c in frame.columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ClientListError(f"{path}: unknown column(s) {_shown(unknown)}; "
                              f"expected some of {', '.join(COLUMNS)}")
    twice = sorted(c for c, n in Counter(columns).items() if n > 1)
    if twice:
        raise ClientListError(f"{path}: column(s) {', '.join(twice)} given more than once")
    if "name" not in columns:
        raise ClientListError(f"{path}: a 'name' column is required")
    frame.columns = columns
    rows = []
    for index, record in enumerate(frame.to_dict("records")):
        values = {k: str(v).strip() for k, v in record.items() if str(v).strip()}
        for column, value in values.items():
            if len(value) > MAX_CELL_CHARS:
                raise ClientListError(f"{path}: row {index + 2}, {column}: {len(value)} "
                                      f"characters (a cell holds at most {MAX_CELL_CHARS})")
        if values:
            rows.append(ClientRow(index + 2, values))
    return rows


def _plan_file(plans: Path | None, client_id: str) -> Path | None:
    if plans is None or not client_id:
        return None
    for suffix in (".yaml", ".yml", ".json"):
        candidate = plans / f"{client_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def plan_for(row: ClientRow, year: int, language: str | None, plans: Path | None) -> Plan:
    """The row's plan; raises PlanError naming the row when it is not valid."""
    source = f"row {row.row}"
    problem = name_problem(row.client_id) if row.client_id else None
    if problem is not None:
        raise PlanError(source, [Problem("id", f"{problem} (got {row.client_id!r})")])
    plan_path = _plan_file(plans, row.client_id)
    if plan_path is not None:
        plan = load_plan(plan_path)
        missing = {f: row.values[f] for f in CLIENT_FIELDS
                   if f in row.values and getattr(plan.client, f) in (None, "")}
        if missing:
            plan = validate_plan({**plan.model_dump(mode="json"),
                                  "client": {**plan.client.model_dump(mode="json"), **missing}},
                                 f"{source} ({plan_path.name})")
        return plan
    client: dict[str, Any] = {f: row.values[f] for f in CLIENT_FIELDS if f in row.values}
    if language and "language" not in client:
        client["language"] = language
    settings: dict[str, Any] = {"year": year}
    if "review_cadence" in row.values:
        settings["review_cadence"] = row.values["review_cadence"]
    return validate_plan({"client": client, "plan": settings}, source)
