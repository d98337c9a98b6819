"""Filling ``{{variable}}`` placeholders, within a bound known before filling.

Every template goes through here: a batch's script template today, stored
templates later. The filled text's length is computed from the lengths of the
template's literal text and of each value it places, and a template that
would grow past ``max_chars`` is refused before a single character of it is
built. Without that, 100,000 ``{{a}}`` and a 30 KB ``a`` (a 4 MB request)
would build a 3 GB string in the shared API process.

A template is parsed once (``ParsedTemplate``) and filled once per item, so a
batch of 1,000 items does not scan a 4 MB template 1,000 times.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import ProblemError

#: a placeholder: ``{{ name }}``, the name an identifier
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _too_large(size: int, max_chars: int) -> ProblemError:
    return ProblemError("template_too_large", f"The template would fill to {size} characters; "
                        f"the limit is {max_chars}.", 422)


@dataclass(frozen=True)
class ParsedTemplate:
    """A template cut into literal pieces and placeholder names, with its length bound."""

    pieces: tuple[str, ...]  # literal text; one more piece than names
    names: tuple[str, ...]  # placeholder names, in order
    uses: Mapping[str, int]  # how often each name appears
    literal_chars: int
    max_chars: int

    @classmethod
    def parse(cls, template: str, max_chars: int) -> ParsedTemplate:
        """Parse ``template``; 422 ``template_too_large`` at once if its literal text alone is too long."""
        pieces, names, start = [], [], 0
        for match in PLACEHOLDER.finditer(template):
            pieces.append(template[start:match.start()])
            names.append(match.group(1))
            start = match.end()
        pieces.append(template[start:])
        literal = sum(len(p) for p in pieces)
        if literal > max_chars:
            raise _too_large(literal, max_chars)
        return cls(tuple(pieces), tuple(names), Counter(names), literal, max_chars)

    def filled_length(self, variables: Mapping[str, Any]) -> int:
        """How long the template becomes once filled with ``variables``, from lengths alone."""
        return self.literal_chars + sum(len(_text(variables[name])) * count for name, count in self.uses.items())

    def fill(self, variables: Mapping[str, Any]) -> str:
        """The template filled. 422 ``template_variable_missing`` names the first placeholder
        without a value; 422 ``template_too_large`` when the result would exceed the bound
        (checked on lengths, before anything is built)."""
        missing = [name for name in self.names if name not in variables]
        if missing:
            raise ProblemError("template_variable_missing", f"No value for {{{{{missing[0]}}}}}.", 422)
        size = self.filled_length(variables)
        if size > self.max_chars:
            raise _too_large(size, self.max_chars)
        values = {name: _text(variables[name]) for name in self.uses}
        out = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            out.append(values[name])
            out.append(piece)
        return "".join(out)


def _text(value: Any) -> str:
    """A variable's text: strings as they are, anything else (a number from JSON) as ``str()``."""
    return value if isinstance(value, str) else str(value)


def expand_template(template: str, variables: Mapping[str, Any], max_chars: int) -> str:
    """``template`` filled with ``variables``, refused (422) if it would exceed ``max_chars``."""
    return ParsedTemplate.parse(template, max_chars).fill(variables)
