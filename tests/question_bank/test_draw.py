from __future__ import annotations

import pytest

from question_bank.draw import Cell, NotEnoughQuestionsError, choice_order, draw_questions, relabel


def test_draw_is_reproducible_from_the_seed_and_differs_between_seeds():
    cells = [Cell(tuple(range(1, 51)), 5), Cell(tuple(range(100, 131)), 3)]
    first = draw_questions(cells, seed=42)
    assert first == draw_questions(cells, seed=42)
    assert first == draw_questions([Cell(tuple(reversed(c.candidates)), c.count) for c in cells], seed=42)
    assert len(set(first)) == 8
    assert sum(1 for q in first if q < 100) == 5
    assert first != draw_questions(cells, seed=43)


def test_no_question_is_drawn_twice_across_cells():
    cells = [Cell((1, 2, 3), 1), Cell((2, 3, 4, 5), 3)]
    for seed in range(50):
        drawn = draw_questions(cells, seed)
        assert len(drawn) == len(set(drawn)) == 4


def test_not_enough_questions():
    with pytest.raises(NotEnoughQuestionsError) as error:
        draw_questions([Cell((1, 2), 1), Cell((3,), 2)], seed=1)
    assert (error.value.cell_index, error.value.available, error.value.wanted) == (1, 1, 2)


def test_unshuffled_draw_keeps_cell_order():
    drawn = draw_questions([Cell((1, 2, 3), 3), Cell((7, 8, 9), 3)], seed=5, shuffle=False)
    assert sorted(drawn[:3]) == [1, 2, 3] and sorted(drawn[3:]) == [7, 8, 9]


def test_choice_order_and_relabelling():
    order = choice_order(4, seed=9, question_id=17)
    assert sorted(order) == [0, 1, 2, 3]
    assert order == choice_order(4, seed=9, question_id=17)
    assert choice_order(4, seed=9, question_id=17, shuffle=False) == [0, 1, 2, 3]
    # Shown order C, A, D, B: the original key B is now shown fourth -> "D".
    assert relabel([2, 0, 3, 1], ["B"]) == ["D"]
    assert relabel([2, 0, 3, 1], ["A", "C"]) == ["A", "B"]
