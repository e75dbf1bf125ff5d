"""The firm's client list (CSV or XLSX), one plan per row.

Columns: ``name`` (required), ``id``, ``sector``, ``language``, ``currency``, ``consultant``,
``review_cadence``. Any other column is an error (a typo must not vanish). With a plans
folder, ``<id>.yaml`` (or ``.yml``, ``.json``) is that client's plan file: it wins, and the
row fills only the client fields it leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PlanError, Problem, XlplanError
from ..loading import load_plan, validate_plan
from ..model import Plan
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


def read_client_list(path: Path) -> list[ClientRow]:
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            inspect_package(path)
            frame = pd.read_excel(path, dtype=str, engine="calamine", keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except XlplanError:
        raise
    except Exception as exc:  # pandas raises many kinds on a damaged file
        raise ClientListError(f"{path}: cannot be read as a client list ({exc})") from None
    columns = [str(c).strip().lower() for c in frame.columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ClientListError(f"{path}: unknown column(s) {', '.join(unknown)}; "
                              f"expected some of {', '.join(COLUMNS)}")
    if "name" not in columns:
        raise ClientListError(f"{path}: a 'name' column is required")
    frame.columns = columns
    rows = []
    for index, record in enumerate(frame.to_dict("records")):
        values = {k: str(v).strip() for k, v in record.items() if str(v).strip()}
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
