"""Request and response schemas. The same classes validate requests and
generate ``/openapi.json``, so the spec cannot drift from the checks."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from api.composition_schemas import composition_fields
from domain import models
from domain.ids import is_id
from domain.params import PARAMS
from domain.states import JobState, Stage

ACCELERATORS = ("auto", "gpu", "npu", "cpu")
JOB_STATES = tuple(s.value for s in JobState)
STAGES = ("tts", "render", "encode", "watermark", "upload")
EVENT_TYPES = ("job.succeeded", "job.failed", "job.canceled", "batch.completed")


def nearest_name(name: str, names: Iterable[str]) -> str | None:
    """The name among ``names`` that ``name`` is most likely a slip for (``row`` → ``rows``), if any is close."""
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_name_hint(name: str, names: Iterable[str]) -> str:
    """ " Perhaps `rows`?" after an unknown name, when one of ``names`` is close to it; else empty."""
    near = nearest_name(name, names)
    return f" Perhaps `{near}`?" if near else ""


#: unknown fields a refusal names (and looks up a likely slip for); more are counted, not named
MAX_UNKNOWN_NAMED = 20


class StrictSchema(Schema):
    """A body or query with nothing the API would ignore: an unknown field is refused ("Unknown field."), named
    with the field it perhaps meant."""

    class Meta:
        unknown = RAISE

    def handle_error(self, error: ValidationError, data, **kwargs):
        if isinstance(error.messages, dict) and isinstance(data, dict):
            names = [field.data_key or name for name, field in self.load_fields.items()]
            refused = {
                key
                for key, messages in error.messages.items()
                if messages == [self.error_messages["unknown"]] and isinstance(key, str)
            }
            unknown = [key for key in data if key in refused]  # in the order the caller wrote them
            # each is named, with the field it perhaps meant, up to a bound: a body of 340,000 unknown keys cost
            # 12 s of CPU in look-alike searches and answered 10 MB
            for key in unknown:  # the rest of the messages first, then the unknown ones in the order written
                del error.messages[key]
            for key in unknown[:MAX_UNKNOWN_NAMED]:
                error.messages[key] = [self.error_messages["unknown"]]
            if len(unknown) > MAX_UNKNOWN_NAMED:
                error.messages["…"] = [f"and {len(unknown) - MAX_UNKNOWN_NAMED} more unknown fields"]
            for key in unknown[:MAX_UNKNOWN_NAMED]:
                hint = unknown_name_hint(key, names)
                if hint:
                    error.messages[key] = [error.messages[key][0] + hint]


# --- bounds: what a request may hold, declared once --------------------------------------
# Strings are checked against the columns they land in (domain/models.py), so the
# API refuses with a 4xx what the database would refuse with a 500; a test holds
# the two together. A refused value's message starts with its stable code, which
# api/problems.py lifts into the problem's `code`.


def column_length(attribute) -> int:
    """The declared length of a model's String column, e.g. ``column_length(Job.webhook_url)``."""
    return attribute.property.columns[0].type.length


#: ids (job_…, ast_…, bat_…, whe_…): the primary-key column
ID_MAX_CHARS = column_length(models.Job.id)
WEBHOOK_URL_MAX_CHARS = column_length(models.Job.webhook_url)
IDEMPOTENCY_KEY_MAX_CHARS = column_length(models.Job.idempotency_key)
#: a JSON request body, before it is parsed (a batch of 1,000 jobs of ~4,000 characters fits)
MAX_JSON_BYTES = 4 * 1024 * 1024
#: arrays and objects inside one another, anywhere in a JSON body, a JSONL line or a form field
MAX_JSON_DEPTH = 32
#: job and batch metadata, as compact JSON, and its own nesting
MAX_METADATA_BYTES = 16 * 1024
MAX_METADATA_DEPTH = 8
#: integers anywhere in JSON fit a signed 64-bit column
MAX_JSON_INT = 2**63 - 1

#: stable codes a validation message may start with (``refusal``), most specific first: api/problems.py lifts the
#: code into the problem's `code` and leaves it out of the `detail`
BOUND_CODES = (
    "text_invalid_character",
    "field_too_long",
    "json_too_deep",
    "json_number_invalid",
    "metadata_too_large",
    "filter_empty",
    "unknown_parameter",
    "parameter_repeated",
    "cursor_invalid",
    "webhook_url_invalid",
)

#: NUL and UTF-16 surrogates (a lone one cannot be encoded as UTF-8; PostgreSQL refuses NUL)
_NEVER_IN_TEXT = re.compile(r"[\x00\ud800-\udfff]")
#: free text (scripts, watermark text) may also hold tabs and newlines, no other control characters
_NOT_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: names, ids and URLs: no control characters at all
_NOT_IN_NAMES = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def refusal(code: str, message: str) -> str:
    """A validation message that carries its code."""
    return f"{code}: {message}"


def text_problem(value: str, *, free_text: bool = False, anything_printable: bool = False) -> str | None:
    """Why ``value`` cannot be stored, or None. ``anything_printable`` only refuses
    what no database or encoder can hold (NUL, surrogates): for callers' own data."""
    pattern = _NEVER_IN_TEXT if anything_printable else (_NOT_IN_FREE_TEXT if free_text else _NOT_IN_NAMES)
    bad = pattern.search(value)
    if bad is None:
        return None
    return refusal("text_invalid_character", f"U+{ord(bad.group()):04X} at character {bad.start()} is not allowed.")


class Text(fields.String):
    """A string bounded by its column (``max_length``) and free of characters no
    column can hold. ``free_text`` allows tabs and newlines (scripts); names and
    ids allow no control characters."""

    def __init__(
        self,
        *,
        max_length: int | None,
        min_length: int | None = None,
        free_text: bool = False,
        empty: str | None = None,
        **kwargs,
    ):
        """``empty``: the sentence an empty string is refused with, where it means the field was left out rather
        than too short."""
        self.max_length, self.free_text, self.empty = max_length, free_text, empty
        if max_length is not None or min_length is not None:
            # documents maxLength/minLength in /openapi.json; the length check itself is _deserialize's
            kwargs["validate"] = [validate.Length(min=min_length, max=max_length), *_as_list(kwargs.get("validate"))]
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text and self.empty is not None:
            raise ValidationError(self.empty)
        if self.max_length is not None and len(text) > self.max_length:
            raise ValidationError(refusal("field_too_long", f"At most {self.max_length} characters; got {len(text)}."))
        problem = text_problem(text, free_text=self.free_text)
        if problem:
            raise ValidationError(problem)
        return text


class Id(Text):
    """An object id (``job_…``): as long as the primary key at most."""

    def __init__(self, **kwargs):
        super().__init__(max_length=ID_MAX_CHARS, **kwargs)


class IdFilter(Id):
    """A list's filter by an object id (``?batch_id=bat_…``). Given empty it is a caller's mistake, refused as
    ``filter_empty``: read as "no filter" it would list everything, as an id it names nothing."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, **kwargs)  # minLength in /openapi.json; the refusal is _deserialize's

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            raise ValidationError(
                refusal("filter_empty", "An empty id names nothing: give an id, or leave the parameter out.")
            )
        return text


class Cursor(Id):
    """A list's ``cursor``: the ``next_cursor`` the list handed out, an id of the listed kind (``prefix``). Anything
    else is refused as ``cursor_invalid``: read as an id it would page to nothing, which looks like "no more"."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault(
            "metadata", {"description": "The `next_cursor` of the previous page; leave out for the first."}
        )
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_id(text, self.prefix):
            raise ValidationError(
                refusal(
                    "cursor_invalid",
                    f"Not a cursor of this list (a {self.prefix}_… id): pass back the `next_cursor` of the page "
                    "before, or leave the parameter out for the first page.",
                )
            )
        return text


class WebhookUrl(fields.Url):
    """An absolute http(s) URL that fits its column; where it may point is tasks/webhook_targets' check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("schemes", {"http", "https"})
        kwargs.setdefault("require_tld", False)
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Length(max=WEBHOOK_URL_MAX_CHARS))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            if len(value) > WEBHOOK_URL_MAX_CHARS:
                raise ValidationError(
                    refusal("field_too_long", f"At most {WEBHOOK_URL_MAX_CHARS} characters; got {len(value)}.")
                )
            problem = text_problem(value)
            if problem:
                raise ValidationError(problem)
        return super()._deserialize(value, attr, data, **kwargs)

    def _validate(self, value):
        """Not an absolute http(s) URL (``ftp://…``, ``not a url``): ``webhook_url_invalid``, as the farm's own
        checks of a parsed address say it, not marshmallow's "Not a valid URL." under validation_error."""
        try:
            super()._validate(value)
        except ValidationError:
            raise ValidationError(
                refusal(
                    "webhook_url_invalid",
                    "Give an absolute http:// or https:// address, such as https://cms.example.com/hooks/talkfarm.",
                )
            ) from None


def json_problem(value, *, max_depth: int = MAX_JSON_DEPTH, _depth: int = 1) -> str | None:
    """Why a parsed JSON value cannot be stored as it is: too deep, a number
    that is not finite or too large, a key or string no database holds."""
    if isinstance(value, dict) or isinstance(value, list):
        if _depth > max_depth:
            return refusal("json_too_deep", f"Nested deeper than {max_depth} levels.")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            problem = (text_problem(key, anything_printable=True) if isinstance(key, str) else None) or json_problem(
                item, max_depth=max_depth, _depth=_depth + 1
            )
            if problem:
                return problem
        return None
    if isinstance(value, str):
        return text_problem(value, anything_printable=True)
    if isinstance(value, float) and not math.isfinite(value):
        return refusal("json_number_invalid", "NaN and Infinity are not JSON numbers.")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_JSON_INT:
        return refusal("json_number_invalid", "Integers must fit in 64 bits.")
    return None


class JsonDocument(fields.Dict):
    """The caller's own JSON object (metadata): any shape, within a size and a
    nesting depth, with finite numbers and storable strings."""

    def __init__(self, *, max_bytes: int = MAX_METADATA_BYTES, max_depth: int = MAX_METADATA_DEPTH, **kwargs):
        self.max_bytes, self.max_depth = max_bytes, max_depth
        super().__init__(keys=fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        document = super()._deserialize(value, attr, data, **kwargs)
        problem = json_problem(document, max_depth=self.max_depth)
        if problem:
            raise ValidationError(problem)
        size = len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
        if size > self.max_bytes:
            raise ValidationError(refusal("metadata_too_large", f"At most {self.max_bytes} bytes of JSON; got {size}."))
        return document


def _as_list(validators) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, (list, tuple)) else [validators]


def _param_field(p):
    """A marshmallow field for one render parameter, with its documented range."""
    cls = {int: fields.Integer, float: fields.Float, bool: fields.Boolean}[p.kind]
    extra = {"strict": True} if cls is fields.Integer else ({"allow_nan": False} if cls is fields.Float else {})
    metadata = {"description": p.doc}
    if p.default is not None:
        metadata["default"] = p.default
    validators: list[validate.Validator] = []
    if p.minimum is not None:
        validators.append(validate.Range(min=p.minimum, max=p.maximum))
    if p.multiple_of:
        validators.append(_MultipleOf(p.multiple_of))
    return cls(validate=validators, load_default=None, allow_none=True, metadata=metadata, **extra)


class _MultipleOf(validate.Validator):
    def __init__(self, n: int):
        self.n = n

    def __call__(self, value):
        if value % self.n:
            raise ValidationError(f"Must be a multiple of {self.n}.")
        return value


RenderParamsSchema = Schema.from_dict({p.name: _param_field(p) for p in PARAMS}, name="RenderParams")
RenderParamsSchema.Meta.unknown = RAISE


class WatermarkOptionsSchema(StrictSchema):
    enabled = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "false turns the visible watermark off, if the tenant may."},
    )
    text = Text(max_length=80, min_length=1, load_default=None, allow_none=True)
    position = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(["top-left", "top-right", "bottom-left", "bottom-right"]),
    )
    opacity = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.05, max=1.0))
    size = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0.02, max=0.2),
        metadata={
            "description": "Height of the mark as a share of the frame's short side (its height, but on a vertical frame its width)."
        },
    )
    logo_asset_id = Id(load_default=None, allow_none=True, metadata={"description": "An image asset to use as a logo."})


#: a job's avatar left out or given empty (an empty voice or language is the default; a job has no default avatar)
AVATAR_MISSING = "Give an avatar: an image asset id (purpose portrait) or a preset's name, such as astronaut."


class JobSpecSchema(StrictSchema):
    script = Text(
        max_length=None,
        free_text=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "Text to speak; or give audio_asset_id."},
    )
    audio_asset_id = Id(
        load_default=None, allow_none=True, metadata={"description": "Narration to lip-sync instead of a script."}
    )
    transcript = Text(
        max_length=None,
        free_text=True,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The words of the narration (audio_asset_id), for phoneme timing and captions; without it "
            "they are recognised (English only). Words that do not match the audio fall back to "
            "recognition. Its language is the job's `language`, else detected from the transcript."
        },
    )
    avatar = Text(
        max_length=64,
        min_length=1,
        empty=AVATAR_MISSING,
        load_default=None,
        metadata={
            "description": "An image asset id (purpose portrait), or a preset name such as `astronaut`. Required "
            "unless `scenes` gives each scene its own."
        },
    )
    voice = Text(max_length=100, load_default=None, allow_none=True)
    language = Text(
        max_length=16,
        load_default=None,
        allow_none=True,
        metadata={"description": "BCP 47-ish language code, e.g. en-US, zh; picks a voice if none given."},
    )
    model = Text(max_length=100, min_length=1, load_default="builtin")
    title = Text(
        max_length=200,
        load_default=None,
        allow_none=True,
        metadata={"description": "What the jobs list shows; default: the script's first words."},
    )
    params = fields.Nested(RenderParamsSchema, load_default=dict)
    accelerator = fields.String(load_default="auto", validate=validate.OneOf(ACCELERATORS))
    priority = fields.Integer(
        strict=True,
        load_default=5,
        validate=validate.Range(min=0, max=9),
        metadata={"description": "0 lowest … 9 most urgent; orders work within a tenant."},
    )
    webhook_url = WebhookUrl(load_default=None, allow_none=True)
    metadata = JsonDocument(
        load_default=dict,
        metadata={
            "description": f"Your own data, returned on the job and in webhooks (at most {MAX_METADATA_BYTES // 1024} KB "
            f"of JSON, {MAX_METADATA_DEPTH} levels deep)."
        },
    )
    watermark = fields.Nested(WatermarkOptionsSchema, load_default=None, allow_none=True)
    brand_kit_id = Id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The brand kit this job follows (GET /v1/brand-kits); default: the tenant's default kit. "
            "Fields the job sets override the kit's."
        },
    )
    draft = fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        metadata={
            "description": "A cheap preview (low resolution and frame rate, fastest encode, a DRAFT mark) with the final's "
            "speech and timing; POST /v1/jobs/{id}/approve then renders the final."
        },
    )

    # a composed video (domain/composition checks these, each refusal with its own code)
    _composition = composition_fields(json_problem)
    canvas = _composition["canvas"]
    scenes = _composition["scenes"]
    character = _composition["character"]
    background = _composition["background"]
    overlays = _composition["overlays"]
    captions = _composition["captions"]
    music = _composition["music"]
    renditions = _composition["renditions"]
    output_format = _composition["output_format"]

    @validates_schema
    def _one_source(self, data, **_):
        if data.get("scenes") is not None:
            return  # each scene has its source (domain/composition refuses scenes mixed with the single form)
        if data.get("avatar") is None:
            raise ValidationError(AVATAR_MISSING, "avatar")
        if bool(data.get("script") is not None) == bool(data.get("audio_asset_id")):
            raise ValidationError("Give exactly one of script or audio_asset_id.", "script")


class ProblemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    code = fields.String(metadata={"description": "Stable machine-readable error code."})
    detail = fields.String()
    errors = fields.Raw(metadata={"description": "Per-field or per-item errors, where there are several."})


class JobErrorSchema(Schema):
    code = fields.String()
    message = fields.String()


class OutputFileSchema(Schema):
    url = fields.String(metadata={"description": "A freshly signed link to the file, expiring with the video's."})
    content_type = fields.String(metadata={"description": "Its media type, e.g. image/jpeg, text/vtt."})
    bytes = fields.Integer(metadata={"description": "Its size in bytes."})


class TimingSchema(Schema):
    source = fields.String(
        validate=validate.OneOf(["piper", "espeak", "aligned", "recognized", "loudness"]),
        metadata={
            "description": "Where the phoneme timing that drives the mouth came from: piper (the voice's own alignments), "
            "espeak (espeak-ng's phoneme events), aligned (the transcript was fitted to the narration: by "
            "pocketsphinx in English, else through espeak-ng's reading of it), recognized (pocketsphinx recognised the narration), loudness (no phonemes)."
        },
    )
    note = fields.String(
        metadata={
            "description": "Why a better source was not used, e.g. a transcript that does not match the narration."
        }
    )


#: what the output and each rendition say of their video, read back from the stored file
_FORMAT = (
    "The container: mp4 (H.264/AAC), webm (VP9/Opus) or mov (ProRes 4444/PCM): the job's output_format, "
    "mp4 for a square video."
)
_CONTENT_TYPE = "The video's media type: video/mp4, video/webm or video/quicktime."
_VIDEO_CODEC = "The video stream's codec as FFmpeg names it: h264, vp9 or prores."
_AUDIO_CODEC = "The audio stream's codec as FFmpeg names it: aac, opus or pcm_s16le."


_CREDENTIALS = (
    "How the file carries its C2PA content credentials (a manifest saying it was made by AI: "
    "`digitalSourceType` trainedAlgorithmicMedia, signed with the operator's key): `embedded` (MP4, MOV), "
    "`sidecar` (WebM: `files.content_credentials`), or `none`: the farm has no signing key "
    "(TALKFARM_C2PA_CERT / TALKFARM_C2PA_KEY), so the file went out without credentials; a CMS that must publish "
    "only signed files refuses it. The cut's poster carries the same manifest, embedded in its JPEG or PNG, "
    "whenever the cut is signed (since 2026-12-08), and a draft's manifest says `draft: true` in its "
    "`dev.talkfarm.generation` assertion. Absent on jobs finished before 2026-12-07."
)


class RenditionOutputSchema(Schema):
    width = fields.Integer(metadata={"description": "The cut's width in pixels, as stored."})
    height = fields.Integer(metadata={"description": "The cut's height in pixels, as stored."})
    url = fields.String(metadata={"description": "A freshly signed link to this cut, expiring with the main one."})
    format = fields.String(validate=validate.OneOf(["mp4", "webm", "mov"]), metadata={"description": _FORMAT})
    content_type = fields.String(metadata={"description": _CONTENT_TYPE})
    duration_s = fields.Float(metadata={"description": "The cut's length in seconds, read back from its file."})
    fps = fields.Float(metadata={"description": "The cut's frame rate."})
    video_codec = fields.String(metadata={"description": _VIDEO_CODEC})
    audio_codec = fields.String(metadata={"description": _AUDIO_CODEC})
    bytes = fields.Integer(metadata={"description": "The cut's size in bytes."})
    sha256 = fields.String(metadata={"description": "The SHA-256 of the cut's bytes (hex)."})
    content_credentials = fields.String(
        validate=validate.OneOf(["embedded", "sidecar", "none"]), metadata={"description": _CREDENTIALS}
    )
    files = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(OutputFileSchema),
        metadata={
            "description": "Files for publishing this cut on its own: `poster` (a JPEG of this cut's shape, a PNG "
            "with its alpha for a transparent WebM or MOV, its frame a quarter in, as the main poster), `captions_vtt` and `captions_srt` when it speaks words (the job's "
            "captions: every cut has the same speech and timing, so these are the same files as the main "
            "output's), and for a WebM cut `content_credentials`, its own C2PA manifest store (bound to this cut's "
            "bytes only)."
        },
    )


class OutputSchema(Schema):
    url = fields.String(
        metadata={"description": "A freshly signed link to the video (MP4, or the job's output_format)."}
    )
    expires_at = fields.String(metadata={"description": "When the signed links of this document expire (UTC)."})
    format = fields.String(validate=validate.OneOf(["mp4", "webm", "mov"]), metadata={"description": _FORMAT})
    content_type = fields.String(metadata={"description": _CONTENT_TYPE})
    duration_s = fields.Float(metadata={"description": "The video's length in seconds, read back from its file."})
    width = fields.Integer(metadata={"description": "The video's width in pixels, as stored."})
    height = fields.Integer(metadata={"description": "The video's height in pixels, as stored."})
    fps = fields.Float(metadata={"description": "The video's frame rate."})
    video_codec = fields.String(metadata={"description": _VIDEO_CODEC})
    audio_codec = fields.String(metadata={"description": _AUDIO_CODEC})
    bytes = fields.Integer(metadata={"description": "The video's size in bytes."})
    sha256 = fields.String(metadata={"description": "The SHA-256 of the video's bytes (hex)."})
    content_credentials = fields.String(
        validate=validate.OneOf(["embedded", "sidecar", "none"]), metadata={"description": _CREDENTIALS}
    )
    files = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(OutputFileSchema),
        metadata={
            "description": "Files stored beside the video: `poster` (JPEG; a PNG with its alpha for a transparent WebM or MOV), `captions_vtt` and `captions_srt` "
            "when it speaks words, and for a WebM `content_credentials`, its C2PA manifest store "
            "(`application/c2pa`, bound to the video's bytes; MP4 and MOV embed theirs)."
        },
    )
    timing = fields.Nested(TimingSchema, metadata={"description": "Where the timing that drives the mouth came from."})
    renditions = fields.List(
        fields.Nested(RenditionOutputSchema),
        metadata={
            "description": "A composed job's extra cuts (its `renditions`), in the order asked, each with what a CMS "
            "needs to publish it on its own (its type, length, codecs, a poster of its shape, the captions); empty "
            "otherwise."
        },
    )


class JobSchema(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(JOB_STATES))
    stage = fields.String(allow_none=True, validate=validate.OneOf([s.value for s in Stage]))
    progress = fields.Float()
    pool = fields.String()
    worker = fields.String(allow_none=True)
    attempts = fields.Integer()
    priority = fields.Integer()
    batch_id = fields.String(allow_none=True)
    title = fields.String(
        allow_none=True, metadata={"description": "The caller's title, else the script's first words."}
    )
    template = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The template `{id, version}` this job was made from (POST /v1/templates/{id}/jobs), if any; "
            "GET /v1/jobs and GET /v1/jobs/{id} add `name` (the template's name at that version) and `deleted`."
        },
    )
    poster_url = fields.String(
        allow_none=True,
        metadata={
            "description": "A signed link to the poster (JPEG; PNG with alpha for a transparent video), once the job has succeeded."
        },
    )
    draft = fields.Boolean(metadata={"description": "A cheap preview; approve it to render the final."})
    draft_of = fields.String(
        allow_none=True, metadata={"description": "On a final job: the draft it was approved from."}
    )
    final_job_id = fields.String(allow_none=True, metadata={"description": "On an approved draft: its final job."})
    error = fields.Nested(JobErrorSchema, allow_none=True)
    output = fields.Nested(OutputSchema, allow_none=True)
    eta_s = fields.Float(allow_none=True, metadata={"description": "Estimated seconds until a running job finishes."})
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    metadata = fields.Dict()
    spec = fields.Dict(metadata={"description": "What was asked for, with defaults filled in."})
    timings = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "Seconds the last attempt spent per stage."},
    )


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True)


class JobListQuerySchema(StrictSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(JOB_STATES))
    batch_id = IdFilter(
        load_default=None,
        metadata={"description": "The jobs of this batch. Empty is a 422 `filter_empty`, not every job."},
    )
    finals_of_batch = IdFilter(
        load_default=None,
        metadata={
            "description": "The final jobs of this batch's approved drafts (each draft's `final_job_id`): a final "
            "is not a job of the batch, so `batch_id` does not list it. Empty is a 422 `filter_empty`."
        },
    )
    template_id = IdFilter(
        load_default=None,
        metadata={"description": "The jobs made from this template. Empty is a 422 `filter_empty`, not every job."},
    )
    q = Text(
        max_length=200,
        load_default=None,
        metadata={"description": "Jobs whose title or metadata contains this text (case-insensitive)."},
    )
    cursor = Cursor("job", load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AssetUploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class PoolSchema(Schema):
    tag = fields.String()
    workers_online = fields.Integer()
    workers_draining = fields.Integer()
    workers_starting = fields.Integer(metadata={"description": "Registered, not consuming yet."})
    capacity = fields.Integer(metadata={"description": "Jobs the online workers can run at once."})
    waiting = fields.Integer(metadata={"description": "Queued jobs, sent to the broker or not."})
    running = fields.Integer()
    queue_depth = fields.Integer(metadata={"description": "Alias of waiting."})
    oldest_waiting_s = fields.Float()
    desired_workers = fields.Integer(metadata={"description": "Recommended worker count for waiting + running work."})
    stranded = fields.Integer(
        metadata={
            "description": "Queued jobs no live worker may take (pool empty, or every live "
            "worker blocklisted them); they fail no_worker_available after "
            "TALKFARM_POOL_EMPTY_FAIL_AFTER_S."
        }
    )
    providers = fields.List(fields.String())


class PoolsSchema(Schema):
    pools = fields.Dict(keys=fields.String(), values=fields.Nested(PoolSchema))


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    version = fields.String()


class JobEventSchema(Schema):
    """A webhook about a job: what GET /v1/jobs/{id} would show when it ended."""

    type = fields.String(validate=validate.OneOf(["job.succeeded", "job.failed", "job.canceled"]))
    timestamp = fields.String()
    data = fields.Nested(JobSchema)


class BatchEventSchema(Schema):
    """A webhook when the last job of a batch ended."""

    type = fields.String(validate=validate.OneOf(["batch.completed"]))
    timestamp = fields.String()
    data = fields.Dict(metadata={"description": "The batch as GET /v1/batches/{id} shows it."})
