"""Request and response schemas. The same classes validate requests and
generate ``/openapi.json``, so the spec cannot drift from the checks."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from domain.params import PARAMS

ACCELERATORS = ("auto", "gpu", "npu", "cpu")
JOB_STATES = ("queued", "running", "succeeded", "failed", "canceled")
STAGES = ("tts", "render", "encode", "watermark", "upload")
EVENT_TYPES = ("job.succeeded", "job.failed", "job.canceled", "batch.completed")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _param_field(p):
    """A marshmallow field for one render parameter, with its documented range."""
    cls = {int: fields.Integer, float: fields.Float, bool: fields.Boolean}[p.kind]
    extra = {"strict": True} if cls is fields.Integer else ({"allow_nan": False} if cls is fields.Float else {})
    metadata = {"description": p.doc}
    if p.default is not None:
        metadata["default"] = p.default
    validators = []
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
RenderParamsSchema.Meta.unknown = RAISE  # type: ignore[attr-defined]


class WatermarkOptionsSchema(StrictSchema):
    enabled = fields.Boolean(load_default=None, allow_none=True,
                             metadata={"description": "false turns the visible watermark off, if the tenant may."})
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    position = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(["top-left", "top-right", "bottom-left", "bottom-right"]))
    opacity = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.05, max=1.0))
    size = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.02, max=0.2),
                        metadata={"description": "Height of the mark as a share of the frame height."})
    logo_asset_id = fields.String(load_default=None, allow_none=True, metadata={"description": "An image asset to use as a logo."})


class JobSpecSchema(StrictSchema):
    script = fields.String(load_default=None, allow_none=True, metadata={"description": "Text to speak; or give audio_asset_id."})
    audio_asset_id = fields.String(load_default=None, allow_none=True, metadata={"description": "Narration to lip-sync instead of a script."})
    avatar = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "An image asset id, or a preset name such as `astronaut`."})
    voice = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    language = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16),
                             metadata={"description": "BCP 47-ish language code, e.g. en-US, zh; picks a voice if none given."})
    model = fields.String(load_default="builtin", validate=validate.Length(min=1, max=100))
    params = fields.Nested(RenderParamsSchema, load_default=dict)
    accelerator = fields.String(load_default="auto", validate=validate.OneOf(ACCELERATORS))
    priority = fields.Integer(strict=True, load_default=5, validate=validate.Range(min=0, max=9),
                              metadata={"description": "0 lowest … 9 most urgent; orders work within a tenant."})
    webhook_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"}, require_tld=False)
    metadata = fields.Dict(keys=fields.String(), load_default=dict,
                           metadata={"description": "Your own data, returned on the job and in webhooks (≤ 16 KB)."})
    watermark = fields.Nested(WatermarkOptionsSchema, load_default=None, allow_none=True)

    @validates_schema
    def _one_source(self, data, **_):
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
    url = fields.String()
    content_type = fields.String()
    bytes = fields.Integer()


class OutputSchema(Schema):
    url = fields.String(metadata={"description": "A freshly signed link to the MP4."})
    expires_at = fields.String()
    duration_s = fields.Float()
    width = fields.Integer()
    height = fields.Integer()
    fps = fields.Float()
    bytes = fields.Integer()
    sha256 = fields.String()
    files = fields.Dict(keys=fields.String(), values=fields.Nested(OutputFileSchema),
                        metadata={"description": "Poster and captions stored beside the video."})


class JobSchema(Schema):
    id = fields.String()
    status = fields.String(validate=validate.OneOf(JOB_STATES))
    stage = fields.String(allow_none=True)
    progress = fields.Float()
    pool = fields.String()
    worker = fields.String(allow_none=True)
    attempts = fields.Integer()
    priority = fields.Integer()
    batch_id = fields.String(allow_none=True)
    error = fields.Nested(JobErrorSchema, allow_none=True)
    output = fields.Nested(OutputSchema, allow_none=True)
    eta_s = fields.Float(allow_none=True, metadata={"description": "Estimated seconds until a running job finishes."})
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    metadata = fields.Dict()
    spec = fields.Dict(metadata={"description": "What was asked for, with defaults filled in."})
    timings = fields.Dict(keys=fields.String(), values=fields.Float(),
                          metadata={"description": "Seconds the last attempt spent per stage."})


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True)


class JobListQuerySchema(StrictSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(JOB_STATES))
    batch_id = fields.String(load_default=None)
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AssetSchema(Schema):
    id = fields.String()
    kind = fields.String(validate=validate.OneOf(["image", "audio"]))
    content_type = fields.String()
    bytes = fields.Integer()
    sha256 = fields.String()
    info = fields.Dict()
    created_at = fields.String()


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
