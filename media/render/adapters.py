"""What a render adapter is: the two protocols a model plugs in through, and
the check that a model file has the shapes its adapter expects.

An *adapter* turns one ONNX model into pixels. The renderer knows adapters
only through ``RenderAdapter``; ``registry.ADAPTERS`` maps the ``adapter``
name in an operator's config to the factory that builds one. Two families:

- the built-in motion model (``builtin``): controls in, motion fields out,
  drawn by ``media.render.builtin.mouth``;
- models that draw the whole face crop (``wav2lip``, ``face_crop``): audio
  features and the portrait's face in, the redrawn face out, pasted back by
  ``face_crop.FaceCropAdapter``. Each such model is described by a
  ``FaceCropModel``: its input names, crop side, audio features.

A model is checked when a worker loads it (``check_tensors``): a file whose
inputs or outputs do not have the adapter's shapes is refused with
``ModelRefused``, naming the model and the shape expected, before any job's
frames reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from media.errors import MediaError
from media.phonemes import PhoneTrack

#: what ``draw`` returns per frame: (left, top, pixels) to write into the canvas, or None (unchanged)
Patch = tuple[int, int, np.ndarray]
Box = tuple[int, int, int, int]


class ModelRefused(MediaError):
    """This model file does not fit its adapter (wrong inputs, outputs or shapes)."""

    def __init__(self, model: str, adapter: str, detail: str):
        super().__init__("model_invalid", f"model {model!r} (adapter {adapter}): {detail}")
        self.model = model


class BatchRunner(Protocol):
    """The worker's ``DynamicBatcher`` or the ``DirectRunner``: runs feeds through a model."""

    def run(self, key: Hashable, model: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]: ...


class RenderAdapter(Protocol):
    """What the renderer calls. One adapter per model and worker, shared by
    its job threads, so it keeps no per-job state: ``locate`` returns the
    job's placement and ``plan`` a segment's plan, which it gets back.

    Built by ``registry.ADAPTERS[name](model, key=<model name>, **options)``.
    """

    @property
    def batch_key(self) -> Hashable:
        """Frames of different jobs run through the model together only under equal keys."""

    @property
    def known_lag_frames(self) -> int | None:
        """The model's constant audio-video offset in frames when it is known by construction, so the renderer need
        not measure it; None: measure it (``Renderer.correction_frames``'s probe)."""

    def locate(self, info: Any, framing: Any, canvas: np.ndarray, /) -> Any:
        """Once per job: where on the canvas (uint8 RGBA) this model draws, and what it needs of the portrait."""

    def mouth_box(self, placement: Any, /) -> Box:
        """The canvas pixels (x0, y0, x1, y1) the model may change."""

    def plan(
        self,
        placement: Any,
        audio: np.ndarray,
        sample_rate: int,
        params: dict[str, Any],
        n_frames: int,
        shift_frames: int,
        /,
        phones: PhoneTrack | None = None,
    ) -> Any:
        """Once per segment: per-frame inputs for ``n_frames`` frames, the audio
        of frame ``i + shift_frames`` driving frame ``i``. ``phones`` is the
        segment's phoneme timing when the job has one; an adapter whose model
        hears the audio itself may ignore it."""

    def draw(
        self, placement: Any, canvas: np.ndarray, plan: Any, frames: np.ndarray, runner: BatchRunner, /
    ) -> list[Patch | None]:
        """The pixels of ``frames`` (indices into the plan), one model call through ``runner``."""


AdapterFactory = Callable[..., RenderAdapter]


class FaceCropModel(Protocol):
    """A model that redraws a square face crop: per frame, audio features plus
    the portrait's face with its lower half blanked (``masked``) and whole
    (``reference``) in, the face crop out. ``FaceCropAdapter`` cuts the crop,
    batches the call and pastes the result back; this object knows the model.
    """

    #: the adapter name in config, for messages
    adapter: str
    #: the crop's side in model pixels (e.g. 96 for Wav2Lip, 256 for MuseTalk)
    side: int
    #: "rgb" or "bgr": the channel order the model reads and writes
    channel_order: str

    def audio_features(
        self, audio: np.ndarray, sample_rate: int, fps: int, n_frames: int, shift_frames: int
    ) -> np.ndarray:
        """One row per video frame, ``[n_frames, ...]``, float32."""

    def feeds(self, features: np.ndarray, masked: np.ndarray, reference: np.ndarray) -> dict[str, np.ndarray]:
        """The model's inputs for a batch: ``features`` rows, and the faces as
        ``[N, 3, side, side]`` float32 in 0..1 in the model's channel order."""


@dataclass(frozen=True)
class TensorShape:
    """An expected input or output: ``None`` for a dimension that may vary
    (it must be dynamic in the file for the batch dimension)."""

    role: str  # what it carries, for messages
    shape: tuple[int | None, ...]
    batch_dynamic: bool = True

    def describe(self) -> str:
        return (
            "["
            + ", ".join(
                "N" if i == 0 and d is None else ("*" if d is None else str(d)) for i, d in enumerate(self.shape)
            )
            + "]"
        )


def declared_shape(tensor: Any) -> tuple[int | str | None, ...]:
    """An onnxruntime NodeArg's shape; symbolic dimensions are names or None."""
    return tuple(tensor.shape or ())


def shape_text(shape: Sequence[int | str | None]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def fits(declared: Sequence[int | str | None], expected: TensorShape) -> bool:
    """Whether a file's declared shape can hold the expected one: same rank,
    fixed dimensions equal (a symbolic one may be anything)."""
    if len(declared) != len(expected.shape):
        return False
    return all(not isinstance(d, int) or e is None or d == e for d, e in zip(declared, expected.shape))


def check_tensors(
    model_name: str, adapter: str, session: Any, inputs: dict[str, TensorShape], outputs: Sequence[TensorShape]
) -> None:
    """Refuse a model whose named inputs or first outputs do not fit: names,
    ranks, fixed sizes, a dynamic batch dimension and float32 throughout."""
    declared = {t.name: t for t in session.get_inputs()}
    missing = [name for name in inputs if name not in declared]
    if missing:
        wanted = ", ".join(f"{n} {s.describe()}" for n, s in inputs.items())
        found = ", ".join(f"{n} {shape_text(declared_shape(t))}" for n, t in declared.items())
        raise ModelRefused(
            model_name,
            adapter,
            f"no input {', '.join(missing)}: expected inputs {wanted}; "
            f"the file has {found or 'none'} (exporters drop inputs the graph does not use)",
        )
    extra = [name for name in declared if name not in inputs]
    if extra:
        raise ModelRefused(
            model_name,
            adapter,
            f"unexpected input(s) {', '.join(extra)}; expected only "
            + ", ".join(f"{n} {s.describe()}" for n, s in inputs.items()),
        )
    for name, want in inputs.items():
        _check_one(model_name, adapter, f"input {name!r}", declared[name], want)
    outs = list(session.get_outputs())
    if len(outs) < len(outputs):
        raise ModelRefused(
            model_name,
            adapter,
            f"expected {len(outputs)} output(s) "
            + ", ".join(o.describe() for o in outputs)
            + f"; the file has {len(outs)}",
        )
    for tensor, want in zip(outs, outputs):
        _check_one(model_name, adapter, f"output {tensor.name!r}", tensor, want)


def _check_one(model_name: str, adapter: str, what: str, tensor: Any, want: TensorShape) -> None:
    shape = declared_shape(tensor)
    if not fits(shape, want):
        raise ModelRefused(
            model_name, adapter, f"{what} ({want.role}) has shape {shape_text(shape)}; expected {want.describe()}"
        )
    if want.batch_dynamic and shape and isinstance(shape[0], int):
        raise ModelRefused(
            model_name,
            adapter,
            f"{what} ({want.role}) has a fixed batch size {shape[0]}; "
            f"expected {want.describe()} with a dynamic first dimension (export with dynamic axes)",
        )
    if tensor.type != "tensor(float)":
        raise ModelRefused(
            model_name, adapter, f"{what} ({want.role}) is {tensor.type}; expected tensor(float) (float32)"
        )


def trial_run(model_name: str, adapter: str, model: Any, feeds: dict[str, np.ndarray], want: TensorShape) -> None:
    """Run a small batch once at load: a file may declare symbolic sizes that
    turn out wrong, and a job should not be the one to find out."""
    batch = len(next(iter(feeds.values())))
    try:
        outputs = model.run(feeds)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for bad shapes
        raise ModelRefused(model_name, adapter, f"a trial batch of {batch} frames failed: {exc}") from exc
    check_output_shape(model_name, adapter, outputs, want, batch)


def check_output_shape(
    model_name: str, adapter: str, outputs: Sequence[np.ndarray], want: TensorShape, batch: int
) -> None:
    """A trial run's first output really has the expected shape."""
    expected = tuple(batch if i == 0 else d for i, d in enumerate(want.shape))
    got = tuple(outputs[0].shape) if outputs else ()
    if len(got) != len(expected) or any(e is not None and g != e for g, e in zip(got, expected)):
        raise ModelRefused(
            model_name,
            adapter,
            f"a trial batch of {batch} gave output shape {shape_text(got)}; expected {want.describe()} ({want.role})",
        )
