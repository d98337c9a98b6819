"""A template variable's value as a CMS sends it: a number for a ``text`` variable is taken as its text (a
spreadsheet's JSONL export writes a year as 2026), documented in docs/templates.md; anything else that is not a
string is ``variable_type``, naming the variable."""

from __future__ import annotations

import pytest

from domain.errors import ProblemError
from domain.template_variables import check_value

HEADLINE = {"name": "headline", "type": "text"}


@pytest.mark.parametrize(
    ("given", "text"), [(123, "123"), (2026, "2026"), (1.5, "1.5"), ("River rises", "River rises")]
)
def test_a_text_variable_takes_a_string_or_a_numbers_text(given, text):
    assert check_value(HEADLINE, given) == text


@pytest.mark.parametrize(
    ("variable", "given"),
    [
        (HEADLINE, True),  # a boolean is no number here
        (HEADLINE, ["River"]),
        (HEADLINE, None),
        ({"name": "accent", "type": "color"}, 123),
        ({"name": "photo", "type": "image"}, 7),
    ],
)
def test_anything_else_that_is_not_a_string_is_variable_type_naming_it(variable, given):
    with pytest.raises(ProblemError) as refused:
        check_value(variable, given)
    assert refused.value.code == "variable_type" and variable["name"] in refused.value.detail
