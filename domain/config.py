"""Every setting talkfarm reads, in one place.

Each setting is an environment variable with the ``TALKFARM_`` prefix, a type,
a default and one line of documentation. ``Settings.from_env()`` is the only
place that reads the environment; everything else receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "TALKFARM_"
POOL_TAGS = ("cpu", "amd64-gpu", "arm64-npu")


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _setting(default: Any, doc: str, parse: Callable[[str], Any] | None = None) -> Any:
    return field(default=default, metadata={"doc": doc, "parse": parse})


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
    s3_multipart_threshold_mb: int = _setting(8, "Uploads above this size use S3 multipart upload.", int)
    public_url: str = _setting(
        "", "Base URL clients reach the API at; used for local-storage download links. Default: the request's host."
    )
    output_url_expiry_s: int = _setting(3600, "Lifetime of a signed output link, in seconds.", int)

    # --- pools and workers -------------------------------------------------
    pools: tuple[str, ...] = _setting(
        ("cpu",), "Pool tags this farm has, comma-separated: cpu, amd64-gpu, arm64-npu.", _csv
    )
    heartbeat_interval_s: float = _setting(5.0, "How often workers and running attempts heartbeat.", float)
    worker_dead_after_s: float = _setting(30.0, "A worker or attempt silent for this long is considered gone.", float)
    drain_grace_s: float = _setting(
        90.0, "On SIGTERM, time a worker has to finish or checkpoint before handing jobs back.", float
    )
    job_max_failures: int = _setting(
        3, "Real failures (not interruptions) a job may have before it fails for good.", int
    )
    queued_resend_after_s: float = _setting(
        120.0, "A queued job not picked up for this long is sent to the broker again.", float
    )
    pool_empty_fail_after_s: float = _setting(
        1800.0,
        "A queued job that no live worker may take (its pool is empty, or every "
        "live worker blocklisted it) fails no_worker_available after this long; 0 waits forever.",
        float,
    )
    idempotency_ttl_s: int = _setting(86400, "How long an Idempotency-Key is remembered.", int)
    storage_wait_limit_s: float = _setting(
        600.0, "While storage is unreachable a job waits this long before failing storage_unavailable.", float
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
        5, "PostgreSQL: give up opening a connection after this long (libpq connect_timeout).", int
    )
    db_keepalive_idle_s: int = _setting(10, "PostgreSQL: TCP keepalive probes start after this long idle.", int)
    db_keepalive_interval_s: int = _setting(3, "PostgreSQL: seconds between keepalive probes.", int)
    db_keepalive_count: int = _setting(
        3, "PostgreSQL: unanswered keepalive probes before the connection is dropped.", int
    )
    db_tcp_user_timeout_s: float = _setting(
        10.0,
        "PostgreSQL: drop a connection whose sent data stays unacknowledged this long "
        "(a hung query on a cut network); 0 leaves it to the kernel (minutes).",
        float,
    )
    db_statement_timeout_s: float = _setting(
        120.0, "PostgreSQL: cancel any statement running longer (migrations excepted); 0: none.", float
    )
    db_lock_timeout_s: float = _setting(
        30.0, "PostgreSQL: give up waiting for a row or table lock after this long; 0: never.", float
    )
    db_idle_in_transaction_timeout_s: float = _setting(
        60.0,
        "PostgreSQL: end a session idle inside a transaction this long "
        "(a frozen or cut-off worker's locks stall the scheduler); 0: never.",
        float,
    )
    redis_connect_timeout_s: float = _setting(
        5.0, "Redis (broker): give up opening a connection after this long.", float
    )
    redis_socket_timeout_s: float = _setting(
        30.0, "Redis (broker): a read or write on an open connection fails after this long.", float
    )
    redis_health_check_interval_s: int = _setting(
        10, "Redis (broker): ping a connection idle this long before using it again.", int
    )
    s3_connect_timeout_s: float = _setting(5.0, "S3: give up opening a connection after this long.", float)
    s3_read_timeout_s: float = _setting(
        60.0, "S3: a read on an open connection fails after this long (then botocore retries).", float
    )
    s3_max_attempts: int = _setting(
        5, "S3: attempts of one request, the first included (botocore's standard retry mode).", int
    )

    # --- limits on what callers send ----------------------------------------
    max_script_chars: int = _setting(20000, "Longest script accepted (about 20 minutes of speech).", int)
    max_asset_bytes: int = _setting(25 * 1024 * 1024, "Largest upload accepted by POST /v1/assets.", int)
    max_audio_s: float = _setting(1200.0, "Longest narration audio accepted, in seconds.", float)
    # background videos, judged from their container header before any frame is decoded
    max_video_bytes: int = _setting(
        64 * 1024 * 1024, "Largest video upload (a background) accepted by POST /v1/assets.", int
    )
    max_video_s: float = _setting(600.0, "Longest background video accepted, in seconds.", float)
    max_video_side: int = _setting(3840, "Longest side of a background video, in pixels.", int)
    max_video_pixels: int = _setting(3840 * 2160, "Most pixels in one frame of a background video (4K UHD).", int)
    max_video_fps: float = _setting(60.0, "Highest frame rate of a background video.", float)

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
    )
    render_max_batch_delay_ms: float = _setting(2.0, "Longest a frame waits for others to fill a batch.", float)

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
    )
    api_read_min_bytes_per_s: int = _setting(
        32768,
        "The slowest pace, in bytes a second on average after the grace, at which the API reads a request: a "
        "25 MiB upload may take 13 minutes. A client trickling slower (a slowloris) holds its thread no longer.",
        int,
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
    )
    webhook_receiver_in_flight: int = _setting(
        2,
        "Attempts to one receiver (a tenant's scheme, host and port) that "
        "run at once in a webhook worker; more wait a few seconds.",
        int,
    )
    webhook_breaker_failures: int = _setting(
        5,
        "Attempts in a row without an HTTP answer after which a receiver's "
        "circuit opens: its deliveries fail at once, without network.",
        int,
    )
    webhook_breaker_cooldown_s: float = _setting(
        300.0, "How long an open circuit stays open before one trial attempt.", float
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
    tenant_max_in_flight: int = _setting(1000, "Default limit of queued+running jobs per tenant; beyond it 429.", int)
    tenant_max_asset_bytes: int = _setting(
        20 * 1024**3,
        "Most bytes one tenant's assets may take in storage together (20 GiB: 320 of the largest videos); an upload "
        "past it is a 409 asset_quota_exceeded, and deleting assets frees room.",
        int,
    )
    tenant_max_assets: int = _setting(
        10_000,
        "Most assets one tenant may keep (the same bytes uploaded again for the same purpose count once); one more is "
        "a 409 asset_quota_exceeded.",
        int,
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
        if not 0 < self.api_read_grace_s <= 300:
            raise ConfigError(f"{PREFIX}API_READ_GRACE_S must be within 0..300 s")
        if not 1024 <= self.api_read_min_bytes_per_s <= 1 << 30:
            raise ConfigError(f"{PREFIX}API_READ_MIN_BYTES_PER_S must be within 1024..1073741824")
        if not 0 < self.webhook_lookup_timeout_s <= 30:  # a request waits for it: it must stay short
            raise ConfigError(f"{PREFIX}WEBHOOK_LOOKUP_TIMEOUT_S must be within 0..30 s")
        if not 1 <= self.webhook_lookup_per_tenant <= self.webhook_lookup_threads:
            raise ConfigError(
                f"{PREFIX}WEBHOOK_LOOKUP_PER_TENANT must be at least 1 and at most {PREFIX}WEBHOOK_LOOKUP_THREADS"
            )
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"{PREFIX}LOG_FORMAT: {self.log_format!r} is neither text nor json")
        return dataclasses.replace(self, **changes)

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
