"""Rendering a template: values checked (each refusal naming its variable),
the body filled by the one bounded expander (domain/templates.py), then the
same intake as POST /v1/jobs. Used by POST /v1/templates/{id}/jobs and by
batches made from a template, which prepare a version once and render it
for every row."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError, validate
from sqlalchemy.orm import Session

from api import intake
from api.asset_uses import USES, AssetUse, asset_for_use
from api.ownership import owned
from api.problems import validation_code
from api.schemas import JobSpecSchema
from domain import composition_rules as R
from domain.config import Settings
from domain.errors import ProblemError
from domain.models import Asset, Template, TemplateVersion, Tenant
from domain.template_variables import WHOLE_FIELD_TYPES, resolve_values, variable_problem
from domain.templates import ParsedBody, Path, path_text
from media.compose import DRAWN_SCRIPTS, text_overflows, undrawable
from media.errors import MediaError
from media.tts import japanese_unknown_words, look_ups_skipped, resolve_voice

#: the highest version a request may name: template_versions.version is an INTEGER on PostgreSQL, and a number past
#: it is refused as any out-of-range field is (422), on SQLite as on PostgreSQL, rather than sent to the database
MAX_TEMPLATE_VERSION = 2**31 - 1
#: a request's ``version``: 1 up to MAX_TEMPLATE_VERSION
VERSION_RANGE = validate.Range(min=1, max=MAX_TEMPLATE_VERSION)
#: the fields a render request may set over the template's body
OVERRIDES = ("draft", "priority", "metadata", "webhook_url", "title")
_BACKGROUND = AssetUse(("background",), ("image", "video"))


def filled_max_chars(settings: Settings) -> int:
    """The bound on a filled body's placeholder text: a whole script and every overlay text a job may hold."""
    return settings.max_script_chars + R.MAX_SCENES * R.MAX_OVERLAYS * R.OVERLAY_TEXT_MAX_CHARS


def asset_use(path: Path) -> AssetUse:
    """What the asset field at ``path`` of a job body is for."""
    key, parent = path[-1], (path[-2] if len(path) > 1 else None)
    if key == "avatar":
        return USES["avatar"]
    if key == "audio_asset_id":
        return USES["narration"]
    if key == "logo_asset_id":
        return USES["watermark_logo"]
    if parent == "music":
        return USES["music"]
    if parent == "background":
        return _BACKGROUND
    return USES["overlay_image"]


def template_version(
    session: Session, template_id: str, version: int | None = None
) -> tuple[Template, TemplateVersion]:
    """The tenant's live template and one of its versions (the newest unless named); 404 otherwise."""
    template = owned(session, Template, template_id)
    if template.deleted_at is not None:
        raise ProblemError("template_not_found", "No template with that id for this tenant.", 404)
    number = template.version if version is None else version
    row = session.query(TemplateVersion).filter_by(template_id=template.id, version=number).one_or_none()
    if row is None:
        raise ProblemError(
            "template_version_not_found",
            f"Template {template.id} has no version {number} (its newest is {template.version}).",
            404,
        )
    return template, row


#: how many of the variables filling a refused field are each checked again to find the one to blame
MAX_BLAME_CHECKS = 4


@dataclass
class TemplateRenderer:
    """One template version, parsed once, rendered for as many value sets as a batch has rows."""

    row: TemplateVersion
    settings: Settings
    parsed: ParsedBody
    #: built once: a marshmallow schema costs more to build than to load a body with
    schema: JobSpecSchema = field(default_factory=JobSpecSchema)
    _assets: dict[tuple[str, str, AssetUse], ProblemError | None] = field(default_factory=dict)

    @classmethod
    def prepare(cls, row: TemplateVersion, settings: Settings) -> TemplateRenderer:
        return cls(row, settings, ParsedBody.parse(row.body, filled_max_chars(settings)))

    def render(
        self,
        session: Session,
        tenant: Tenant,
        given: Any,
        overrides: Mapping[str, Any],
        *,
        check_webhook: Callable[[str, Settings], object] | None = None,
    ) -> intake.Intake:
        """The job these values make, checked as POST /v1/jobs checks one; ``spec["template"]`` records where
        it came from. Every refusal of a value names its variable."""
        declared = self.row.variables
        values = resolve_values(declared, given)
        for variable in declared:
            value = values[variable["name"]]
            if value and variable["type"] in ("image", "video", "audio"):
                for path in self.parsed.paths_of(variable["name"]):
                    self._check_asset(session, tenant, variable, value, path)
            elif value and variable["type"] == "voice":
                try:
                    resolve_voice(value, None, self.settings)
                except MediaError as unknown:
                    raise variable_problem("variable_type", variable["name"], unknown.detail) from None
        try:
            checked = self._job(session, tenant, values, overrides, check_webhook)
        except (ProblemError, MediaError) as refused:
            raise self._named(refused, session, tenant, values, overrides) from None
        checked.spec["template"] = {"id": self.row.template_id, "version": self.row.version, "variables": values}
        return checked

    def _job(
        self,
        session: Session,
        tenant: Tenant,
        values: Mapping[str, str],
        overrides: Mapping[str, Any],
        check_webhook: Callable[[str, Settings], object] | None,
    ) -> intake.Intake:
        """The body filled with ``values`` and checked as POST /v1/jobs checks one."""
        body = self.parsed.fill(values)
        for variable in self.row.variables:  # an optional asset, voice or colour left empty: the field is left out
            if variable["type"] in WHOLE_FIELD_TYPES and not values[variable["name"]]:
                for path in self.parsed.paths_of(variable["name"]):
                    _parent(body, path)[path[-1]] = None
        body.update({k: v for k, v in overrides.items() if v is not None and k in self.schema.fields})
        if self.row.brand_kit_id and "brand_kit_id" in self.schema.fields:  # once jobs take brand kits (issue 19)
            body.setdefault("brand_kit_id", self.row.brand_kit_id)
        try:
            spec = self.schema.load(body)
        except ValidationError as exc:
            raise ProblemError(
                validation_code(exc.messages),
                "The job this template makes is not valid with these values.",
                422,
                errors=exc.messages,
            ) from None
        checked = intake.check_spec(session, self.settings, tenant, spec, check_webhook=check_webhook)
        self._check_fit(checked.spec.get("composition"), values)
        return checked

    def _named(
        self,
        refused: ProblemError | MediaError,
        session: Session,
        tenant: Tenant,
        values: Mapping[str, str],
        overrides: Mapping[str, Any],
    ) -> ProblemError | MediaError:
        """A refusal of the filled job, naming the variable whose value the refused field came from (in ``detail``
        and ``errors.variable``; ``errors.variables`` when several are to blame), with advice for the one who fills
        the template. A field several variables fill blames, for text no font draws, those whose values hold such
        characters (read, not checked again); for another refusal, those without whose value the job is taken,
        checked again once each for at most ``MAX_BLAME_CHECKS`` of them (a batch row is not worth
        fifty more checks of its job). A refusal of a field no variable fills (the body's own, an override's) is
        returned as it is."""
        errors = getattr(refused, "errors", None)
        if isinstance(errors, Mapping) and "variable" in errors:
            return refused
        fields, prefix = _refused_fields(refused)
        slots = [path for path in self.parsed.slots if path_text(path) in fields]
        names = [name for path in slots for name in self.parsed.slots[path].names if values.get(name)]
        candidates = list(dict.fromkeys(names))
        if not candidates:
            return refused

        def where_of(name: str) -> str:
            return next(path_text(path) for path in slots if name in self.parsed.slots[path].uses)

        if len(candidates) > 1:
            # a Japanese word with no reading is in the value that holds it (each value looked up once, less than
            # the job's own script; a check of the job again could be past a batch's look-up bound)
            holding = (
                [n for n in candidates if japanese_unknown_words(values[n])]
                if refused.code == "script_unreadable"
                else []
            )
            if refused.code == "text_undrawable":
                blamed = [n for n in candidates if _undrawable_advice(values[n], where_of(n)) is not None]
            elif holding:
                blamed = holding
            elif len(candidates) <= MAX_BLAME_CHECKS:
                blamed = [n for n in candidates if self._passes_without(session, tenant, values, n, overrides)]
            else:
                blamed = []
            candidates = blamed or candidates
        name = candidates[0]
        where = where_of(name)
        detail = _undrawable_advice(values[name], where) if refused.code == "text_undrawable" else None
        if detail is None:
            detail = refused.detail.removeprefix(prefix)
        extra: dict[str, Any] = {"field": where}
        if len(candidates) > 1:
            extra["variables"] = candidates
        return variable_problem(refused.code, name, detail, getattr(refused, "status", 422), **extra)

    def _passes_without(
        self, session: Session, tenant: Tenant, values: Mapping[str, str], name: str, overrides: Mapping[str, Any]
    ) -> bool:
        """Whether the job passes with ``name`` left empty, so ``name`` is to blame. A check past a batch's bound on
        Japanese look-ups skips the look-up and passes without proving anything: that is no blame."""
        skipped = look_ups_skipped()
        passes = self._refusal_code(session, tenant, {**values, name: ""}, overrides) is None
        return passes and look_ups_skipped() == skipped

    def _refusal_code(
        self, session: Session, tenant: Tenant, values: Mapping[str, str], overrides: Mapping[str, Any]
    ) -> str | None:
        """The code the job these values make is refused with, or None (its webhook is not looked up again)."""
        try:
            self._job(session, tenant, values, overrides, lambda url, settings: None)
        except (ProblemError, MediaError) as refused:
            return refused.code
        return None

    def _check_asset(
        self, session: Session, tenant: Tenant, variable: Mapping[str, Any], value: str, path: Path
    ) -> None:
        use = asset_use(path)
        key = (value, variable["name"], use)
        if key not in self._assets:
            self._assets[key] = self._asset_verdict(session, tenant, variable, value, use)
        verdict = self._assets[key]
        if verdict is not None:
            raise verdict

    @staticmethod
    def _asset_verdict(
        session: Session, tenant: Tenant, variable: Mapping[str, Any], value: str, use: AssetUse
    ) -> ProblemError | None:
        name = variable["name"]
        try:
            asset = owned(session, Asset, value, tenant.id)
        except ProblemError:
            return variable_problem("asset_not_found", name, f"no asset {value!r} for this tenant.", 404)
        if asset.kind != variable["type"]:
            return variable_problem(
                "variable_type",
                name,
                f"an {variable['type']} variable; {asset.id} is "
                f"{'an' if asset.kind[0] in 'aeiou' else 'a'} {asset.kind}.",
            )
        try:
            asset_for_use(session, tenant.id, value, f"variable {name!r}", use)
        except ProblemError as refused:
            return variable_problem(
                refused.code,
                name,
                refused.detail,
                refused.status,
                purposes={"given": asset.purpose, "wanted": list(use.purposes)},
            )
        return None

    def _check_fit(self, composition: dict[str, Any] | None, values: Mapping[str, str]) -> None:
        if composition is None:
            return
        for path, slot in self.parsed.slots.items():
            overlay = _overlay_at(composition, path)
            canvas = composition["canvas"]
            if overlay is not None and text_overflows(overlay, canvas["width"], canvas["height"]):
                name = slot.names[0]
                raise variable_problem(
                    "text_overflow",
                    name,
                    f"the text does not fit its {overlay['role']} overlay "
                    f"({len(overlay['text'])} characters), even wrapped and shrunk. Shorten it.",
                )


#: refusals of a job's speech that name no field: the fields of its (or its scene's) speech they come from
SPEECH_CODES = (
    "script_empty",
    "script_unspeakable",
    "script_too_long",
    "script_unreadable",
    "text_invalid_character",
    "transcript_too_long",
    "voice_unknown",
    "voice_language_mismatch",
)
SPEECH_FIELDS = ("script", "transcript", "voice", "language")
_SCENE = re.compile(r"scenes\[(\d+)\]: ")


def _refused_fields(refused: ProblemError | MediaError) -> tuple[set[str], str]:
    """The body fields (as ``path_text`` writes them) a refusal is about, and the prefix its detail names them
    with: those in its ``errors``, else, for a refusal of speech, the speech fields of the scene it names."""
    errors = getattr(refused, "errors", None)
    if isinstance(errors, Mapping) and errors:
        paths = set(_error_paths(errors))
        named = next((path for path in paths if refused.detail.startswith(f"{path}: ")), None)
        return paths, f"{named}: " if named else ""
    if refused.code not in SPEECH_CODES:
        return set(), ""
    scene = _SCENE.match(refused.detail)
    at = f"scenes[{scene.group(1)}]." if scene else ""
    return {at + field for field in SPEECH_FIELDS}, scene.group(0) if scene else ""


def _error_paths(errors: Mapping[Any, Any], at: Path = ()) -> list[str]:
    """Every field an ``errors`` document names: its keys, and a schema's nested ones
    (``{"overlays": {0: {"text": [...]}}}`` names ``overlays[0].text``)."""
    out = []
    for key, value in errors.items():
        if isinstance(key, (str, int)) and not isinstance(key, bool):
            out.append(path_text((*at, key)))
            if isinstance(value, Mapping):
                out += _error_paths(value, (*at, key))
    return out


def _undrawable_advice(value: str, where: str) -> str | None:
    """``text_undrawable`` for a value: the characters no shipped font draws (only letters, in a script's
    burned-in captions, which leave symbols out), and what the one filling the template can do about it."""
    spoken = where.endswith(("script", "transcript"))
    missing = [c for c in undrawable(value) if not spoken or unicodedata.category(c).startswith("L")]
    if not missing:
        return None
    shown = ", ".join(repr(char) for char in missing[:10])
    what = "its burned-in captions" if spoken else "the video"
    return (
        f"no font the farm ships draws {shown}, so {what} would show them as boxes. The shipped fonts draw "
        f"{DRAWN_SCRIPTS} and common symbols: take them out of this value."
    )


def _overlay_at(composition: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """The normalised text overlay a body path's text became, if the path is an overlay's text."""
    if path[-1] != "text" or len(path) < 3 or path[-3] != "overlays":
        return None
    scene = path[1] if path[0] == "scenes" and len(path) == 5 else 0
    try:
        overlay = composition["scenes"][scene]["overlays"][path[-2]]
    except (IndexError, KeyError, TypeError):
        return None
    return overlay if overlay.get("type") == "text" else None


def _parent(body: Any, path: Path) -> Any:
    for part in path[:-1]:
        body = body[part]
    return body
