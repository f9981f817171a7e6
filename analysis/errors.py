"""Errors raised on bad input: one line naming the file, the column and the row."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """A data file (or one value in it) is unusable.

    The message is a single line ``<file>, column '<c>', row <r>: <problem>``; parts that are
    unknown are left out. Rows count data rows from 1, the header not included.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.column = column
        self.row = row
        self.problem = problem
        where = []
        if self.path is not None:
            where.append(self.path)
        if column is not None:
            where.append(f"column '{column}'")
        if row is not None:
            where.append(f"row {row}")
        message = f"{', '.join(where)}: {problem}" if where else problem
        super().__init__(message.replace("\n", " "))
