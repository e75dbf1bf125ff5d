"""The action plan for the client's project tool: CSV for Trello, Asana or Jira, and iCalendar.

CSV columns, and what each importer maps them to (all three let you map columns on import):

| column      | Asana        | Trello (CSV import) | Jira (CSV import)  |
| ----------- | ------------ | ------------------- | ------------------ |
| Name        | Name         | Card Name           | Summary            |
| Description | Description  | Card Description    | Description        |
| Assignee    | Assignee     | Members             | Assignee           |
| Start Date  | Start Date   | Start Date          | Start date (custom)|
| Due Date    | Due Date     | Due Date            | Due date           |
| Status      | Section/Column | List              | Status             |
| Labels      | Tags         | Labels              | Labels             |

Dates are ISO (YYYY-MM-DD). Text is exported as text: a cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe, so no spreadsheet opening the CSV
runs it as a formula (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime, time

from icalendar import Calendar, Event, vText

from . import __version__
from .model import Action, Plan
from .safe_io import csv_text
from .workbook.templates import translations

CSV_COLUMNS = ("Name", "Description", "Assignee", "Start Date", "Due Date", "Status", "Labels")


def _description(action: Action, plan: Plan) -> str:
    words = translations(plan.language)
    parts = [(words.label("actions.how"), action.how), (words.label("actions.owner"),
                                                        action.owner),
             (words.label("actions.priority"), action.priority)]
    if action.cost:
        parts.append((words.label("actions.cost"), f"{action.cost:g} {plan.client.currency}"))
    return "\n".join(f"{label}: {value}" for label, value in parts if value)


def actions_csv(plan: Plan) -> str:
    words = translations(plan.language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for action in plan.actions:
        row = [action.what, _description(action, plan), action.who or action.owner or "",
               action.start.isoformat() if action.start else "",
               action.due.isoformat() if action.due else "",
               words.choice("status", action.status.value), action.priority or ""]
        writer.writerow([csv_text(value) for value in row])
    return out.getvalue()


def actions_ics(plan: Plan) -> bytes:
    """One all-day event on each action's due date (actions with no due date are left out)."""
    calendar = Calendar()
    calendar.add("prodid", f"-//xlplan {__version__}//{plan.client.language.value}")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", vText(f"{plan.client.name} - {plan.plan.year}"))
    stamp_day = plan.plan.as_of or datetime(plan.plan.year, 1, 1).date()
    stamp = datetime.combine(stamp_day, time(0, 0), tzinfo=UTC)
    for index, action in enumerate(plan.actions):
        if action.due is None:
            continue
        event = Event()
        key = f"{plan.client.name}|{plan.plan.year}|{index}|{action.what}".encode()
        event.add("uid", hashlib.sha256(key).hexdigest()[:32] + "@xlplan")
        event.add("dtstamp", stamp)
        event.add("dtstart", action.due)
        event.add("summary", action.what)
        description = _description(action, plan)
        who = action.who or action.owner
        if who:
            description = f"{translations(plan.language).label('actions.who')}: {who}\n" + (
                description)
        if description:
            event.add("description", description)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
