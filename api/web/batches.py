"""Batches: a CSV (or JSONL) with an optional script template. The API checks
every row before creating anything, so a file with a bad row shows each row's
problem and creates nothing; then the batch's page follows its jobs."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import make_response, redirect, render_template, request, url_for

from api.context import ctx
from api.web import public_api
from api.web.blueprint import page
from api.web.catalog import job_fields_from_form, load_catalog
from api.web.public_api import ApiRefused
from api.web.responses import field_errors, fragment_with_etag
from domain.states import FINISHED_STATES

TEMPLATE_CSV = (
    "script,avatar,voice,priority\r\n"
    '"Welcome to the spring catalogue.",astronaut,,5\r\n'
    '"Our stores open at nine tomorrow.",astronaut,,5\r\n'
)
#: batches listed under the form, newest first (older ones a page further)
RECENT_BATCHES = 20
FIELD_OF_CODE = {
    "batch_file_missing": "file",
    "batch_unreadable": "file",
    "batch_empty": "file",
    "batch_too_large": "file",
    "batch_field_too_large": "file",
    "asset_too_large": "file",
    "payload_too_large": "file",
}


def _row_problems(errors: Any) -> list[dict[str, Any]]:
    """The API's per-item errors as rows of the file (item 0 is line 2, under the header)."""
    rows = []
    for index, problem in sorted((errors or {}).items(), key=lambda kv: int(kv[0])):
        if "fields" in problem:
            detail = "; ".join(
                f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in problem["fields"].items()
            )
        else:
            detail = problem.get("detail", "")
        rows.append({"item": int(index), "line": int(index) + 2, "code": problem.get("code"), "detail": detail})
    return rows


@page.route("/batches", methods=["GET", "POST"])
def batches():
    catalog = load_catalog()
    form: dict[str, Any] = {"draft": "on"}
    errors: dict[str, dict[str, str]] = {}
    rows: list[dict[str, Any]] = []
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}
        upload = request.files.get("file")
        data: dict[str, Any] = {"defaults": json.dumps(job_fields_from_form(form, catalog, ("avatar", "voice")))}
        if form.get("template", "").strip():
            data["template"] = form["template"]
        if upload is not None and upload.filename:
            data["file"] = (upload.stream, upload.filename, upload.mimetype or "text/csv")
        try:
            batch = public_api.call("POST", "/v1/batches", data=data).body
            return redirect(url_for("page.batch", batch_id=batch["id"]), 303)
        except ApiRefused as refused:
            if refused.code == "batch_invalid":
                rows = _row_problems(refused.errors)
                errors["file"] = {"code": refused.code, "message": refused.detail}
            else:
                errors = field_errors(refused, FIELD_OF_CODE, "file")
    recent = public_api.get("/v1/batches", limit=RECENT_BATCHES, cursor=request.args.get("cursor") or None)
    return render_template(
        "batches.html",
        title="Batches",
        catalog=catalog,
        form=form,
        errors=errors,
        rows=rows,
        recent=recent,
        max_bytes=ctx().settings.max_asset_bytes,
    ), 422 if errors else 200


@page.route("/batches/template.csv")
def batch_template():
    response = make_response(TEMPLATE_CSV)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="talkfarm-batch-template.csv"'
    return response


#: the rows a batch's page lists at once: the jobs list's largest page, as many times as a batch may need
JOBS_PAGE = 200
#: drafts one press of "Approve all drafts" approves (each is the API's approve: a job written and admitted), so
#: a request stays short for a batch of a thousand; the rest wait for the next press, and the page says how many
APPROVE_AT_ONCE = 50


def _batch_view(batch_id: str) -> tuple[dict, list[dict]]:
    """The batch and its jobs in the order of its rows (the batch's ``job_ids``), each with its ``row``: its
    line in the spreadsheet, the header being row 1, as a refused file's rows are numbered; and an approved
    draft with its ``final``, the job its approval made. Both are listed a page of JOBS_PAGE at a time, so a
    thousand rows and their finals are a few calls, not one a row."""
    batch = public_api.get(f"/v1/batches/{batch_id}")
    found = _listed(batch_id=batch_id)
    finals = _listed(finals_of_batch=batch_id) if any(j.get("final_job_id") for j in found.values()) else {}
    jobs = [
        {**found[job_id], "row": n + 2, "final": finals.get(found[job_id].get("final_job_id") or "")}
        for n, job_id in enumerate(batch["job_ids"])
        if job_id in found
    ]
    return batch, jobs


def _listed(**filters: str) -> dict[str, dict]:
    """Every job GET /v1/jobs lists with ``filters``, by id, paged through."""
    found: dict[str, dict] = {}
    cursor = None
    while True:
        listing = public_api.get("/v1/jobs", **filters, limit=JOBS_PAGE, cursor=cursor)
        found.update((j["id"], j) for j in listing["items"])
        cursor = listing.get("next_cursor")
        if not cursor:
            return found


def _finals_running(jobs: list[dict]) -> bool:
    """Whether a final of the batch's approved drafts is still to finish: the page follows it until it has."""
    return any(j["final"] and j["final"]["status"] not in FINISHED_STATES for j in jobs)


def _template_of(jobs: list[dict]) -> dict | None:
    """The template the batch's videos were made from (a template batch's rows share one), if any."""
    return next((j["template"] for j in jobs if j.get("template")), None)


def _render_batch(batch_id: str, approvals: list[dict] | None = None):
    found, jobs = _batch_view(batch_id)
    return render_template(
        "batch.html",
        title=f"Batch {batch_id}",
        batch=found,
        jobs=jobs,
        template=_template_of(jobs),
        drafts_to_approve=[j for j in jobs if j.get("draft") and not j.get("final_job_id")],
        finals_running=_finals_running(jobs),
        approve_at_once=APPROVE_AT_ONCE,
        approvals=approvals,
    )


@page.route("/batches/<batch_id>")
def batch(batch_id):
    return _render_batch(batch_id)


@page.route("/batches/<batch_id>/approve-drafts", methods=["POST"])
def approve_batch_drafts(batch_id):
    """The batch's drafts not yet approved, approved one by one (the API's approve, as the job page's button), at
    most ``APPROVE_AT_ONCE`` a press: what happened to each is listed, a refusal (a draft not finished yet) in its
    own words."""
    _, jobs = _batch_view(batch_id)
    approvals = []
    waiting = [job for job in jobs if job.get("draft") and not job.get("final_job_id")]
    for job in waiting[:APPROVE_AT_ONCE]:
        outcome: dict[str, Any] = {"job": job}
        try:
            answer = public_api.call("POST", f"/v1/jobs/{job['id']}/approve", json={})
            outcome.update(final_id=answer.body["id"], again=answer.status == 200)
        except ApiRefused as refused:
            outcome.update(code=refused.code, message=refused.detail)
        approvals.append(outcome)
    return _render_batch(batch_id, approvals)


@page.route("/batches/<batch_id>/progress")
def batch_progress(batch_id):
    found, jobs = _batch_view(batch_id)
    basis = (
        found["counts"],
        found.get("completed_at"),
        [(*_job_basis(j), *(_job_basis(j["final"]) if j["final"] else ())) for j in jobs],
        # the posters' and videos' links are signed: renewed at half their lifetime, as GET /v1/jobs/{id}'s ETag is
        int(time.time() // max(1, ctx().settings.output_url_expiry_s // 2)),
    )
    return fragment_with_etag(
        "fragments/batch_progress.html", basis, batch=found, jobs=jobs, finals_running=_finals_running(jobs)
    )


def _job_basis(job: dict) -> tuple:
    """What the batch's table shows of a job (a draft or its final)."""
    return (
        job["id"],
        job["status"],
        job["stage"],
        round(job["progress"], 2),
        bool(job.get("poster_url")),
        bool((job.get("output") or {}).get("url")),
        job.get("final_job_id"),
    )
