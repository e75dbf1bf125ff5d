"""Score and rank priorities: the table sorted by rank, the decisions counted."""

from __future__ import annotations

from ..calc.priorities import Decision
from ..results import compute
from ._book import Book, Cell, CellValue, MacroResult
from ._reading import snapshot_of


def score_priorities(book: Book) -> MacroResult:
    """Sort the priorities by rank (score, then net cash impact; ties keep their order), so
    the matrix shows each quadrant's best top priorities first, and say what the scores
    decide. Only input cells move; the computed columns follow by their formulas."""
    with snapshot_of(book) as snap:
        plan = snap.plan_without_problems_in("priorities")
        words = snap.read.words
        place = snap.table("priorities")
        sheet = snap.read.source.sheets[place.sheet]
        computed = compute(plan)
        results = computed.priorities
        rows = [snap.read.cells[("priorities", i)][1] for i in range(len(plan.priorities))]
        order = sorted(range(len(rows)), key=lambda i: (results[i].rank, i))
        inputs = [c.key for c in place.spec.cells if not c.computed and c.key in place.columns]
        used = max(rows, default=place.first_row - 1) - place.first_row + 1
        columns: dict[int, list[CellValue]] = {}
        for key in inputs:
            col = place.columns[key]
            values: list[CellValue] = [sheet.value(rows[i], col) for i in order]
            columns[col] = values + [None] * (used - len(values))
    for col, values in columns.items():
        if values:
            book.write(Cell(place.sheet, place.first_row, col), [[v] for v in values])
    book.recalculate()
    counts = {d: sum(r.decision is d for r in results) for d in Decision}
    missing = [words.choice("quadrant", q.value) for q, view in computed.matrix.items()
               if view.missing_top]
    lines = [words.macro("ranked", count=len(order)),
             ", ".join(f"{words.choice('decision', d.value)}: {counts[d]}"
                       for d in reversed(Decision))]
    if missing:
        lines.append(words.macro("quadrants_without_top", quadrants=", ".join(missing)))
    return MacroResult("\n".join(lines), changed_book=True)
