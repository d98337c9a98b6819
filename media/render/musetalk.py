"""The ``face_crop`` adapter: models of MuseTalk's shape, which redraw the
whole face crop from audio features plus a masked and a reference face.

The ONNX contract (docs/adapters.md has it in full, with an export recipe):

| | name | shape | dtype, values |
| --- | --- | --- | --- |
| input | ``audio`` | ``[N, 80, T]`` | float32: ``audio_features.log_mel`` windows, T frames (10 ms each) centred on the video frame; -1 is silence |
| input | ``masked_face`` | ``[N, 3, S, S]`` | float32 0..1, the face crop with rows ``S // 2`` and below set to 0 |
| input | ``reference_face`` | ``[N, 3, S, S]`` | float32 0..1, the same crop, whole |
| output | first output | ``[N, 3, S, S]`` | float32 0..1, the redrawn face crop |

``N`` must be dynamic (frames of several jobs share a call). ``S`` and ``T``
are read from the file when fixed there (MuseTalk's VAE works at S = 256;
T = 20 covers ±100 ms, the context MuseTalk gives each frame), else 256 and
20. Channels are RGB unless ``options.channel_order`` is ``"bgr"``. The
model must compute each row on its own, so batched output equals unbatched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from media.render.adapters import ModelRefused, TensorShape, check_tensors, declared_shape
from media.render.audio_features import N_MELS, log_mel, log_mel_windows
from media.render.face_crop import FaceCropAdapter, channel_order_option

ADAPTER = "face_crop"
AUDIO_INPUT, MASKED_INPUT, REFERENCE_INPUT = "audio", "masked_face", "reference_face"
DEFAULT_SIDE, DEFAULT_STEPS = 256, 20
SIDE_RANGE, STEPS_RANGE = (32, 1024), (1, 400)


def contract(side: int = DEFAULT_SIDE, steps: int = DEFAULT_STEPS) -> tuple[dict[str, TensorShape], TensorShape]:
    """(inputs by name, output) of a face_crop model with this crop side and audio window."""
    face = (None, 3, side, side)
    inputs = {
        AUDIO_INPUT: TensorShape(f"log-mel windows, {N_MELS} bands x {steps} frames", (None, N_MELS, steps)),
        MASKED_INPUT: TensorShape("the face crop, lower half 0, 0..1", face),
        REFERENCE_INPUT: TensorShape("the face crop, 0..1", face),
    }
    return inputs, TensorShape("the redrawn face crop, 0..1", face)


class MuseTalkCrop:
    """A ``FaceCropModel`` for the face_crop contract; sizes read from the file."""

    adapter = ADAPTER

    def __init__(self, session: Any, model_name: str, channel_order: str):
        self.channel_order = channel_order
        declared = {t.name: declared_shape(t) for t in session.get_inputs()}
        self.side = _fixed_size(
            model_name, declared.get(MASKED_INPUT, ()), (3, 2), DEFAULT_SIDE, SIDE_RANGE, "crop side"
        )
        self.steps = _fixed_size(
            model_name, declared.get(AUDIO_INPUT, ()), (2,), DEFAULT_STEPS, STEPS_RANGE, "audio window"
        )
        inputs, output = contract(self.side, self.steps)
        check_tensors(model_name, ADAPTER, session, inputs, [output])
        self.output = output

    def audio_features(
        self, audio: np.ndarray, sample_rate: int, fps: int, n_frames: int, shift_frames: int
    ) -> np.ndarray:
        return log_mel_windows(log_mel(audio, sample_rate), fps, n_frames, self.steps, shift_frames)

    def feeds(self, features: np.ndarray, masked: np.ndarray, reference: np.ndarray) -> dict[str, np.ndarray]:
        return {AUDIO_INPUT: features, MASKED_INPUT: masked, REFERENCE_INPUT: reference}


def musetalk_adapter(model: Any, key: str, *, channel_order: str = "rgb") -> FaceCropAdapter:
    """``ADAPTERS["face_crop"]``: options ``channel_order`` ("rgb" or "bgr")."""
    try:
        order = channel_order_option(channel_order)
    except ValueError as exc:
        raise ModelRefused(key, ADAPTER, str(exc)) from exc
    crop = MuseTalkCrop(model.session, key, order)
    return FaceCropAdapter(model, key, crop, crop.output)


def _fixed_size(
    model_name: str,
    shape: tuple[int | str | None, ...],
    axes: tuple[int, ...],
    default: int,
    bounds: tuple[int, int],
    what: str,
) -> int:
    """A size the file fixes on one of ``axes`` (the first fixed one wins), else the default."""
    for axis in axes:
        size = shape[axis] if len(shape) > axis else None
        if isinstance(size, int):
            if not bounds[0] <= size <= bounds[1]:
                raise ModelRefused(model_name, ADAPTER, f"{what} {size} is outside {bounds[0]}..{bounds[1]}")
            return size
    return default
