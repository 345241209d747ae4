"""A problem found in an imported file (any format), located as precisely as the format allows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportIssue:
    """One problem found in an imported file, located as precisely as the format allows."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # column letter for spreadsheets
    header: str | None = None  # the column's header, when known
    line: int | None = None  # line number for text formats
    warning: bool = False  # reported, but does not stop the import (e.g. a skipped GIFT type)

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"trang tính “{self.sheet}”")
        if self.line is not None:
            parts.append(f"dòng {self.line}")
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột {self.column}" + (f" ({self.header})" if self.header else ""))
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"
