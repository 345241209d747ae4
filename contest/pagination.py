"""Page through a select() with one COUNT and one LIMIT/OFFSET query."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, statement: Select, page: int, per_page: int) -> Page:
    """Page `page` of the results; a number past the last page shows the last one."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    page = min(max(1, page), max(1, ceil(total / per_page)))
    items = list(session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def paginate_list(items: list, page: int, per_page: int) -> Page:
    """The same Page over a list already in memory (an import preview's parsed questions)."""
    total = len(items)
    page = min(max(1, page), max(1, ceil(total / per_page)))
    return Page(items=items[(page - 1) * per_page: page * per_page], page=page, per_page=per_page, total=total)
