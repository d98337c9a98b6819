"""A batch CSV's header matched to the names its columns fill, as people head spreadsheets.

A column matches a name ignoring case and surrounding spaces ("Script", " Headline "); two columns that then
fill one name are refused naming both (the farm does not choose which one was meant); a column with no heading
and no cell filled (a spreadsheet's trailing comma) is left out. Every batch made from a CSV matches its header
here: a plain one (api/batches.py) to the job's fields and its template's placeholders, a template's
(api/template_batches.py) to its variables and row fields. What else a header may not hold is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.errors import ProblemError


@dataclass(frozen=True)
class HeaderMatch:
    """What each column of a CSV's header fills."""

    header: list[str]
    columns: dict[str, str]  # column -> the name it fills, for each column that fills one
    unknown: list[str]  # the columns that fill none, in the header's order (a headless one with values among them)
    twice: dict[str, list[str]]  # name -> the columns that fill it, for each name more than one column fills

    @property
    def filled(self) -> set[str]:
        return set(self.columns.values())

    def twice_faults(self) -> list[str]:
        """A sentence for each name two or more columns fill, naming them."""
        faults = []
        for name, columns in self.twice.items():
            if len(set(columns)) == 1:
                faults.append(f"The column {columns[0][:64]!r} is there {len(columns)} times: keep one.")
            else:
                both = "both" if len(columns) == 2 else "all"
                faults.append(f"The {listed([c[:64] for c in columns])} {both} fill {name!r}: keep one.")
        return faults

    def refused(self, faults: list[str], errors: dict[str, Any]) -> ProblemError:
        """422 ``batch_header_invalid``: one refusal for the whole file, before any row is read, its ``errors``
        holding the header as sent (``columns``) and the columns that fill one name (``duplicate_columns``)."""
        errors = {**errors, "columns": [c[:64] for c in self.header[:60]]}
        if self.twice:
            errors["duplicate_columns"] = {name: [c[:64] for c in columns] for name, columns in self.twice.items()}
        return ProblemError("batch_header_invalid", " ".join(faults), 422, errors=errors)


def match_header(header: list[str], names: Iterable[str], rows: list[dict[str, Any]]) -> HeaderMatch:
    """Each column of ``header`` -> the one of ``names`` it fills: the name it spells exactly, else the one it
    spells once folded (``folded``). ``rows`` are the file's rows, empty cells left out, to tell a trailing empty
    column from a headless one that holds values."""
    exact = set(names)
    by_fold: dict[str, str] = {}
    for name in names:
        by_fold.setdefault(folded(name), name)
    filling: dict[str, list[str]] = {}  # name -> the columns that fill it
    unknown: list[str] = []
    holding = set().union(*rows) if rows else set()  # the columns some row fills, found once
    for column in header:
        if not column.strip() and column not in holding:
            continue
        filled = column if column in exact else by_fold.get(folded(column))
        if filled is None:
            unknown.append(column)
        else:
            filling.setdefault(filled, []).append(column)
    return HeaderMatch(
        header=header,
        columns={column: name for name, columns in filling.items() for column in columns},
        unknown=unknown,
        twice={name: columns for name, columns in filling.items() if len(columns) > 1},
    )


def folded(column: str) -> str:
    """A column as the name it may spell: without surrounding spaces, and in lower case if it is ASCII (a
    name is; folding other letters could make one, as the Kelvin sign K lowers to k)."""
    column = column.strip()
    return column.lower() if column.isascii() else column


def listed(names: list[str]) -> str:
    """'headline', or 'headline' and 'story', or 'a', 'b' and 'c' (columns, as a refusal names them)."""
    quoted = [repr(n) for n in names]
    noun = "column" if len(names) == 1 else "columns"
    return f"{noun} {quoted[0]}" if len(quoted) == 1 else f"{noun} {', '.join(quoted[:-1])} and {quoted[-1]}"
