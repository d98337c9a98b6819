"""What every kind of batch shares: reading an uploaded CSV or JSONL file
(a CSV's header matched to the names its columns fill, api/batch_header.py),
the webhook check that resolves each host once, refusing bad rows by index,
and making the batch and its jobs in one transaction, admitted as single
jobs are. Used by api/batches.py and api/template_batches.py."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from api import intake
from api.batch_header import match_header
from api.context import ctx
from api.request_bounds import loads_bounded
from domain.documents import batch_document
from domain.errors import ProblemError
from domain.models import Batch, Tenant
from tasks.webhook_lookups import LookupBusy, check_in_time
from tasks.webhook_targets import parse_webhook_url

MAX_ITEMS = 1000
#: characters of Japanese scripts a batch's rows have looked up in the reading dictionary at submit (about 3 s);
#: rows past it are checked by the worker, which fails a job whose words have no reading (script_unreadable)
BATCH_LOOK_UPS = 2_000_000
#: columns a batch CSV's header may have: a template's variables (at most 50) and every job field, with room to
#: spare; a header of 300,000 commas (0.3 MB) held a request for half a minute, as each row was read into a dict
#: of every column and each column looked for in every row
MAX_COLUMNS = 200
#: distinct webhook hosts one batch may name: each is resolved (inside the request, all within one deadline) once
MAX_WEBHOOK_HOSTS = 5


def rows_and_header(upload) -> tuple[list[dict[str, Any]], list[str] | None]:
    """An uploaded CSV's or JSONL's rows (empty CSV cells left out), and the CSV's header (None for JSONL)."""
    raw = upload.read(ctx().settings.max_asset_bytes + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemError("batch_unreadable", "The file must be UTF-8 CSV or JSONL.", 422) from None
    name = (upload.filename or "").lower()
    if name.endswith(".jsonl") or name.endswith(".ndjson") or text.lstrip().startswith("{"):
        rows: list[dict[str, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if len(rows) == MAX_ITEMS:
                raise _too_many()
            try:
                row = loads_bounded(line, what=f"line {number}")
            except ProblemError as exc:
                if exc.code != "json_invalid":
                    raise  # too deep, a number or a string no database holds: its own code
                raise ProblemError("batch_unreadable", f"line {number}: not JSON.", 422) from None
            if not isinstance(row, dict):
                raise ProblemError("batch_unreadable", f"line {number}: each line must be a JSON object.", 422)
            rows.append(row)
        return rows, None
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    rows = []
    try:
        if not reader.fieldnames:
            raise ProblemError("batch_unreadable", "The CSV has no header row.", 422)
        if len(reader.fieldnames) > MAX_COLUMNS:
            raise ProblemError(
                "batch_header_invalid",
                f"The CSV's header has {len(reader.fieldnames)} columns; a batch's may have at most {MAX_COLUMNS}.",
                422,
            )
        for row in reader:
            if len(rows) == MAX_ITEMS:
                raise _too_many()
            rows.append(_typed({k: v for k, v in row.items() if k is not None and v not in (None, "")}))
    except csv.Error as exc:
        # the csv module's own bound (csv.field_size_limit(), 128 KiB) is far above any usable cell
        if "field larger than field limit" in str(exc):
            raise ProblemError(
                "batch_field_too_large",
                f"line {reader.line_num}: a cell is longer than {csv.field_size_limit()} characters.",
                422,
            ) from None
        raise ProblemError("batch_unreadable", f"line {reader.line_num}: not CSV ({exc}).", 422) from None
    return rows, list(reader.fieldnames)


def _delimiter(text: str) -> str:
    """What separates the CSV's columns: a comma, or semicolons (Excel's "CSV" where a decimal comma is the custom:
    most of Europe) or tabs (a sheet saved as text) where they cut the header row into more columns."""
    header = text.lstrip("\r\n").partition("\n")[0]
    # the one that cuts the header into the most columns, read as CSV (a quoted "Notes, internal" among
    # semicolons is one column); a comma where they tie
    columns = {}
    for mark in (",", ";", "\t"):
        try:
            columns[mark] = len(next(csv.reader([header], delimiter=mark), []))
        except csv.Error:  # a cell past the csv module's bound: the reader below refuses it in its own words
            columns[mark] = 0
    return max(columns, key=lambda mark: (columns[mark], mark == ","))


def _too_many() -> ProblemError:
    return ProblemError("batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this file has more.", 413)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """CSV cells are text; the one numeric job field is priority, the one true-or-false field draft."""
    if "priority" in row:
        try:
            row["priority"] = int(row["priority"])
        except ValueError:
            pass  # left as text: the schema names it as the wrong type
    if isinstance(row.get("draft"), str) and row["draft"].strip().lower() in ("true", "false"):
        row["draft"] = row["draft"].strip().lower() == "true"
    return row


def named_rows(upload, names: list[str]) -> list[dict[str, Any]]:
    """An uploaded file's rows keyed by the names their columns fill: a CSV's header matched to ``names`` as
    people head spreadsheets (api/batch_header.py), 422 ``batch_header_invalid`` when two columns fill one;
    a column that fills none keeps its heading. A JSONL line's keys are taken as they are."""
    rows, header = rows_and_header(upload)
    if header is None:
        return rows
    match = match_header(header, names, rows)
    if match.twice:
        raise match.refused(match.twice_faults(), {})
    return with_columns(rows, match.columns)


def with_columns(rows: list[dict[str, Any]], columns: dict[str, str]) -> list[dict[str, Any]]:
    """CSV rows keyed by the names their columns fill (``HeaderMatch.columns``),
    their cells typed as those names take them (a "Priority" column's cells are numbers too)."""
    return [_typed({columns.get(column, column): cell for column, cell in row.items()}) for row in rows]


def webhook_checker(items: list[dict[str, Any]], defaults: dict[str, Any], tenant_id: str):
    """A webhook check for this batch's items that resolves each distinct host once, after refusing
    a batch that names more than MAX_WEBHOOK_HOSTS of them. The look-ups share one deadline,
    TALKFARM_WEBHOOK_LOOKUP_TIMEOUT_S from the first: a host left when it has passed is refused
    unresolved (the batch is refused anyway), so the batch holds its API thread no longer than one
    single job would. A 503 webhook_lookup_busy is not an item's fault and refuses the whole batch."""
    hosts: set[tuple[str, int]] = set()
    for item in [defaults, *items]:
        url = item.get("webhook_url") if isinstance(item, dict) else None
        if isinstance(url, str) and url:
            try:
                _, host, port = parse_webhook_url(url)
            except ProblemError:
                continue  # the item's own check names it
            hosts.add((host.lower(), port))
    if len(hosts) > MAX_WEBHOOK_HOSTS:
        raise ProblemError(
            "batch_webhook_hosts_too_many",
            f"A batch may send webhooks to at most {MAX_WEBHOOK_HOSTS} "
            f"hosts; this one names {len(hosts)}. Register an endpoint (POST /v1/webhooks) instead.",
            422,
        )
    verdicts: dict[tuple[str, int], ProblemError | None] = {}
    deadline: list[float] = []  # set by the first look-up

    def check(url: str, settings) -> None:
        _, host, port = parse_webhook_url(url)
        if (host.lower(), port) not in verdicts:
            if not deadline:
                deadline.append(time.monotonic() + settings.webhook_lookup_timeout_s)
            try:
                check_in_time(url, settings, tenant_id, deadline=deadline[0])
                verdicts[(host.lower(), port)] = None
            except LookupBusy:
                raise  # not the item's verdict: the request's
            except ProblemError as problem:
                verdicts[(host.lower(), port)] = problem
        verdict = verdicts[(host.lower(), port)]
        if verdict is not None:
            raise verdict

    return check


def refuse_rows(errors: dict[str, Any], total: int) -> None:
    """422 ``batch_invalid`` listing every bad item by index, when there is one: nothing is created."""
    if errors:
        first = min(errors, key=int)
        raise ProblemError(
            "batch_invalid",
            f"{len(errors)} of {total} items are invalid (first: item {first}); nothing was created.",
            422,
            errors=errors,
        )


def create_jobs(session, tenant: Tenant, checked: list[intake.Intake], metadata: dict[str, Any]) -> dict[str, Any]:
    """The batch and its jobs, every item checked already: one transaction, admitted within the tenant's
    share as single jobs are, sent to the broker after the commit. Returns the batch's document."""
    c = ctx()
    intake.check_in_flight_limit(session, c.settings, tenant, adding=len(checked))
    batch = Batch(tenant_id=tenant.id, size=len(checked), metadata_=metadata)
    session.add(batch)
    session.flush()
    for spec in checked:
        intake.new_job(session, c.settings, tenant, spec, batch_id=batch.id)
    admission = c.admission()
    for pool in sorted({s.pool for s in checked}):
        admission.admit(session, pool)
    session.commit()
    document = batch_document(session, batch)
    admission.send()
    return document


def form_defaults(form: Any) -> dict[str, Any]:
    """A multipart batch's ``defaults`` field: a JSON object, bounded like every body; 422 otherwise."""
    try:
        defaults = loads_bounded(form.get("defaults") or "{}", what="`defaults`")
    except ProblemError as exc:
        if exc.code != "json_invalid":
            raise
        raise ProblemError("validation_error", "`defaults` must be a JSON object.", 422) from None
    if not isinstance(defaults, dict):
        raise ProblemError("validation_error", "`defaults` must be a JSON object.", 422)
    return defaults
