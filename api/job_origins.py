"""Where jobs came from, named: the template each was made from, by the name it had at that version.

A job records its template's id and version (``spec["template"]``); the name lives with the version
(``TemplateVersion``), so a list of jobs reads every name it shows in one query, whatever its length.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.models import Template, TemplateVersion


def with_template_names(session: Session, tenant_id: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``documents`` (jobs as ``job_document`` makes them), each ``template`` given its ``name`` at its version and
    ``deleted`` (a deleted template's jobs keep their name; its page is gone). One query for all of them."""
    made_from = {(d["template"]["id"], int(d["template"]["version"])) for d in documents if d.get("template")}
    if not made_from:
        return documents
    rows = session.execute(
        sa.select(TemplateVersion.template_id, TemplateVersion.version, TemplateVersion.name, Template.deleted_at)
        .join(Template, Template.id == TemplateVersion.template_id)
        .where(
            Template.tenant_id == tenant_id,
            sa.tuple_(TemplateVersion.template_id, TemplateVersion.version).in_(sorted(made_from)),
        )
    )
    names = {(row.template_id, row.version): (row.name, row.deleted_at is not None) for row in rows}
    for document in documents:
        template = document.get("template")
        if template and (template["id"], int(template["version"])) in names:
            template["name"], template["deleted"] = names[(template["id"], int(template["version"]))]
    return documents
