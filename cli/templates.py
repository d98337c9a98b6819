"""`talkfarm templates create|list|show|render|csv` and `talkfarm batch`: templates
and batches through the API, each with ``--json`` for the API's own document."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.console import emit_json, emit_table, json_option, with_client


@click.group()
def templates() -> None:
    """Job bodies with {{variables}}: save, list, show, render one, and get the CSV to fill."""


def _read_json(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(document, dict):
        raise click.BadParameter(f"{path}: must hold a JSON object {{name, body, variables}}")
    return document


def _variables(template: dict) -> str:
    return ", ".join(f"{v['name']}:{v['type']}{'' if v['required'] else '?'}" for v in template["variables"])


@templates.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--update", "template_id", default=None, help="Save FILE as a new version of this template instead.")
@json_option
@with_client
def templates_create(client, file, template_id, as_json):
    """Save FILE.json ({name, description?, body, variables}) as a template, or a new version of one."""
    body = _read_json(file)
    made = client.put(f"/v1/templates/{template_id}", body) if template_id else client.post("/v1/templates", body)
    if as_json:
        emit_json(made)
    else:
        click.echo(f"{made['id']} version {made['version']}: {made['name']} ({_variables(made)})")


@templates.command("list")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--cursor", default=None, help="next_cursor of the previous page.")
@json_option
@with_client
def templates_list(client, limit, cursor, as_json):
    """The tenant's templates, newest first."""
    page = client.get("/v1/templates", limit=limit, cursor=cursor)
    if as_json:
        emit_json(page)
        return
    emit_table(
        [{**t, "vars": _variables(t)} for t in page["items"]],
        [("id", "id"), ("name", "name"), ("version", "version"), ("variables", "vars"), ("updated", "updated_at")],
        empty="no templates",
    )
    if page.get("next_cursor"):
        click.echo(f"more: talkfarm templates list --cursor {page['next_cursor']}")


@templates.command("show")
@click.argument("template_id")
@click.option("--version", type=click.IntRange(1), default=None, help="An older version.")
@json_option
@with_client
def templates_show(client, template_id, version, as_json):
    """A template: its variables and body."""
    template = client.get(f"/v1/templates/{template_id}", version=version)
    if as_json:
        emit_json(template)
        return
    click.echo(f"{template['id']} version {template['version']}: {template['name']}")
    if template.get("description"):
        click.echo(template["description"])
    emit_table(
        template["variables"],
        [("variable", "name"), ("type", "type"), ("required", "required"), ("default", "default"), ("label", "label")],
        empty="no variables",
    )
    click.echo(json.dumps(template["body"], indent=2))


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: give NAME=VALUE", param_hint="--var")
        out[name] = value
    return out


@templates.command("render")
@click.argument("template_id")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="A variable's value (repeat).")
@click.option("--version", type=click.IntRange(1), default=None, help="Render an older version.")
@click.option("--draft", is_flag=True, help="A cheap preview first.")
@click.option("--priority", type=click.IntRange(0, 9), default=None)
@json_option
@with_client
def templates_render(client, template_id, variables, version, draft, priority, as_json):
    """Render a template with values: one job."""
    body = {"variables": _pairs(variables), "version": version, "draft": draft or None, "priority": priority}
    job = client.post(f"/v1/templates/{template_id}/jobs", {k: v for k, v in body.items() if v is not None})
    if as_json:
        emit_json(job)
    else:
        click.echo(
            f"{job['id']} {job['status']} (template {job['template']['id']} version {job['template']['version']})"
        )


@templates.command("csv")
@click.argument("template_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the header to this file instead of printing it.",
)
@json_option
@with_client
def templates_csv(client, template_id, output, as_json):
    """The CSV header to fill for `talkfarm batch --template` (required variables first)."""
    text = client.text(f"/v1/templates/{template_id}/csv")
    if as_json:
        emit_json({"columns": text.strip().split(",")})
    elif output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@click.command("batch")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--template", "template_id", default=None, help="Fill this template: FILE's columns are its variables.")
@click.option("--version", type=click.IntRange(1), default=None, help="The template's version (default: newest).")
@click.option("--defaults", default=None, help="JSON of settings every row shares, e.g. '{\"priority\": 7}'.")
@json_option
@with_client
def batch(client, file, template_id, version, defaults, as_json):
    """Make a batch of jobs from a CSV or JSONL FILE: every row is checked first, and one bad row
    makes nothing (the errors are listed by row)."""
    form = {"template_id": template_id, "version": str(version) if version else None, "defaults": defaults}
    made = client.upload_batch(file, {k: v for k, v in form.items() if v is not None})
    if as_json:
        emit_json(made)
    else:
        click.echo(
            f"{made['id']}: {made['size']} jobs ({', '.join(f'{n} {s}' for s, n in made['counts'].items() if n)})"
        )
