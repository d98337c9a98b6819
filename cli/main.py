"""The `talkfarm` command: run the farm's parts, and talk to a running farm."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path

import click

from cli.assets import assets
from cli.brand import brand
from cli.client import ClientProblem, FarmClient
from cli.composition import compose, read_body
from cli.console import emit_json, json_option, open_farm_storage
from cli.console import fail as _fail
from cli.console import load_settings as _settings
from cli.jobs import jobs
from cli.keys import keys
from cli.reports import catalog, usage, workers
from cli.templates import batch, templates
from cli.version import version_line
from domain.states import JobState
from media.errors import MediaError
from media.images import read_image_header


def _logging(verbose: bool = False) -> None:
    """Set up a farm process's logging, then warn of TALKFARM_ variables that are no setting (typos)."""
    from domain.config import warn_of_unknown_variables
    from domain.structured_logs import configure_logging

    configure_logging(_settings().log_format, verbose=verbose)  # TALKFARM_LOG_FORMAT: text (default) or json
    warn_of_unknown_variables()


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_line())
        ctx.exit()


@click.group()
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the build (git describe of the checkout), then exit.",
)
def main() -> None:
    """talkfarm: a render farm for AI talking-head video."""


for _command in (keys, jobs, assets, catalog, workers, usage, brand, templates, batch):
    main.add_command(_command)


# --- running the farm ------------------------------------------------------------
@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the newest."""
    from domain.db import upgrade

    settings = _settings()
    upgrade(settings)
    click.echo(f"database at head: {settings.database_url.split('@')[-1]}")


@main.group()
def storage() -> None:
    """Object storage."""


@storage.command("init")
def storage_init() -> None:
    """Create the bucket (S3) or folder (local) if missing, and check it can be used."""
    settings = _settings()
    store = open_farm_storage(settings)
    store.create_if_missing()
    store.check()
    click.echo(f"storage ready: {settings.storage_url}")


@main.group()
def tenants() -> None:
    """Tenants: weights, limits, watermark defaults (kept in the tenant's default brand kit)."""


@tenants.command("set")
@click.argument("name")
@click.option("--weight", type=click.IntRange(1, 100), default=None, help="Share of a pool in weighted turns.")
@click.option("--max-in-flight", type=click.IntRange(1), default=None, help="Queued + running jobs allowed at once.")
@click.option("--watermark-text", default=None)
@click.option(
    "--watermark-position", type=click.Choice(["top-left", "top-right", "bottom-left", "bottom-right"]), default=None
)
@click.option("--watermark-opacity", type=click.FloatRange(0.05, 1.0), default=None)
@click.option("--watermark-size", type=click.FloatRange(0.02, 0.2), default=None)
@click.option(
    "--watermark-logo",
    "logo",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="PNG logo, stored as an asset of the tenant.",
)
@click.option(
    "--may-disable-watermark/--must-show-watermark",
    default=None,
    help="Whether this tenant's jobs may turn the visible watermark off.",
)
def tenants_set(
    name,
    weight,
    max_in_flight,
    watermark_text,
    watermark_position,
    watermark_opacity,
    watermark_size,
    logo,
    may_disable_watermark,
) -> None:
    """Create or update tenant NAME's settings."""
    from api.tenant_watermark import set_tenant_watermark
    from domain.db import session_factory
    from domain.tenants import get_or_create_tenant

    settings = _settings()
    with session_factory(settings)() as session, session.begin():
        tenant = get_or_create_tenant(session, name)
        if weight is not None:
            tenant.weight = weight
        if max_in_flight is not None:
            tenant.max_in_flight = max_in_flight
        if may_disable_watermark is not None:
            tenant.may_disable_watermark = may_disable_watermark
        try:  # written to the tenant's default brand kit, which every job starts from
            watermark = set_tenant_watermark(
                session,
                settings,
                tenant,
                text=watermark_text,
                position=watermark_position,
                opacity=watermark_opacity,
                size=watermark_size,
                logo_path=logo,
            )
        except Exception as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            json.dumps(
                {
                    "id": tenant.id,
                    "name": tenant.name,
                    "weight": tenant.weight,
                    "max_in_flight": tenant.max_in_flight,
                    "watermark": watermark,
                    "may_disable_watermark": tenant.may_disable_watermark,
                },
                indent=2,
            )
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", "processes", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=8, show_default=True, type=int, help="threads per process")
def api(host: str, port: int, processes: int, threads: int) -> None:
    """Serve the HTTP API (gunicorn)."""
    from api.server import serve
    from workers.runtime import warn_of_machine_watermark_key

    _logging()
    settings = _settings()
    open_farm_storage(settings)
    warn_of_machine_watermark_key(settings)  # the API verifies marks with the key
    serve(settings, host, port, processes, threads)


@main.command()
@click.option("--tag", type=click.Choice(["auto", "cpu", "amd64-gpu", "arm64-npu"]), default="auto", show_default=True)
@click.option("--concurrency", type=int, default=2, show_default=True, help="Jobs run at once (as threads).")
@click.option("--webhooks", is_flag=True, help="Deliver webhooks instead of rendering.")
def worker(tag: str, concurrency: int, webhooks: bool) -> None:
    """Run a worker that consumes its pool's queue."""
    from tasks.worker_process import run_render_worker, run_webhook_worker

    _logging()
    settings = _settings()
    open_farm_storage(settings)
    if webhooks:
        run_webhook_worker(settings)
        return
    code = run_render_worker(settings, tag, concurrency)
    # Jobs are handed back and the worker row is offline by now. Leave without
    # interpreter finalisation: a speech thread still inside onnxruntime would
    # otherwise abort the process (std::terminate) and turn exit 0 into SIGABRT.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@main.command()
@click.option("--interval", default=2.0, show_default=True, help="Seconds between reconcile passes.")
def scheduler(interval: float) -> None:
    """Reconcile the broker with the database: resend lost work, requeue dead workers' jobs."""
    from tasks.reconcile import run_forever

    _logging()
    settings = _settings()
    open_farm_storage(settings)
    run_forever(settings, interval)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def up(host: str, port: int) -> None:
    """API + worker + scheduler on one machine, on embedded defaults."""
    from cli.up import run_up

    _logging()
    settings = _settings()
    open_farm_storage(settings)
    sys.exit(run_up(settings, host, port))


@main.command("settings")
def settings_table() -> None:
    """Print every TALKFARM_ setting with its default and meaning (markdown)."""
    from domain.config import documented_settings

    click.echo("| variable | default | meaning |\n| --- | --- | --- |")
    for name, default, doc in documented_settings():
        click.echo(f"| `{name}` | `{default}` | {doc} |" if default else f"| `{name}` | | {doc} |")


@main.command("params")
def params_table() -> None:
    """Print the render parameters with their ranges (markdown)."""
    from domain.params import PARAMS

    click.echo(
        "| param | type | default | range | built-in renderer | meaning |\n| --- | --- | --- | --- | --- | --- |"
    )
    for p in PARAMS:
        rng = (
            "true/false"
            if p.kind is bool
            else f"{p.minimum}–{p.maximum}" + (f", multiple of {p.multiple_of}" if p.multiple_of else "")
        )
        acts = "acts" if p.acts else "accepted, no effect"
        click.echo(
            f"| `{p.name}` | {p.kind.__name__} | {p.default if p.default is not None else '—'} | {rng} | {acts} | {p.doc} |"
        )


# --- talking to a farm -------------------------------------------------------------
@main.command()
@click.argument("script", required=False)
@click.option(
    "--audio",
    default=None,
    metavar="FILE|ASSET_ID",
    help="Lip-sync this narration (an audio file, or the id of one uploaded before) instead of a script.",
)
@click.option(
    "--transcript",
    default=None,
    metavar="TEXT|FILE",
    help="With --audio: the narration's words (text, a text file, or `-` for stdin), for phoneme "
    "timing and captions; without it the words are recognised.",
)
@click.option(
    "--avatar",
    default=None,
    help="Image file, asset id, or preset name (e.g. astronaut); required unless --body gives scenes.",
)
@click.option("--voice", default=None)
@click.option("--language", default=None)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Render parameter, repeatable.")
@click.option("--priority", type=int, default=None)
@click.option("--accelerator", type=click.Choice(["auto", "gpu", "npu", "cpu"]), default=None)
@click.option("--wait", is_flag=True, help="Follow the job with a progress bar until it ends.")
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --wait: download the video here (MP4, or the job's output_format), and each --rendition beside "
    "it, named by its size in its own format: --output x.mp4 with --rendition 1080x1920 also saves "
    "x.1080x1920.mp4 (x.1080x1920.webm for a WebM job).",
)
@click.option("--idempotency-key", default=None)
@click.option(
    "--draft",
    is_flag=True,
    help="A cheap preview with the final's speech and timing; `talkfarm jobs approve JOB` then renders the final.",
)
@click.option(
    "--canvas", default=None, metavar="WxH", help="Compose a video of this size, e.g. 1920x1080 or 1080x1920."
)
@click.option(
    "--background",
    "background_choice",
    default=None,
    metavar="COLOR|FILE|ASSET|portrait|transparent",
    help="Behind the presenter: a colour (#1f2937), an image or video (file or asset id), the portrait's "
    "own, or transparent (then WebM, unless --body says mov).",
)
@click.option("--lower-third", default=None, metavar="TEXT", help="A name bar, e.g. 'Jane Doe, anchor'.")
@click.option(
    "--captions",
    type=click.Choice(["word", "subtitle"]),
    default=None,
    help="Burn captions in: word by word (highlighted) or as subtitles.",
)
@click.option("--music", default=None, metavar="FILE|ASSET", help="Background music, ducked under speech.")
@click.option(
    "--rendition",
    "renditions",
    multiple=True,
    metavar="WxH",
    help="One more cut of the same speech and face, e.g. 1080x1920 beside a 1920x1080 --canvas; repeatable. "
    "The presenter is laid out again for its shape.",
)
@click.option(
    "--body",
    "body_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A JSON file of POST /v1/jobs fields for the rest (scenes, overlays, renditions, output_format…); "
    "the flags above apply over it.",
)
@json_option
def submit(
    script,
    audio,
    transcript,
    avatar,
    voice,
    language,
    params,
    priority,
    accelerator,
    wait,
    output_path,
    idempotency_key,
    draft,
    canvas,
    background_choice,
    lower_third,
    captions,
    music,
    renditions,
    body_path,
    as_json,
):
    """Submit SCRIPT (a text file, `-` for stdin, or the text itself) to be spoken by AVATAR,
    or, with --audio, a narration for AVATAR to lip-sync. With --canvas the video is composed
    (backgrounds, titles, captions, music); --body gives any other field, e.g. scenes.
    With --json the job's document (the final one with --wait) goes to stdout, the rest to stderr."""
    body = read_body(body_path)
    from_body = any(body.get(key) is not None for key in ("script", "audio_asset_id", "scenes"))
    if (script is None) == (audio is None) and not (from_body and script is None and audio is None):
        raise click.UsageError("give a SCRIPT or --audio, not both and not neither")
    if avatar is None and body.get("avatar") is None and body.get("scenes") is None:
        raise click.UsageError("give --avatar (an image file, asset id or preset)")
    if transcript is not None and audio is None:
        raise click.UsageError("--transcript goes with --audio (a script is its own transcript)")
    if script == "-" and transcript == "-":
        raise click.UsageError("only one of SCRIPT and --transcript can be read from stdin")
    if avatar is not None and Path(avatar).is_file():
        _check_portrait_file(Path(avatar))
    settings = _settings()
    say = functools.partial(click.echo, err=as_json)
    try:
        client = FarmClient(settings)
        spec: dict = dict(body)
        if avatar is not None:
            spec["avatar"] = _asset(client, avatar, "portrait", say)
        if audio is not None:
            spec["audio_asset_id"] = _asset(client, audio, "narration", say)
            if transcript is not None:
                spec["transcript"] = _script_text(transcript)
        elif script is not None:
            spec["script"] = _script_text(script)
        if voice:
            spec["voice"] = voice
        if language:
            spec["language"] = language
        if priority is not None:
            spec["priority"] = priority
        if accelerator:
            spec["accelerator"] = accelerator
        if params:
            spec["params"] = dict(_param(p) for p in params)
        if draft:
            spec["draft"] = True

        def upload(path: Path, purpose: str) -> dict:
            asset = client.upload_asset(path, purpose)
            say(f"{_uploaded(asset)} {path.name} as {asset['id']} ({purpose})")
            return asset

        spec = compose(
            spec,
            canvas=canvas,
            background_choice=background_choice,
            lower_third=lower_third,
            captions=captions,
            music=music,
            renditions=renditions,
            upload=upload,
            lookup=lambda asset_id: client.get(f"/v1/assets/{asset_id}"),
        )
        job = client.submit(spec, idempotency_key)
        say(f"submitted {job['id']} to pool {job['pool']}")
        if not wait:
            if as_json:
                emit_json(job)
            return
        from cli.progress import follow

        job = follow(client, job["id"], to_stderr=as_json)
        if as_json:
            emit_json(job)
        if job["status"] != JobState.SUCCEEDED:
            error = job.get("error") or {}
            click.echo(f"error: {error.get('code', job['status'])}: {error.get('message', '')}", err=True)
            sys.exit(1)
        out = job["output"]
        say(f"succeeded: {out['duration_s']:.2f} s, {out['width']}x{out['height']}, {out['bytes']} bytes")
        cuts = out.get("renditions") or []
        if output_path:
            for cut, path in [
                (out, output_path),
                *zip(cuts, rendition_paths(output_path, cuts, out.get("format") or "mp4")),
            ]:
                client.download(cut["url"], path)
                size = "video" if cut is out else f"rendition {cut['width']}x{cut['height']}"
                say(f"{size}: {path.resolve()}")
                # a WebM's content credentials are a file of their own: saved beside it, where verify looks
                sidecar = (cut.get("files") or {}).get("content_credentials")
                if sidecar:
                    client.download(sidecar["url"], path.with_name(path.name + ".c2pa"))
                    say(f"  its content credentials: {path.name}.c2pa")
        else:
            say(f"video: {out['url']}")
            for cut in cuts:
                say(f"rendition {cut['width']}x{cut['height']}: {cut['url']}")
        if job.get("draft"):
            say(f"a draft: render the final with `talkfarm jobs approve {job['id']}`")
    except ClientProblem as problem:
        _fail(problem)


def rendition_paths(output_path: Path, cuts: list[dict], default_format: str) -> list[Path]:
    """Where ``--output`` saves each rendition: beside the video, its name's stem, the cut's size and the cut's own
    extension (``x.mp4`` -> ``x.1080x1920.mp4``; a WebM job's ``x.1080x1920.webm``); two cuts of one size are told
    apart by their place (``x.1080x1920-2.mp4``)."""
    stem = output_path.stem if output_path.suffix else output_path.name
    paths: list[Path] = []
    for cut in cuts:
        name = f"{stem}.{cut['width']}x{cut['height']}"
        extension = cut.get("format") or default_format
        path = output_path.with_name(f"{name}.{extension}")
        n = 1
        while path in paths or path == output_path:
            n += 1
            path = output_path.with_name(f"{name}-{n}.{extension}")
        paths.append(path)
    return paths


def _script_text(script: str) -> str:
    if script == "-":
        return sys.stdin.read()
    path = Path(script)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return script


def _asset(client: FarmClient, file_or_id: str, purpose: str, say=click.echo) -> str:
    """A file is uploaded for ``purpose`` and its new asset id returned (the API refuses a file that cannot serve
    it, and stores nothing); anything else is taken as an asset id or preset name (the API says if it is neither)."""
    path = Path(file_or_id)
    if path.is_file():
        asset = client.upload_asset(path, purpose)
        say(f"{_uploaded(asset)} {path.name} as {asset['id']}")
        return str(asset["id"])
    return file_or_id


def _uploaded(asset: dict) -> str:
    """How a file's upload went, in a word: ``uploaded``, or ``reused`` when the farm already had those bytes."""
    return "reused" if asset.get("reused") else "uploaded"


#: how much of an ``--avatar`` file is read to tell whether it is a picture: its header, not a whole video
HEADER_BYTES = 1 << 20


def _check_portrait_file(path: Path) -> None:
    """An ``--avatar`` file that is no picture at all (a WAV, a PDF) is refused before any of it is sent, by the
    sniffer the API reads its header with, on the file's first ``HEADER_BYTES`` (a multi-gigabyte video given by
    mistake is not read whole, nor sent); a picture the API would refuse (no face, too large) it refuses itself."""
    try:
        with path.open("rb") as f:
            picture = read_image_header(f.read(HEADER_BYTES))
    except MediaError:  # a picture, of too many pixels: the API's refusal says so
        return
    except OSError as exc:
        raise click.BadParameter(f"{path}: {exc.strerror}", param_hint="--avatar") from None
    if picture is None:
        raise click.BadParameter(
            f"{path.name} is not a picture: an avatar is a JPEG, PNG or WebP photo of one face, "
            "an asset id or a preset (talkfarm catalog). Nothing was uploaded.",
            param_hint="--avatar",
        )


def _param(text: str):
    name, sep, value = text.partition("=")
    if not sep:
        raise click.BadParameter(f"{text!r}: use NAME=VALUE")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


@main.command()
@click.argument("job_id")
@json_option
def status(job_id: str, as_json: bool) -> None:
    """Show a job: the API's JSON document (with or without --json)."""
    try:
        job, _ = FarmClient(_settings()).job(job_id)
        click.echo(json.dumps(job, indent=2))
    except ClientProblem as problem:
        _fail(problem)


@main.command()
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--local", is_flag=True, help="Read with this machine's key material instead of asking the API.")
@click.option(
    "--credentials",
    "sidecar",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A WebM's C2PA manifest store (its output.files.content_credentials); default: FILE.c2pa beside it.",
)
@click.option(
    "--trust-anchors",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM certificates to judge the C2PA signer by (the farm's signing CA): `trusted` is then true or false.",
)
@json_option
def verify(video: Path, local: bool, sidecar: Path | None, trust_anchors: Path | None, as_json: bool) -> None:
    """Read a video's invisible watermark: is it ours, and whose job made it; and its content credentials (C2PA),
    read on this machine from the whole file: were they signed, and has a byte changed since (JSON, with or
    without --json). The exit status follows the watermark: 0 found, 3 not.

    A file over the API's upload limit (a ProRes MOV of more than a second) is verified from its first
    frames, all the detector reads: the JSON's `checked` says what was sent, and a line on stderr too."""
    from cli.verify import credentials

    try:
        if local:
            from domain.db import session_factory
            from workers.provenance import verify_file

            settings = _settings()
            result = verify_file(settings, session_factory(settings), video)
        else:
            from cli.verify import verify_remote

            result, note = verify_remote(FarmClient(_settings()), video)
            if note:
                click.echo(f"note: {note}", err=True)
        result["content_credentials"] = credentials(video, sidecar, trust_anchors)
        click.echo(json.dumps(result, indent=2))
        sys.exit(0 if result.get("found") else 3)
    except ClientProblem as problem:
        _fail(problem)


if __name__ == "__main__":  # `python -m cli.main`, used by `talkfarm up` for its children
    main()
