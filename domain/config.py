"""Every setting talkfarm reads, in one place.

Each setting is an environment variable with the ``TALKFARM_`` prefix, a type,
a default and one line of documentation. ``Settings.from_env()`` is the only
place that reads the environment; everything else receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PREFIX = "TALKFARM_"
POOL_TAGS = ("cpu", "amd64-gpu", "arm64-npu")
#: the databases the farm runs on (domain/db.py): SQLite on one machine, PostgreSQL in production
DATABASE_DIALECTS = ("sqlite", "postgresql")
#: TALKFARM_ variables that are not settings: read by the image build, ops scripts and tests
OTHER_VARIABLES = frozenset(
    PREFIX + name
    for name in (
        "API_PORT", "ARM64_MIRROR", "ARM64_ROOT", "BUILD", "BUILD_CA", "CHECK_FAULTS", "CHECK_JOBS",
        "CHECK_PROJECT", "CHECK_SINK_DIR", "CHROMIUM", "FUZZ_EXAMPLES", "PAGE_REVIEW", "PAGE_SCREENSHOTS",
        "PULL", "REGISTRY", "SERVICES", "TAG", "TEST_PG_PORT", "TEST_REDIS_DB", "TEST_REDIS_PORT",
    )
)  # fmt: skip

log = logging.getLogger(__name__)


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _setting(
    default: Any,
    doc: str,
    parse: Callable[[str], Any] | None = None,
    *,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
) -> Any:
    """A setting: its default, one line of doc, how to parse its variable and, for a number, the range
    ``resolved()`` holds it to (``at_least``/``above`` the low end, ``at_most`` the high one)."""
    bounds = {"at_least": at_least, "above": above, "at_most": at_most}
    return field(default=default, metadata={"doc": doc, "parse": parse, "bounds": bounds})


def _out_of_range(value: float, bounds: Mapping[str, float | None]) -> str | None:
    """Why a number is outside its setting's range, or None when it is inside."""
    if not math.isfinite(value):
        return "must be a finite number"
    low, above, high = bounds["at_least"], bounds["above"], bounds["at_most"]
    if low is not None and value < low:
        return f"must be at least {low:g}" + (f" and at most {high:g}" if high is not None else "")
    if above is not None and value <= above:
        return f"must be more than {above:g}" + (f" and at most {high:g}" if high is not None else "")
    if high is not None and value > high:
        return f"must be at most {high:g}"
    return None


@dataclass(frozen=True)
class Settings:
    # --- where things live -------------------------------------------------
    data_dir: Path = _setting(
        Path("./talkfarm-data"), "Folder for the embedded database, broker, storage and local keys.", Path
    )
    database_url: str = _setting(
        "", "SQLAlchemy URL; default a SQLite file in DATA_DIR. postgresql+psycopg://… in production."
    )
    broker_url: str = _setting(
        "", "Celery broker; default an embedded SQLite broker in DATA_DIR. redis://… in production."
    )
    storage_url: str = _setting("", "file:///path or s3://bucket[/prefix]; default a folder in DATA_DIR.")
    s3_endpoint_url: str = _setting(
        "", "S3 endpoint for SeaweedFS/MinIO; empty means AWS. Credentials come from boto3's usual chain."
    )
    s3_region: str = _setting("us-east-1", "Region name passed to boto3.")
    s3_multipart_threshold_mb: int = _setting(8, "Uploads above this size use S3 multipart upload.", int, at_least=1)
    public_url: str = _setting(
        "", "Base URL clients reach the API at; used for local-storage download links. Default: the request's host."
    )
    output_url_expiry_s: int = _setting(
        3600, "Lifetime of a signed output link, in seconds.", int, above=0, at_most=7 * 24 * 3600
    )

    # --- pools and workers -------------------------------------------------
    pools: tuple[str, ...] = _setting(
        ("cpu",), "Pool tags this farm has, comma-separated: cpu, amd64-gpu, arm64-npu.", _csv
    )
    heartbeat_interval_s: float = _setting(5.0, "How often workers and running attempts heartbeat.", float, above=0)
    worker_dead_after_s: float = _setting(
        30.0, "A worker or attempt silent for this long is considered gone.", float, above=0
    )
    drain_grace_s: float = _setting(
        90.0, "On SIGTERM, time a worker has to finish or checkpoint before handing jobs back.", float, at_least=0
    )
    job_max_failures: int = _setting(
        3, "Real failures (not interruptions) a job may have before it fails for good.", int, at_least=1
    )
    queued_resend_after_s: float = _setting(
        120.0, "A queued job not picked up for this long is sent to the broker again.", float, above=0
    )
    pool_empty_fail_after_s: float = _setting(
        1800.0,
        "A queued job that no live worker may take (its pool is empty, or every "
        "live worker blocklisted it) fails no_worker_available after this long; 0 waits forever.",
        float,
        at_least=0,
    )
    idempotency_ttl_s: int = _setting(86400, "How long an Idempotency-Key is remembered.", int, above=0)
    storage_wait_limit_s: float = _setting(
        600.0,
        "While storage is unreachable a job waits this long before failing storage_unavailable.",
        float,
        at_least=0,
    )
    work_retention_h: float = _setting(
        168.0,
        "A failed or canceled job's finished segments are kept this long for a retry to resume from, then removed "
        "(a succeeded job's at once; the scheduler sweeps what a worker that died left).",
        float,
    )

    # --- timeouts a network partition needs ---------------------------------
    # A cut network leaves connections hanging rather than reset; without these
    # a worker, the scheduler or the API would wait on one for many minutes.
    db_connect_timeout_s: int = _setting(
        5, "PostgreSQL: give up opening a connection after this long (libpq connect_timeout).", int, at_least=1
    )
    db_keepalive_idle_s: int = _setting(
        10, "PostgreSQL: TCP keepalive probes start after this long idle.", int, at_least=1
    )
    db_keepalive_interval_s: int = _setting(3, "PostgreSQL: seconds between keepalive probes.", int, at_least=1)
    db_keepalive_count: int = _setting(
        3, "PostgreSQL: unanswered keepalive probes before the connection is dropped.", int, at_least=1
    )
    db_tcp_user_timeout_s: float = _setting(
        10.0,
        "PostgreSQL: drop a connection whose sent data stays unacknowledged this long "
        "(a hung query on a cut network); 0 leaves it to the kernel (minutes).",
        float,
        at_least=0,
    )
    db_statement_timeout_s: float = _setting(
        120.0, "PostgreSQL: cancel any statement running longer (migrations excepted); 0: none.", float, at_least=0
    )
    db_lock_timeout_s: float = _setting(
        30.0, "PostgreSQL: give up waiting for a row or table lock after this long; 0: never.", float, at_least=0
    )
    db_idle_in_transaction_timeout_s: float = _setting(
        60.0,
        "PostgreSQL: end a session idle inside a transaction this long "
        "(a frozen or cut-off worker's locks stall the scheduler); 0: never.",
        float,
        at_least=0,
    )
    redis_connect_timeout_s: float = _setting(
        5.0, "Redis (broker): give up opening a connection after this long.", float, above=0
    )
    redis_socket_timeout_s: float = _setting(
        30.0, "Redis (broker): a read or write on an open connection fails after this long.", float, above=0
    )
    redis_health_check_interval_s: int = _setting(
        10, "Redis (broker): ping a connection idle this long before using it again.", int, at_least=0
    )
    s3_connect_timeout_s: float = _setting(5.0, "S3: give up opening a connection after this long.", float, above=0)
    s3_read_timeout_s: float = _setting(
        60.0, "S3: a read on an open connection fails after this long (then botocore retries).", float, above=0
    )
    s3_max_attempts: int = _setting(
        5, "S3: attempts of one request, the first included (botocore's standard retry mode).", int, at_least=1
    )

    # --- limits on what callers send ----------------------------------------
    max_script_chars: int = _setting(20000, "Longest script accepted (about 20 minutes of speech).", int, at_least=1)
    max_asset_bytes: int = _setting(25 * 1024 * 1024, "Largest upload accepted by POST /v1/assets.", int, at_least=1)
    max_audio_s: float = _setting(1200.0, "Longest narration audio accepted, in seconds.", float, above=0)
    # background videos, judged from their container header before any frame is decoded
    max_video_bytes: int = _setting(
        64 * 1024 * 1024, "Largest video upload (a background) accepted by POST /v1/assets.", int, at_least=1
    )
    max_video_s: float = _setting(600.0, "Longest background video accepted, in seconds.", float, above=0)
    max_video_side: int = _setting(3840, "Longest side of a background video, in pixels.", int, at_least=1)
    max_video_pixels: int = _setting(
        3840 * 2160, "Most pixels in one frame of a background video (4K UHD).", int, at_least=1
    )
    max_video_fps: float = _setting(60.0, "Highest frame rate of a background video.", float, above=0)

    # --- rendering -----------------------------------------------------------
    models: str = _setting(
        "", "Extra render models: JSON list of {name, path, adapter, pools} or a path to such a JSON file."
    )
    voices: str = _setting("", "Extra Piper voices: JSON object {name: path-to-.onnx} or a path to such a JSON file.")
    render_max_batch_size: int = _setting(
        4,
        "Frames from concurrent jobs run through the model in one call, at most this "
        "many (benchmarks/batching.py picked 4 on the CPU; raise it on accelerators).",
        int,
        at_least=1,
    )
    render_max_batch_delay_ms: float = _setting(
        2.0, "Longest a frame waits for others to fill a batch.", float, at_least=0
    )

    # --- sound ---------------------------------------------------------------
    loudness_target_lufs: float = _setting(
        -16.0,
        "Integrated loudness (LUFS, ITU-R BS.1770 / EBU R128 gating) every delivered file's sound is brought to, "
        "by one gain and a look-ahead limiter: -16 for the web; -23 is EBU R128 broadcast.",
        float,
    )
    true_peak_ceiling_dbtp: float = _setting(
        -1.0,
        "True peak (dBTP) no delivered file's sound exceeds, as encoded (AAC, Opus or PCM); EBU R128 asks -1.",
        float,
    )

    # --- watermarks and provenance -------------------------------------------
    watermark_text: str = _setting("AI-generated", "Visible watermark text.")
    watermark_position: str = _setting(
        "bottom-right", "Visible watermark corner: top-left, top-right, bottom-left, bottom-right."
    )
    watermark_opacity: float = _setting(0.6, "Visible watermark opacity, 0..1.", float)
    watermark_key: str = _setting("", "Secret for the invisible watermark; default a random key kept in DATA_DIR.")
    c2pa_cert: str = _setting("", "PEM certificate chain for C2PA signing; empty skips content credentials.")
    c2pa_key: str = _setting("", "PEM private key for C2PA signing.")
    require_c2pa: bool = _setting(
        False,
        "Refuse to start without C2PA_CERT and C2PA_KEY, so no file goes out without content credentials "
        "(a farm publishing under the EU AI Act's marking duty sets it).",
        _bool,
    )
    page_secret_key: str = _setting(
        "",
        "Signs the web page's session cookies; default a random key kept in DATA_DIR. "
        "Give every API replica the same value when they do not share DATA_DIR.",
    )

    # --- the API's reading of requests -----------------------------------------------
    api_read_grace_s: float = _setting(
        10.0,
        "Seconds an API thread waits for a request's head and the start of its body before the pace below applies; "
        "a client later than that is answered 408 request_timeout and its connection closed.",
        float,
        above=0,
        at_most=300,
    )
    api_read_min_bytes_per_s: int = _setting(
        32768,
        "The slowest pace, in bytes a second on average after the grace, at which the API reads a request: a "
        "25 MiB upload may take 13 minutes. A client trickling slower (a slowloris) holds its thread no longer.",
        int,
        at_least=1024,
        at_most=1 << 30,
    )

    # --- webhooks -------------------------------------------------------------
    webhook_allow_hosts: tuple[str, ...] = _setting(
        (), "Hosts or CIDRs webhooks may reach although loopback/private.", _csv
    )
    webhook_lookup_timeout_s: float = _setting(
        2.0,
        "Deadline of a webhook URL's name look-up while a request waits (jobs, batches, templates, endpoints; "
        "a batch's look-ups share one); a host that does not answer in time is a 422.",
        float,
    )
    webhook_lookup_threads: int = _setting(
        16,
        "Request-time webhook name look-ups that run at once per API process, slow ones included; "
        "when all are held, a new look-up is a 503 webhook_lookup_busy.",
        int,
        at_least=1,
    )
    webhook_lookup_per_tenant: int = _setting(
        2,
        "Of those look-ups, and of the API threads waiting on one, what one tenant may hold; "
        "beyond it that tenant's requests are a 503 webhook_lookup_busy at once.",
        int,
    )
    webhook_timeout_s: float = _setting(
        10.0,
        "Total deadline of one webhook delivery attempt: connecting, TLS, sending and "
        "the answer together; a receiver that trickles is cut off at it.",
        float,
    )
    webhook_max_response_bytes: int = _setting(
        65536,
        "At most this much of a receiver's answer is read (the body is not used); an endless body costs no more.",
        int,
        at_least=0,
    )
    webhook_receiver_in_flight: int = _setting(
        2,
        "Attempts to one receiver (a tenant's scheme, host and port) that "
        "run at once in a webhook worker; more wait a few seconds.",
        int,
        at_least=1,
    )
    webhook_breaker_failures: int = _setting(
        5,
        "Attempts in a row without an HTTP answer after which a receiver's "
        "circuit opens: its deliveries fail at once, without network.",
        int,
        at_least=1,
    )
    webhook_breaker_cooldown_s: float = _setting(
        300.0, "How long an open circuit stays open before one trial attempt.", float, at_least=0
    )
    webhook_retry_schedule: tuple[str, ...] = _setting(
        ("5", "300", "1800", "7200", "18000", "36000", "36000"),
        "Seconds between delivery attempts (Standard Webhooks' schedule).",
        _csv,
    )

    # --- metrics ----------------------------------------------------------------
    metrics_min_interval_s: float = _setting(
        5.0,
        "/metrics is computed at most once per this many seconds per API "
        "process, whatever the request rate; scrapes in between get the last copy.",
        float,
        at_least=0,
    )
    metrics_key: str = _setting("", "Bearer key that opens /metrics from any address; empty: no key opens it.")
    metrics_allow_from: tuple[str, ...] = _setting(
        ("127.0.0.0/8", "::1"),
        "Addresses or CIDRs that may read /metrics without the key (a scraper on the pod network: its CIDR).",
        _csv,
    )

    # --- logs -----------------------------------------------------------------
    log_format: str = _setting(
        "text",
        "Log lines as plain text (text) or one JSON object per event with job, tenant, attempt and worker ids (json).",
    )

    # --- tenants --------------------------------------------------------------
    tenant_max_in_flight: int = _setting(
        1000, "Default limit of queued+running jobs per tenant; beyond it 429.", int, at_least=1
    )
    tenant_max_asset_bytes: int = _setting(
        20 * 1024**3,
        "Most bytes one tenant's assets may take in storage together (20 GiB: 320 of the largest videos); an upload "
        "past it is a 409 asset_quota_exceeded, and deleting assets frees room.",
        int,
        at_least=0,
    )
    tenant_max_assets: int = _setting(
        10_000,
        "Most assets one tenant may keep (the same bytes uploaded again for the same purpose count once); one more is "
        "a 409 asset_quota_exceeded.",
        int,
        at_least=0,
    )

    # --- testing only ---------------------------------------------------------

    # --- clients (CLI) --------------------------------------------------------
    api_url: str = _setting("http://127.0.0.1:8000", "Where CLI client commands reach the API.")
    api_key: str = _setting("", "API key for CLI client commands; default the local key `talkfarm up` keeps.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            parse = f.metadata.get("parse") or str
            try:
                values[f.name] = parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{PREFIX}{f.name.upper()}: {exc}") from exc
        values.update(overrides)
        return cls(**values).resolved()

    def resolved(self) -> Settings:
        """Fill defaults that depend on other settings and check the rest."""
        data_dir = Path(self.data_dir).expanduser().absolute()
        changes: dict[str, Any] = {"data_dir": data_dir}
        if not self.database_url:
            changes["database_url"] = f"sqlite:///{data_dir / 'talkfarm.db'}"
        if not self.broker_url:
            changes["broker_url"] = f"sqla+sqlite:///{data_dir / 'broker.db'}"
        if not self.storage_url:
            changes["storage_url"] = (data_dir / "storage").as_uri()
        unknown = [p for p in self.pools if p not in POOL_TAGS]
        if unknown:
            raise ConfigError(f"{PREFIX}POOLS: unknown pool tag(s) {', '.join(unknown)}; known: {', '.join(POOL_TAGS)}")
        if not self.pools:
            raise ConfigError(f"{PREFIX}POOLS: at least one pool is needed")
        if self.watermark_position not in {"top-left", "top-right", "bottom-left", "bottom-right"}:
            raise ConfigError(f"{PREFIX}WATERMARK_POSITION: {self.watermark_position!r} is not a corner")
        if not 0.0 <= self.work_retention_h <= 24 * 365:
            raise ConfigError(f"{PREFIX}WORK_RETENTION_H must be within 0..8760 hours")
        if not -40.0 <= self.loudness_target_lufs <= -10.0:
            raise ConfigError(f"{PREFIX}LOUDNESS_TARGET_LUFS must be within -40..-10 LUFS")
        if not -10.0 <= self.true_peak_ceiling_dbtp <= 0.0:
            raise ConfigError(f"{PREFIX}TRUE_PEAK_CEILING_DBTP must be within -10..0 dBTP")
        if self.require_c2pa and not self.signs_c2pa:
            raise ConfigError(
                f"{PREFIX}REQUIRE_C2PA is set, but {PREFIX}C2PA_CERT and {PREFIX}C2PA_KEY are not: give the signing "
                "certificate chain and key, or unset it to let videos go out without content credentials"
            )
        if not 0.0 <= self.watermark_opacity <= 1.0:
            raise ConfigError(f"{PREFIX}WATERMARK_OPACITY must be within 0..1")
        if not 0 < self.webhook_timeout_s <= 50:  # a delivery is handed out again after 60 s (tasks/webhooks.py)
            raise ConfigError(
                f"{PREFIX}WEBHOOK_TIMEOUT_S must be within 0..50 s: a delivery still running after "
                "60 s would be handed out a second time"
            )
        if not 0 < self.webhook_lookup_timeout_s <= 30:  # a request waits for it: it must stay short
            raise ConfigError(f"{PREFIX}WEBHOOK_LOOKUP_TIMEOUT_S must be within 0..30 s")
        if not 1 <= self.webhook_lookup_per_tenant <= self.webhook_lookup_threads:
            raise ConfigError(
                f"{PREFIX}WEBHOOK_LOOKUP_PER_TENANT must be at least 1 and at most {PREFIX}WEBHOOK_LOOKUP_THREADS"
            )
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"{PREFIX}LOG_FORMAT: {self.log_format!r} is neither text nor json")
        self._check_ranges()
        if self.worker_dead_after_s < 2 * self.heartbeat_interval_s:
            # an attempt stops one heartbeat before its lease ends (workers/runtime.py): a lease shorter than
            # two heartbeats is gone before the next beat can extend it
            raise ConfigError(
                f"{PREFIX}WORKER_DEAD_AFTER_S ({self.worker_dead_after_s:g} s) must be at least two "
                f"{PREFIX}HEARTBEAT_INTERVAL_S ({self.heartbeat_interval_s:g} s) long, several better (30 s vs 5 s)"
            )
        _check_schedule(self.webhook_retry_schedule)
        _check_networks(self.metrics_allow_from)
        _check_database(changes.get("database_url", self.database_url))
        return dataclasses.replace(self, **changes)

    def _check_ranges(self) -> None:
        for f in dataclasses.fields(self):
            bounds = f.metadata["bounds"]
            if any(bound is not None for bound in bounds.values()):
                why = _out_of_range(getattr(self, f.name), bounds)
                if why:
                    raise ConfigError(f"{PREFIX}{f.name.upper()} {why}, not {getattr(self, f.name)!r}")

    @property
    def signs_c2pa(self) -> bool:
        """Whether this farm signs content credentials: both C2PA_CERT and C2PA_KEY are given."""
        return bool(self.c2pa_cert and self.c2pa_key)

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url.startswith("sqla+")

    def model_registry(self) -> list[dict[str, Any]]:
        registry: list[dict[str, Any]] = _json_or_file(self.models, "MODELS", list)
        return registry

    def voice_registry(self) -> dict[str, str]:
        registry: dict[str, str] = _json_or_file(self.voices, "VOICES", dict)
        return registry

    def retry_schedule(self) -> list[float]:
        """Seconds between webhook delivery attempts; ``resolved()`` checked that each is a positive number."""
        return [float(s) for s in self.webhook_retry_schedule]


def _json_or_file(raw: str, name: str, kind: type) -> Any:
    if not raw.strip():
        return kind()
    text = raw
    if not raw.lstrip().startswith(("[", "{")):
        try:
            text = Path(raw).read_text()
        except OSError as exc:
            raise ConfigError(f"{PREFIX}{name}: cannot read {raw}: {exc}") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{PREFIX}{name}: not valid JSON: {exc}") from exc
    if not isinstance(value, kind):
        raise ConfigError(f"{PREFIX}{name}: expected a JSON {kind.__name__}")
    return value


def _check_schedule(schedule: tuple[str, ...]) -> None:
    """Each delay of WEBHOOK_RETRY_SCHEDULE is a positive number of seconds (read now, not at the first retry)."""
    for delay in schedule:
        try:
            seconds = float(delay)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            raise ConfigError(
                f"{PREFIX}WEBHOOK_RETRY_SCHEDULE: {delay!r} is not a positive number of seconds "
                "(give seconds between attempts, comma-separated: 5,300,1800)"
            )


def _check_networks(entries: tuple[str, ...]) -> None:
    """Each METRICS_ALLOW_FROM entry is an address or a CIDR, read as api/metrics.py reads it."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}METRICS_ALLOW_FROM: {entry!r} is not an address or a CIDR ({exc})") from exc


def _check_database(url: str) -> None:
    """The database a DATABASE_URL names is one the farm runs on (postgresql+psycopg://… is postgresql)."""
    dialect = urlparse(url).scheme.split("+")[0]
    if dialect not in DATABASE_DIALECTS:
        shown = dialect or url.split("://")[0] or url
        raise ConfigError(
            f"{PREFIX}DATABASE_URL: {shown!r} is not a database the farm runs on "
            "(postgresql+psycopg://… in production, sqlite:///… on one machine)"
        )


def warn_of_unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """Log one warning naming the TALKFARM_ variables that are no setting (a typo such as
    TALKFARM_LOG_FROMAT is otherwise ignored without a word), each with the setting it perhaps meant.
    A farm process calls it once as it starts, after its logging is set up; returns the names."""
    environ = os.environ if environ is None else environ
    known = [PREFIX + f.name.upper() for f in dataclasses.fields(Settings)]
    unknown = sorted(n for n in environ if n.startswith(PREFIX) and n not in known and n not in OTHER_VARIABLES)
    if unknown:
        named = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            named.append(f"{name} (did you mean {close[0]}?)" if close else name)
        log.warning(
            "ignoring environment variable(s) that are no talkfarm setting: %s; `talkfarm settings` lists them all",
            ", ".join(named),
        )
    return unknown


class ConfigError(Exception):
    """A setting that cannot be used; the message names the variable."""


def documented_settings() -> list[tuple[str, str, str]]:
    """(variable, default, doc) for every setting, for the README and `talkfarm config`."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default
        if isinstance(default, tuple):
            default = ",".join(default)
        rows.append((PREFIX + f.name.upper(), str(default), f.metadata["doc"]))
    return rows
