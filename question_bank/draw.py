"""Drawing the questions of an attempt: random, yet reproducible from a stored seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from question_bank.model import LABELS


@dataclass(frozen=True)
class Cell:
    """One line of a blueprint: `count` questions among `candidates` (question ids, any order)."""

    candidates: tuple[int, ...]
    count: int


class NotEnoughQuestionsError(ValueError):
    def __init__(self, cell_index: int, available: int, wanted: int):
        super().__init__(f"cell {cell_index}: {available} available, {wanted} wanted")
        self.cell_index, self.available, self.wanted = cell_index, available, wanted


def draw_questions(cells: list[Cell], seed: int, shuffle: bool = True) -> list[int]:
    """Pick `count` distinct questions from each cell, never the same question twice.

    Candidates are sorted first, so the same pool and seed always give the same
    draw. Cells are drawn in order; a question drawn by an earlier cell is no
    longer a candidate for a later one.
    """
    rng = random.Random(seed)
    chosen: list[int] = []
    taken: set[int] = set()
    for index, cell in enumerate(cells):
        pool = sorted(set(cell.candidates) - taken)
        if len(pool) < cell.count:
            raise NotEnoughQuestionsError(index, len(pool), cell.count)
        picked = rng.sample(pool, cell.count)
        chosen.extend(picked)
        taken.update(picked)
    if shuffle:
        rng.shuffle(chosen)
    return chosen


def choice_order(count: int, seed: int, question_id: int, shuffle: bool = True) -> list[int]:
    """The order in which a question's choices are shown (indices into its choices)."""
    order = list(range(count))
    if shuffle:
        random.Random(f"{seed}:{question_id}").shuffle(order)
    return order


def relabel(order: list[int], correct_labels: list[str]) -> list[str]:
    """The correct labels after the choices are shown in `order` and lettered A, B, C... again."""
    correct_indices = {LABELS.index(label) for label in correct_labels}
    return sorted(LABELS[shown] for shown, original in enumerate(order) if original in correct_indices)
