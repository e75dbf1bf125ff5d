"""Errors that name where the problem is and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input: where (a field path or a cell) and what is expected."""

    where: str
    message: str
    line: int | None = None
    code: str | None = None  # a key of the i18n ``check`` messages, when there is one
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        prefix = f"line {self.line}: " if self.line is not None else ""
        return f"{prefix}{self.where}: {self.message}"


class XlplanError(Exception):
    """Base class of the errors xlplan reports to its users (never a traceback)."""


class PlanError(XlplanError):
    """A plan file that cannot be used; carries every problem found at once."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        count = len(problems)
        super().__init__(f"{source}: {count} problem{'s' if count != 1 else ''}\n{lines}")


class OutputError(XlplanError):
    """A target that must not be written (it exists, or is locked)."""
