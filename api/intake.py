"""Turning a validated job request into a job row: every check a caller can
fail happens here, before anything is written. Used by POST /v1/jobs and by
batches (which check every item before creating any)."""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Session

from api.asset_uses import USES, asset_for_use, check_composition_assets
from api.brand_kit_store import kit_for_job, kit_values
from domain import params as render_params
from domain.brand_kits import apply_kit, check_readable, intro_outro, readable
from domain.composition import COMPOSITION_KEYS, normalise_composition, scene_text
from domain.composition_checks import refuse
from domain.config import Settings
from domain.drafts import draft_render
from domain.errors import ProblemError
from domain.ids import new_wm_code
from domain.lifecycle import add_event
from domain.models import Job, Tenant
from domain.poolstats import live_workers
from domain.presets import PRESETS
from domain.states import EventType, JobState
from domain.timeutil import utcnow
from domain.titles import job_title
from media.compose import DRAWN_SCRIPTS, caption_fonts, largest_caption_size, text_overflows, undrawable
from media.errors import MediaError
from media.render import known_models
from media.tts import check_script, voice_for_script
from tasks.webhook_lookups import request_checker

#: which pools serve each accelerator request; `auto` prefers accelerators
ACCELERATOR_POOLS = {
    "gpu": ["amd64-gpu"],
    "npu": ["arm64-npu"],
    "cpu": ["cpu"],
    "auto": ["amd64-gpu", "arm64-npu", "cpu"],
}


@dataclass
class Intake:
    spec: dict[str, Any]
    pool: str
    priority: int
    metadata: dict[str, Any]
    webhook_url: str | None
    accelerator: str
    title: str | None = None


def choose_pool(
    session: Session,
    settings: Settings,
    accelerator: str,
    model_pools: Collection[str] | None,
    model: str | None = None,
) -> str:
    """The pool for a job: the accelerator's; for ``auto``, the first of GPU, NPU, CPU with an online
    worker that has not refused ``model``, else ``cpu``."""
    candidates = [p for p in ACCELERATOR_POOLS[accelerator] if p in settings.pools]
    if model_pools is not None:
        candidates = [p for p in candidates if p in model_pools]
    if not candidates:
        offered = ", ".join(settings.pools)
        raise ProblemError(
            "no_compatible_pool",
            f"No pool of this farm offers accelerator '{accelerator}' for this model (pools: {offered}).",
            422,
        )
    if accelerator != "auto" or len(candidates) == 1:
        return candidates[0]
    live = {
        w.tag
        for w in live_workers(session, settings)
        if w.state == "online" and not (model and (w.refused_models or {}).get(model))
    }
    for pool in candidates:  # accelerators first
        if pool in live:
            return pool
    return "cpu" if "cpu" in candidates else candidates[0]


def check_some_worker_serves(session: Session, settings: Settings, pool: str, model: str) -> None:
    """422 ``model_unavailable`` when every live worker of the pool refused to load the model (a file
    that does not fit its adapter, say): such a job could only fail. With no live worker, or one that
    has not said yet (still warming up), the job is taken."""
    workers = [w for w in live_workers(session, settings, pool) if w.state != "draining"]
    reasons = [(w.refused_models or {}).get(model) for w in workers]
    if workers and all(reasons):
        raise ProblemError(
            "model_unavailable",
            f"Every live worker of pool {pool!r} ({len(workers)}) refused to load model {model!r}: "
            f"{reasons[0]}. An operator must fix the model file or its entry in TALKFARM_MODELS.",
            422,
        )


def check_text_drawable(composition: dict[str, Any], single: bool) -> None:
    """Text no shipped font draws would show as boxes on the picture: a 422 ``text_undrawable`` naming the
    characters and the field (``single``: the body's single form, whose scene's fields are at its top level).

    - A text overlay's characters (emoji are drawn, in colour), unless it names an uploaded font (the tenant's
      to vouch for: its characters are read only when the worker draws it, and ones it lacks fall back to ours).
    - With burned-in captions, the letters of a scene's script or transcript (Khmer, say): a symbol there that
      no font draws (►) is not speech, and is left out of the burned-in captions instead."""
    burned = [composition["captions"]] + [r["captions"] for r in composition["renditions"] if r["captions"]]
    caption_font_uploaded = any((c["font"] or "").startswith("ast_") for c in burned if c["burn_in"])
    burns_in = any(c["burn_in"] for c in burned)
    for index, scene in enumerate(composition["scenes"]):
        at = "" if single else f"scenes[{index}]."
        for number, overlay in enumerate(scene["overlays"]):
            if overlay["type"] == "text" and not (overlay["font"] or "").startswith("ast_"):
                _refuse_undrawable(undrawable(overlay["text"]), f"{at}overlays[{number}].text")
        if burns_in and not caption_font_uploaded:
            for field in ("script", "transcript"):
                letters = [c for c in undrawable(scene.get(field) or "") if unicodedata.category(c).startswith("L")]
                _refuse_undrawable(letters, f"{at}{field}", "burned-in captions of ")


#: lines a text overlay may need at its floor size before a job's request is refused: the layout draws a title in
#: up to five (beside a logo, at a label's size) and wraps a lower third or a label rather than cut it. A template's
#: render keeps its roles' own, 2 and 1: a template is made to be filled many times, a job is what its caller wrote
REQUEST_TEXT_LINES = {"title": 5, "lower_third": 4, "label": 3}
#: distinct text layouts (a text on a canvas size, about 1 ms each) one request measures; a batch's rows share them,
#: and a text measured once is not measured again. Texts past it are left to the worker, which draws a text
#: smaller until it stays on the canvas
TEXT_FIT_LAYOUTS = 400
#: and characters laid out, summed over those layouts: a layout costs about 20 µs a character, so 400 labels of 500
#: distinct characters took 4.8 CPU-s to accept (2026-12-08); this keeps a request's measuring under about 0.5 s
TEXT_FIT_CHARS = 20_000


def check_text_fits(composition: dict[str, Any], single: bool) -> None:
    """A text overlay that needs more lines than the layout can give it even shrunk
    (``media.compose.text_overflows``, ``REQUEST_TEXT_LINES``) on a canvas it is drawn on (the job's or a
    rendition's: a draft is a smaller copy of them) would run down over the presenter: a 422 ``text_overflow``
    naming the field, before anything is stored. At most ``TEXT_FIT_LAYOUTS`` distinct layouts and ``TEXT_FIT_CHARS`` characters a request."""
    sizes = list(
        dict.fromkeys(
            (c["width"], c["height"])
            for c in [composition["canvas"]] + [r["canvas"] for r in composition["renditions"]]
        )
    )
    for index, scene in enumerate(composition["scenes"]):
        at = "" if single else f"scenes[{index}]."
        for number, overlay in enumerate(scene["overlays"]):
            if overlay["type"] != "text":
                continue
            # an uploaded font is read only by the worker: the text is measured in the shipped one it falls back to
            font = None if (overlay["font"] or "").startswith("ast_") else overlay["font"]
            for width, height in sizes:
                fits = _fits(str(overlay["text"]), overlay["role"], overlay.get("size"), font, width, height)
                if fits is None:
                    return  # the request's layouts are spent: the worker shrinks what is left to fit
                if not fits:
                    refuse(
                        "text_overflow",
                        f"{at}overlays[{number}].text",
                        f"The text does not fit its {overlay['role']} overlay on the {width}x{height} canvas "
                        f"({len(overlay['text'])} characters) even wrapped in {REQUEST_TEXT_LINES[overlay['role']]} "
                        "lines and shrunk. Shorten it.",
                    )


def check_captions_fit(composition: dict[str, Any], sent: dict[str, Any]) -> None:
    """A burned-in caption ``size`` the request gives (``sent``: the body as sent, before a brand kit filled it)
    whose one line, with its box, would take more than a quarter of the safe area's height on a canvas it is drawn
    on (``media.compose.largest_caption_size``, in the tallest font the scenes' words are drawn in) is refused: a
    422 with the captions' code naming their ``size`` and the largest that fits there. A rendition without
    captions of its own draws the job's on its canvas. At 400 on 1280x720 a page was taller than the canvas, cut
    off at its top and over the whole face. A size the brand kit gives is not the caller's to change (the page has
    no field for it): on a canvas too small for it, the captions are drawn smaller to fit, as any page is."""
    text = " ".join(scene_text(scene) for scene in composition["scenes"])
    cuts = [(composition["canvas"], composition["captions"], "captions", "captions_invalid")]
    for index, rendition in enumerate(composition["renditions"]):
        own = rendition["captions"] is not None
        captions = rendition["captions"] if own else composition["captions"]
        path = f"renditions[{index}].captions" if own else "captions"
        cuts.append((rendition["canvas"], captions, path, "renditions_invalid" if own else "captions_invalid"))
    for canvas, captions, path, code in cuts:
        if not captions["burn_in"] or captions["size"] is None or not _size_sent(sent, path):
            continue
        width, height = canvas["width"], canvas["height"]
        largest = _largest_caption_size(captions["font"], text, width, height)
        if captions["size"] > largest:
            refuse(
                code,
                f"{path}.size",
                f"Captions of size {captions['size']} do not fit the {width}x{height} canvas: one line would take "
                f"more than a quarter of its safe area's height. The largest that fits is {largest}.",
            )


def _size_sent(sent: dict[str, Any], path: str) -> bool:
    """Whether the request as sent gives the captions' size at ``path`` (``captions``, ``renditions[i].captions``)."""
    given: Any = sent
    for part in path.replace("]", "").replace("[", ".").split("."):
        given = given[int(part)] if isinstance(given, list) and part.isdigit() else (given or {}).get(part)
        if given is None:
            return False
    return isinstance(given, dict) and given.get("size") is not None


def _largest_caption_size(font: str | None, text: str, width: int, height: int) -> int:
    # an uploaded font is read only by the worker: measured in the shipped one it falls back to
    shipped = None if (font or "").startswith("ast_") else font
    return _largest_in(_fonts_of(shipped, text), width, height)


@functools.lru_cache(maxsize=64)
def _fonts_of(font: str | None, text: str) -> frozenset[str]:
    """The fonts a text's captions are drawn in: once per text, not once per canvas (a batch of 1,000 rows, each
    on its own canvas with four renditions, read a 17,000-character script 5,000 times: 60 CPU-s)."""
    return caption_fonts({"font": font}, text)


@functools.lru_cache(maxsize=4096)
def _largest_in(fonts: frozenset[str], width: int, height: int) -> int:
    return largest_caption_size({}, width, height, fonts=fonts)


def _fits(text: str, role: str, size: int | None, font: str | None, width: int, height: int) -> bool | None:
    """Whether the text fits (``_measured``), or None once this request has measured ``TEXT_FIT_LAYOUTS`` texts or
    ``TEXT_FIT_CHARS`` characters."""
    key = (text, role, size, font, width, height)
    seen: dict[tuple, bool] = g.setdefault("text_fits", {}) if has_app_context() else {}
    if key not in seen:
        laid_out = sum(len(measured[0]) for measured in seen)
        if len(seen) >= TEXT_FIT_LAYOUTS or laid_out + len(text) > TEXT_FIT_CHARS:
            return None
        seen[key] = not _overflows(*key)
    return seen[key]


@functools.lru_cache(maxsize=2048)
def _overflows(text: str, role: str, size: int | None, font: str | None, width: int, height: int) -> bool:
    overlay = {"text": text, "role": role, "size": size, "font": font}
    return text_overflows(overlay, width, height, max_lines=REQUEST_TEXT_LINES[role])


def _refuse_undrawable(missing: list[str], path: str, what: str = "") -> None:
    if missing:
        shown = ", ".join(repr(char) for char in missing[:10])
        refuse(
            "text_undrawable",
            path,
            f"No font the farm ships draws {shown} ({what}this text would show them as boxes). The shipped fonts "
            f"draw {DRAWN_SCRIPTS} and common symbols; take them out, or name an uploaded font (purpose=font) that "
            "has them.",
        )


def check_spec(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    body: dict[str, Any],
    *,
    check_webhook: Callable[[str, Settings], object] | None = None,
) -> Intake:
    """Every check of one job request. ``check_webhook`` checks its webhook_url: by default within the
    look-up deadline and the tenant's share (tasks/webhook_lookups.py); a batch passes one that resolves
    each host once."""
    kit_row = kit_for_job(session, tenant, body.get("brand_kit_id"))  # the named kit, else the tenant's default
    kit = kit_values(kit_row)
    sent = body
    composition = normalise_composition(body)  # None for today's square job; a coded 422 for a bad field
    if composition is not None:
        # the kit fills what the caller left out (judged on the body as sent, not on its normalised defaults),
        # then the whole is normalised again, so the kit's values take the same checks and derived defaults
        body = apply_kit(kit, body)
        composition = normalise_composition(body)
        assert composition is not None
        composition.update({part: clip for part, clip in intro_outro(kit).items() if clip is not None})
    spec: dict[str, Any] = {"model": body["model"], "brand_kit": {"id": kit_row.id, "version": kit_row.version}}
    if composition is not None and body.get("scenes") is not None:
        # the scenes form: the job's top-level speech and face are its first scene's, as a square job would have them
        audio_duration = check_scenes(session, settings, tenant, composition["scenes"], spec)
    else:
        audio_duration = check_speech_and_face(session, settings, tenant, body, spec)
        if composition is not None:
            fill_scene(composition["scenes"][0], spec)
    if composition is not None:
        check_composition_assets(session, tenant.id, composition)
        check_text_drawable(composition, single=body.get("scenes") is None)
        check_text_fits(composition, single=body.get("scenes") is None)
        check_captions_fit(composition, sent)
        spec["composition"] = composition

    models = known_models(settings)
    model = models.get(body["model"])
    if model is None:
        raise ProblemError(
            "model_unknown", f"No model named {body['model']!r}; known: {', '.join(sorted(models))}.", 422
        )

    merged = render_params.with_defaults(body.get("params"))
    duration = merged.get("duration")
    if duration is not None and composition is not None and len(composition["scenes"]) > 1:
        raise ProblemError(
            "scenes_invalid",
            "params.duration applies to one narration; a job of several scenes lasts as long as they do.",
            422,
            errors={"params": {"duration": ["Leave it out."]}},
        )
    if duration is not None and audio_duration is not None:
        if abs(duration - audio_duration) > 1.0 / merged["fps"]:
            raise ProblemError(
                "duration_mismatch",
                f"params.duration is {duration:.3f} s but the audio lasts {audio_duration:.3f} s.",
                422,
                errors={"params": {"duration": ["Must equal the audio length."]}},
            )
    spec["params"] = merged
    if body.get("draft"):  # params stay the final's: approving the draft renders them
        spec["draft"] = True
        spec["draft_render"] = draft_render(merged, composition["canvas"] if composition else None)
    spec["watermark"] = _watermark(tenant, kit["watermark"], body.get("watermark"))
    if (body.get("watermark") or {}).get("logo_asset_id"):
        asset_for_use(
            session, tenant.id, body["watermark"]["logo_asset_id"], "watermark.logo_asset_id", USES["watermark_logo"]
        )

    metadata = body.get("metadata") or {}  # bounded by the schema (api/schemas.JsonDocument)
    webhook_url = body.get("webhook_url")
    if webhook_url:
        (check_webhook or request_checker(tenant.id))(webhook_url, settings)
    pool = choose_pool(session, settings, body["accelerator"], model.pools, model.name)
    check_some_worker_serves(session, settings, pool, model.name)
    return Intake(
        spec=spec,
        pool=pool,
        priority=body["priority"],
        metadata=metadata,
        webhook_url=webhook_url,
        accelerator=body["accelerator"],
        title=job_title(body.get("title"), spec),
    )


def check_speech_and_face(
    session: Session, settings: Settings, tenant: Tenant, source: dict[str, Any], spec: dict[str, Any]
) -> float | None:
    """The job's (or a scene's) script or narration, avatar and voice, written into ``spec`` as a square job has
    them; returns the narration's length, if any."""
    script = source.get("script")
    spec["language"] = source.get("language")
    if script is not None and source.get("transcript"):
        raise ProblemError(
            "transcript_with_script",
            "transcript applies to narration (audio_asset_id); a script job's words are its script.",
            422,
        )
    if script is not None:
        script = script.strip()
        if not script:
            raise ProblemError("script_empty", "The script is empty.", 422)
        check_script(script)  # media's own refusals (text_invalid_character, script_unspeakable), as a 422 now
        if len(script) > settings.max_script_chars:
            raise ProblemError(
                "script_too_long",
                f"The script has {len(script)} characters; the limit is {settings.max_script_chars}.",
                422,
            )
        spec["script"] = script
    audio_duration = None
    if source.get("audio_asset_id"):
        audio = asset_for_use(session, tenant.id, source["audio_asset_id"], "audio_asset_id", USES["narration"])
        spec["audio_asset_id"] = audio.id
        transcript = (source.get("transcript") or "").strip()
        if len(transcript) > settings.max_script_chars:
            raise ProblemError(
                "transcript_too_long",
                f"The transcript has {len(transcript)} characters; the limit is {settings.max_script_chars}.",
                422,
            )
        if transcript:
            spec["transcript"] = transcript
        audio_duration = float(audio.info.get("duration_s") or 0)

    avatar = source["avatar"]
    if avatar.startswith("ast_"):
        image = asset_for_use(session, tenant.id, avatar, "avatar", USES["avatar"])
        spec["avatar"] = {"asset_id": image.id}
    elif avatar in PRESETS:
        spec["avatar"] = {"preset": avatar}
    else:
        raise ProblemError(
            "avatar_unknown",
            f"avatar {avatar!r} is neither an asset id nor a preset ({', '.join(sorted(PRESETS))}).",
            422,
        )

    if script is not None:
        voice, detected = voice_for_script(script, source.get("voice"), source.get("language"), settings)
        spec["voice"] = voice.name
        spec["language"] = voice.language
        if detected is not None:
            spec["language_detected"] = {"language": detected.language, "confidence": detected.confidence}
    elif source.get("voice"):
        raise ProblemError("voice_with_audio", "voice applies to scripts; an audio job speaks with its own audio.", 422)
    return audio_duration


def check_scenes(
    session: Session, settings: Settings, tenant: Tenant, scenes: list[dict[str, Any]], spec: dict[str, Any]
) -> float | None:
    """Each scene's speech and face, checked as a square job's are and filled into the scene (voice, language,
    the script as spoken); the scenes together are bounded as one job's script or narration is. The top-level
    spec gets the first scene's. Returns the narration's length for a single narrated scene (params.duration
    must match it), else None."""
    total = 0
    durations = []
    for index, scene in enumerate(scenes):
        checked: dict[str, Any] = {}
        source = {**scene, "avatar": scene["avatar"].get("asset_id") or scene["avatar"].get("preset")}
        try:
            durations.append(check_speech_and_face(session, settings, tenant, source, checked))
        except ProblemError as refused:  # the same refusal, naming the scene
            refused.detail = f"scenes[{index}]: {refused.detail}"
            raise
        except MediaError as refused:  # media's own (a voice, the script's characters), a 422 naming the scene
            raise ProblemError(refused.code, f"scenes[{index}]: {refused.detail}", 422) from refused
        fill_scene(scene, checked)
        total += len(checked.get("script") or "")
        if index == 0:
            spec.update(checked)
    if total > settings.max_script_chars:
        raise ProblemError(
            "script_too_long",
            f"The scenes' scripts have {total} characters together; the limit is {settings.max_script_chars}.",
            422,
        )
    narrated = sum(seconds for seconds in durations if seconds is not None)
    if narrated > settings.max_audio_s:  # one narration may last this long; so may a job's scenes together
        raise ProblemError(
            "audio_too_long",
            f"The scenes' narration lasts {narrated:.0f} s together; the limit is {settings.max_audio_s:.0f} s.",
            422,
        )
    return durations[0] if len(scenes) == 1 else None


def fill_scene(scene: dict[str, Any], checked: dict[str, Any]) -> None:
    """A scene as the worker reads it: the script as spoken, the voice and language resolved."""
    for key in ("script", "transcript", "voice", "language"):
        scene[key] = checked.get(key)


def _watermark(tenant: Tenant, kit_watermark: dict[str, Any], asked: dict[str, Any] | None) -> dict[str, Any]:
    """The job's visible watermark: its brand kit's (which began as the tenant's settings), overridden by the job
    where allowed."""
    chosen = {k: v for k, v in kit_watermark.items() if v is not None}
    for key, value in (asked or {}).items():
        if value is not None:
            chosen[key] = value
    if chosen.get("enabled") is False and not tenant.may_disable_watermark:
        raise ProblemError(
            "watermark_required",
            "This tenant may not turn the visible watermark off; ask the operator to allow it.",
            403,
        )
    check_readable(asked or {}, tenant.may_disable_watermark)  # what this request sets
    return readable(chosen, tenant.may_disable_watermark)  # what it inherits, at the floors


def request_hash(body: dict[str, Any]) -> str:
    """The Idempotency-Key's fingerprint of a request. Composition fields left out do not count, so a square
    job's fingerprint is what it was before compositions existed (a retry across the upgrade replays)."""
    counted = {k: v for k, v in body.items() if not (k in (*COMPOSITION_KEYS, "brand_kit_id", "title") and v is None)}
    return hashlib.sha256(json.dumps(counted, sort_keys=True, default=str).encode()).hexdigest()


def check_in_flight_limit(session: Session, settings: Settings, tenant: Tenant, adding: int = 1) -> None:
    limit = tenant.max_in_flight or settings.tenant_max_in_flight
    in_flight = session.execute(
        sa.select(sa.func.count())
        .select_from(Job)
        .where(Job.tenant_id == tenant.id, Job.status.in_((JobState.QUEUED, JobState.RUNNING)))
    ).scalar_one()
    if in_flight + adding > limit:
        raise ProblemError(
            "too_many_jobs_in_flight",
            f"{in_flight} jobs are queued or running; this tenant may have {limit} at once.",
            429,
            headers={"Retry-After": "30"},
        )


def new_job(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    intake: Intake,
    *,
    idempotency_key: str | None = None,
    body_hash: str | None = None,
    batch_id: str | None = None,
) -> Job:
    job = Job(
        tenant_id=tenant.id,
        batch_id=batch_id,
        status=JobState.QUEUED,
        title=intake.title,
        pool=intake.pool,
        accelerator=intake.accelerator,
        priority=intake.priority,
        spec=intake.spec,
        metadata_=intake.metadata,
        webhook_url=intake.webhook_url,
        idempotency_key=idempotency_key,
        request_hash=body_hash,
        wm_code=new_wm_code(),
        idempotency_expires_at=(utcnow() + timedelta(seconds=settings.idempotency_ttl_s)) if idempotency_key else None,
    )
    session.add(job)
    session.flush()
    add_event(session, job, EventType.CREATED, to_status=JobState.QUEUED, pool=intake.pool)
    return job
