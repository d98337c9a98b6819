"""What the client commands share: settings from the environment, the API
client, and printing: the API's document as JSON (``--json``), a table for
people, or a problem on stderr with a non-zero exit."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from cli.client import ClientProblem, FarmClient
from domain.config import ConfigError, Settings

if TYPE_CHECKING:
    from storage import Storage

#: the option every client command takes
json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON document instead.")


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"config_invalid: {exc}") from exc


def open_farm_storage(settings: Settings) -> Storage:
    """The storage TALKFARM_STORAGE_URL names, opened (a local folder created) as a process of the farm
    starts, so that a URL it cannot use ends the command with ``config_invalid`` as any other setting does,
    not with a traceback once the process is running. ``memory://`` is refused: it keeps files inside one
    process, and the farm's API, workers and scheduler are processes of their own (``up`` too runs them so)."""
    from storage import open_storage  # boto3 and the backends: not for the client commands

    try:
        if settings.storage_url.startswith("memory:"):
            raise ConfigError(
                "TALKFARM_STORAGE_URL: memory:// keeps files inside one process (it is for tests), and the farm's "
                "API, workers and scheduler are processes of their own: use file:// or s3://"
            )
        return open_storage(settings)
    except ConfigError as exc:
        raise click.ClickException(f"config_invalid: {exc}") from exc


def fail(problem: ClientProblem) -> None:
    click.echo(f"error: {problem.code}: {problem.detail}", err=True)
    errors = problem.body.get("errors") if problem.body else None
    if errors:
        click.echo(json.dumps(errors, indent=2, ensure_ascii=False), err=True)
    sys.exit(2 if problem.status == 0 else 1)


def with_client(command: Callable) -> Callable:
    """Give the command a ``client`` and turn the API's problems into a message and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(FarmClient(load_settings()), *args, **kwargs)
        except ClientProblem as problem:
            fail(problem)

    return wrapper


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2))  # machine-read: ASCII, whatever the terminal's encoding


def post_command(
    group: click.Group, name: str, argument: str, path: str, help: str, summary: Callable[[str, dict], str]
) -> None:
    """Add ``group name ARGUMENT``: POST to ``path`` (ARGUMENT filled in), then print the API's
    document (``--json``) or ``summary(argument, document)``, one line for people."""

    @group.command(name, help=help)
    @click.argument(argument)
    @json_option
    @with_client
    def command(client, as_json, **arguments):
        document = client.post(path.format(**arguments))
        if as_json:
            emit_json(document)
        else:
            click.echo(summary(arguments[argument], document))


def emit_table(rows: Iterable[dict], columns: list[tuple[str, str]], empty: str = "nothing to show") -> None:
    """A table for people: ``columns`` are (heading, key) pairs; missing values print as -."""
    from rich.console import Console
    from rich.table import Table

    rows = list(rows)
    if not rows:
        click.echo(empty)
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for heading, key in columns:
        # ids are copied into the next command: never cut them short
        table.add_column(heading, no_wrap=key == "id", overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(key)) for _, key in columns])
    # piped into grep or a file, a line is as long as it needs to be
    Console(width=None if sys.stdout.isatty() else 400).print(table)


def _cell(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
