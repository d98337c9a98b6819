"""Jobs: the list, a new video (script, portrait, voice, render settings;
draft first), a job's page (stage, progress, ETA, the video with captions,
downloads, approve a draft), and the small fragments they poll."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests
from flask import abort, make_response, redirect, render_template, request, url_for

from api.context import ctx
from api.web import public_api
from api.web.blueprint import page
from api.web.brand_kit_pages import kit_choices
from api.web.catalog import load_catalog
from api.web.compose_form import ASPECTS, BACKGROUND_TYPES, CAPTION_STYLES, DEFAULT_PLACE, LOGO_CORNERS, LOGO_SIZES
from api.web.job_form import job_errors, job_request
from api.web.public_api import ApiRefused
from api.web.responses import field_errors, fragment_with_etag
from domain.states import FINISHED_STATES, JobState

FINISHED = tuple(s.value for s in FINISHED_STATES)
#: what the page says when "a recorded narration" is chosen and none was uploaded
NO_NARRATION = {"code": "asset_empty", "message": "Upload the narration first."}
PAGE_SIZE = 50


# --- the list -------------------------------------------------------------------------------
#: the list's search and filters, as the query string carries them to GET /v1/jobs
LIST_FILTERS = ("q", "status", "template_id", "batch_id")


def _filters() -> dict[str, str]:
    return {k: request.args[k].strip() for k in LIST_FILTERS if (request.args.get(k) or "").strip()}


def _job_rows(filters: dict[str, str], cursor: str | None) -> dict:
    return public_api.get("/v1/jobs", **filters, cursor=cursor or None, limit=PAGE_SIZE)


def _row_basis(listing: dict) -> list:
    return [
        (j["id"], j["status"], j["stage"], round(j["progress"], 2), bool(j.get("poster_url")), _deleted(j))
        for j in listing["items"]
    ]


def _deleted(job: dict) -> bool:
    return bool((job.get("template") or {}).get("deleted"))


def _choices(path: str) -> list[dict]:
    """The filter's choices (templates, recent batches); none when the API has no such list."""
    try:
        return list(public_api.get(path, limit=50).get("items", []))
    except ApiRefused:
        return []


@page.route("/jobs")
def jobs():
    filters = _filters()
    try:
        listing = _job_rows(filters, request.args.get("cursor"))
        errors = {}
    except ApiRefused as refused:
        listing, errors = {"items": [], "next_cursor": None}, field_errors(refused, {}, "q")
    return render_template(
        "jobs.html",
        title="Jobs",
        listing=listing,
        filters=filters,
        errors=errors,
        statuses=tuple(s.value for s in JobState),
        templates=_choices("/v1/templates"),
        batches=_choices("/v1/batches"),
    ), 422 if errors else 200


@page.route("/jobs/rows")
def job_rows():
    filters = _filters()
    listing = _job_rows(filters, request.args.get("cursor"))
    return fragment_with_etag("fragments/job_rows.html", _row_basis(listing), listing=listing, filters=filters)


# --- a new video ----------------------------------------------------------------------------
def _form_values() -> dict[str, Any]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


@page.route("/jobs/new", methods=["GET", "POST"])
def new_job():
    catalog = load_catalog()
    form: dict[str, Any] = {"draft": "on", "vary_script": "on", "vary_headline": "on", "vary_voice": "on"}
    errors: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        form = _form_values()
        if form.get("source") == "narration" and not form.get("audio_asset_id"):
            errors = {"narration": NO_NARRATION}
        else:
            try:
                job = public_api.post("/v1/jobs", job_request(form, catalog))
                return redirect(url_for("page.job", job_id=job["id"]), 303)
            except ApiRefused as refused:
                errors = job_errors(refused, form, "form")
    return render_new_job(form, errors, catalog)


def render_new_job(form: dict[str, Any], errors: dict[str, dict[str, str]], catalog: dict):
    """The new-video page with the form as sent (its uploads shown again) and the errors beside their fields."""
    asset = {
        k: _asset_or_none(form[k]) if form.get(k) else None
        for k in ("avatar_asset_id", "audio_asset_id", "background.asset_id", "music.asset_id", "logo.asset_id")
    }
    open_settings = any(k.startswith(("params.", "model")) for k in errors)
    return render_template(
        "new_job.html",
        title="New video",
        catalog=catalog,
        kits=kit_choices(),
        form=form,
        errors=errors,
        portrait=asset["avatar_asset_id"],
        narration=asset["audio_asset_id"],
        aspects=ASPECTS,
        places=DEFAULT_PLACE,
        caption_styles=CAPTION_STYLES,
        background_types=BACKGROUND_TYPES,
        background=asset["background.asset_id"],
        music=asset["music.asset_id"],
        logo=asset["logo.asset_id"],
        logo_corners=LOGO_CORNERS,
        logo_sizes=LOGO_SIZES,
        settings_open=open_settings,
        max_bytes=ctx().settings.max_asset_bytes,
        max_chars=ctx().settings.max_script_chars,
    ), 422 if errors else 200


def _asset_or_none(asset_id: str) -> dict | None:
    try:
        return public_api.get(f"/v1/assets/{asset_id}")
    except ApiRefused:
        return None


@page.route("/jobs/new/portrait", methods=["POST"])
def upload_portrait():
    """htmx: upload the chosen portrait; answer with the face the farm found, or why it cannot use it."""
    asset, error = public_api.forward_upload("/v1/assets", "Choose a portrait file.", purpose="portrait")
    if asset is not None and asset["kind"] != "image":
        message = f"That file is {asset['kind']}, not a portrait."
        asset, error = None, {"code": "avatar_not_image", "message": message}
    return render_template("fragments/portrait.html", portrait=asset, errors={"avatar": error} if error else {})


@page.route("/jobs/new/narration", methods=["POST"])
def upload_narration():
    """htmx: upload the chosen narration; answer with its length, or why the farm cannot use it."""
    asset, error = public_api.forward_upload(
        "/v1/assets", "Choose a narration file.", field="narration", purpose="narration"
    )
    if asset is not None and asset["kind"] != "audio":
        message = f"That file is {'a video' if asset['kind'] == 'video' else 'a picture'}, not a narration."
        asset, error = None, {"code": "asset_not_audio", "message": message}
    return render_template("fragments/narration.html", narration=asset, errors={"narration": error} if error else {})


# --- one job --------------------------------------------------------------------------------
def _job(job_id: str) -> dict:
    return public_api.get(f"/v1/jobs/{job_id}")


def _events(job_id: str) -> list[dict]:
    try:
        return public_api.get(f"/v1/jobs/{job_id}/events").get("items", [])
    except ApiRefused:
        return []


def is_draft(job: dict) -> bool:
    return bool(job.get("draft"))


def _status_basis(job: dict) -> tuple:
    eta = job.get("eta_s")
    return (
        job["status"],
        job["stage"],
        round(job["progress"], 2),
        None if eta is None else round(eta / 5),
        job.get("final_job_id"),
        (job.get("error") or {}).get("code"),
    )


def render_seconds(job: dict) -> float | None:
    """How long a finished job took from its first attempt's start to its end, in seconds; None if it never
    started. Not the sum of its ``timings``: those are stages that run beside and inside one another (the
    render inside ``render_encode``, x264's CPU seconds across both cores), and add up to two or three times
    the time the job took."""
    started, finished = job.get("started_at"), job.get("finished_at")
    if not started or not finished:
        return None
    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return max(seconds, 0.0)


def draft_cost(job: dict) -> dict | None:
    """On a final approved from a draft: the draft's render time against the final's."""
    if not job.get("draft_of") or job["status"] != JobState.SUCCEEDED:
        return None
    try:
        draft = _job(job["draft_of"])
    except ApiRefused:
        return None
    draft_s, final_s = render_seconds(draft), render_seconds(job)
    if not draft_s or not final_s:
        return None
    return {"draft_s": round(draft_s, 1), "final_s": round(final_s, 1), "share": round(100 * draft_s / final_s)}


def page_title(job: dict) -> str:
    """The tab's title, as the page's heading reads: what the video is, its title (else its id)."""
    kind = "Draft" if is_draft(job) else "Video"
    return f"{kind}: {job['title']}" if job.get("title") else f"{kind} {job['id']}"


@page.route("/jobs/<job_id>")
def job(job_id):
    found = _job(job_id)
    # the history is shown once the job has finished (the polled fragment would drop it meanwhile)
    events = _events(job_id) if found["status"] in FINISHED else None
    return render_template(
        "job.html",
        title=page_title(found),
        job=found,
        draft=is_draft(found),
        events=events,
        finished=FINISHED,
        cost=draft_cost(found),
        rendered_s=render_seconds(found),
    )


@page.route("/jobs/<job_id>/status")
def job_status(job_id):
    found = _job(job_id)
    finished = found["status"] in FINISHED
    return fragment_with_etag(
        "fragments/job_status.html",
        _status_basis(found),
        job=found,
        draft=is_draft(found),
        finished=FINISHED,
        events=_events(job_id) if finished else None,
        cost=draft_cost(found) if finished else None,
        rendered_s=render_seconds(found) if finished else None,
    )


@page.route("/jobs/<job_id>/approve", methods=["POST"])
def approve(job_id):
    return _post_action(job_id, "approve")


@page.route("/jobs/<job_id>/<action>", methods=["POST"])
def job_action(job_id, action):
    if action not in ("cancel", "retry"):
        abort(404)
    return _post_action(job_id, action)


def _post_action(job_id: str, action: str):
    """POST the job's ``action`` to the API: on to the job it answers with (a draft's final for
    approve), or back to the job's page with why not, under ``errors[action]``."""
    try:
        answer = public_api.post(f"/v1/jobs/{job_id}/{action}", {})
    except ApiRefused as refused:
        found = _job(job_id)
        return render_template(
            "job.html",
            title=page_title(found),
            job=found,
            draft=is_draft(found),
            events=_events(job_id),
            finished=FINISHED,
            rendered_s=render_seconds(found),
            errors={action: {"code": refused.code, "message": refused.detail}},
        ), refused.status
    return redirect(url_for("page.job", job_id=answer.get("id", job_id)), 303)


@page.route("/jobs/<job_id>/captions.vtt")
def captions(job_id):
    """The captions track, from this origin (a <track> from another origin would need CORS on the store)."""
    found = _job(job_id)
    files = (found.get("output") or {}).get("files") or {}
    if "captions_vtt" not in files:
        abort(404)
    url = files["captions_vtt"]["url"]
    base = ctx().base_url()
    if url.startswith(base + "/"):
        upstream = public_api.raw_get(url[len(base) :])
        body, status = upstream.get_data(), upstream.status_code
    else:
        fetched = requests.get(url, timeout=10)
        body, status = fetched.content, fetched.status_code
    if status != 200:
        abort(502)
    response = make_response(body)
    response.headers["Content-Type"] = "text/vtt; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
