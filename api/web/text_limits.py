"""The longest text each of the page's text fields takes: the API's own bounds, read from its schemas, so that a
field's ``maxlength`` never cuts what the API would take (a headline pasted whole, cut mid-word with no word
said) nor lets through what it refuses."""

from __future__ import annotations

from marshmallow import Schema

from api.schemas import JobSpecSchema
from api.templates import TemplateCreateSchema
from domain.composition_rules import OVERLAY_TEXT_MAX_CHARS


def _bound(schema: type[Schema], name: str) -> int:
    """The ``max_length`` of a schema's ``Text`` field."""
    limit = getattr(schema._declared_fields[name], "max_length", None)
    assert isinstance(limit, int), f"{schema.__name__}.{name} has no length bound"
    return limit


#: a form field's name → the most characters the API takes for it
TEXT_LIMITS = {
    "title": _bound(JobSpecSchema, "title"),
    # the composer's lower third and title are each one overlay's text
    "lower_third": OVERLAY_TEXT_MAX_CHARS,
    "title_overlay": OVERLAY_TEXT_MAX_CHARS,
    "template_name": _bound(TemplateCreateSchema, "name"),
    "template_description": _bound(TemplateCreateSchema, "description"),
}
