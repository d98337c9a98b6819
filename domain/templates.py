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
    return ProblemError(
        "template_too_large", f"The template would fill to {size} characters; the limit is {max_chars}.", 422
    )


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
            pieces.append(template[start : match.start()])
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


# --- a whole job body ------------------------------------------------------------------------------
#: a ``{{`` … ``}}`` that is not a placeholder (``{{ my name }}``, ``{{1}}``): a typo in a template, refused
_BRACED = re.compile(r"\{\{[^{}]*\}\}")
Path = tuple[str | int, ...]


def path_text(path: Path) -> str:
    """``("scenes", 0, "overlays", 1, "text")`` as ``scenes[0].overlays[1].text``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def template_invalid(path: Path | str, detail: str) -> ProblemError:
    where = path if isinstance(path, str) else path_text(path)
    return ProblemError("template_invalid", f"{where}: {detail}", 422, errors={where or "body": [detail]})


@dataclass(frozen=True)
class ParsedBody:
    """A JSON job body whose string fields hold placeholders: each such string parsed once
    (``slots``, by path), and the whole filled body's placeholder text bounded by ``max_chars``,
    checked on lengths before anything is built. A value is placed as it is: a ``{{`` inside a
    value stays literal, because filled text is never parsed again."""

    body: Mapping[str, Any]
    slots: Mapping[Path, ParsedTemplate]
    max_chars: int

    @classmethod
    def parse(cls, body: Mapping[str, Any], max_chars: int, may_hold: Any = None) -> ParsedBody:
        """Find every placeholder. ``may_hold(path) -> bool`` says whether a string at ``path`` may hold
        one; a placeholder in a key, or in a string that may not hold one, is 422 ``template_invalid``."""
        slots: dict[Path, ParsedTemplate] = {}
        stack: list[tuple[Path, Any]] = [((), body)]
        while stack:  # no recursion: the body's depth is bounded at the edge, but need not be trusted
            path, node = stack.pop()
            if isinstance(node, Mapping):
                for key, value in node.items():
                    if "{{" in str(key):
                        raise template_invalid(path, f"a placeholder may not stand in a key ({str(key)[:40]!r}).")
                    stack.append(((*path, key), value))
            elif isinstance(node, list):
                stack.extend(((*path, index), value) for index, value in enumerate(node))
            elif isinstance(node, str) and "{{" in node:
                stray = next((m.group() for m in _BRACED.finditer(node) if not PLACEHOLDER.fullmatch(m.group())), None)
                if stray is not None:
                    raise template_invalid(path, f"{stray[:40]!r} is not a placeholder: a name is a-z, 0-9 and _.")
                if not PLACEHOLDER.search(node):
                    continue  # a lone "{{" is text
                if may_hold is not None and not may_hold(path):
                    raise template_invalid(path, "placeholders may stand only in text, asset, voice and colour fields.")
                slots[path] = ParsedTemplate.parse(node, max_chars)
        return cls(body, slots, max_chars)

    @property
    def names(self) -> set[str]:
        return {name for slot in self.slots.values() for name in slot.names}

    def paths_of(self, name: str) -> list[Path]:
        """Where the variable ``name`` is placed."""
        return [path for path, slot in self.slots.items() if name in slot.uses]

    def filled_length(self, variables: Mapping[str, Any]) -> int:
        return sum(slot.filled_length(variables) for slot in self.slots.values())

    def fill(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The body with every placeholder filled (a new object; the template is not changed).
        422 ``template_too_large`` before anything is built when the filled text would pass the bound."""
        missing = sorted(self.names - set(variables))
        if missing:
            raise ProblemError("template_variable_missing", f"No value for {{{{{missing[0]}}}}}.", 422)
        size = self.filled_length(variables)
        if size > self.max_chars:
            raise _too_large(size, self.max_chars)
        filled: dict[str, Any] = _copy(self.body)
        for path, slot in self.slots.items():
            parent: Any = filled
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = slot.fill(variables)
        return filled


def _copy(node: Any) -> Any:
    """A copy of a JSON document's containers (strings and numbers are immutable, shared)."""
    if isinstance(node, Mapping):
        return {key: _copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copy(value) for value in node]
    return node
