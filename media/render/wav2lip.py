"""The ``wav2lip`` adapter, for operators who bring a Wav2Lip-style ONNX model.

Such a model takes, per video frame, a mel-spectrogram window ``[N, 1, 80, 16]``
(0.2 s of 16 kHz audio, Wav2Lip's own feature recipe) and the face as
``[N, 6, 96, 96]``: the face with its lower half blanked, stacked on a
reference face; it returns the face with the lower half redrawn
``[N, 3, 96, 96]``, values in 0..1. Wav2Lip was trained on BGR frames (OpenCV);
the registry entry's ``options.channel_order`` says which order the model
wants. ``face_crop.FaceCropAdapter`` cuts the face and pastes the result back;
docs/adapters.md gives the whole contract.

talkfarm bundles no such weights (Wav2Lip's are non-commercial); the operator
brings a file they hold a licence for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from media.render.adapters import ModelRefused, TensorShape, check_tensors, declared_shape, shape_text
from media.render.audio_features import N_MELS, wav2lip_mel, wav2lip_mel_windows
from media.render.face_crop import FaceCropAdapter, channel_order_option

ADAPTER = "wav2lip"
FACE_SIDE = 96
MEL_STEPS = 16
MEL = TensorShape("mel windows", (None, 1, N_MELS, MEL_STEPS))
FACES = TensorShape("masked face stacked on the reference face", (None, 6, FACE_SIDE, FACE_SIDE))
OUTPUT = TensorShape("the redrawn face, 0..1", (None, 3, FACE_SIDE, FACE_SIDE))


def mel_windows(mel: np.ndarray, fps: int, n_frames: int, shift_frames: int = 0) -> np.ndarray:
    return wav2lip_mel_windows(mel, fps, n_frames, shift_frames, MEL_STEPS)


class Wav2LipCrop:
    """A ``FaceCropModel``: Wav2Lip's two inputs, whatever the export named them."""

    adapter = ADAPTER
    side = FACE_SIDE

    def __init__(self, session: Any, model_name: str, channel_order: str):
        self.channel_order = channel_order
        self.mel_input, self.face_input = _input_names(session, model_name)
        check_tensors(model_name, ADAPTER, session, {self.mel_input: MEL, self.face_input: FACES}, [OUTPUT])

    def audio_features(
        self, audio: np.ndarray, sample_rate: int, fps: int, n_frames: int, shift_frames: int
    ) -> np.ndarray:
        return mel_windows(wav2lip_mel(audio, sample_rate), fps, n_frames, shift_frames)

    def feeds(self, features: np.ndarray, masked: np.ndarray, reference: np.ndarray) -> dict[str, np.ndarray]:
        return {self.mel_input: features, self.face_input: np.concatenate([masked, reference], axis=1)}


def wav2lip_adapter(model: Any, key: str, *, channel_order: str = "bgr") -> FaceCropAdapter:
    """``ADAPTERS["wav2lip"]``: options ``channel_order`` ("bgr", Wav2Lip's own, or "rgb")."""
    try:
        order = channel_order_option(channel_order)
    except ValueError as exc:
        raise ModelRefused(key, ADAPTER, str(exc)) from exc
    return FaceCropAdapter(model, key, Wav2LipCrop(model.session, key, order), OUTPUT)


def _input_names(session: Any, model_name: str) -> tuple[str, str]:
    """(mel input, face input). Exports name them freely; tell them apart by
    their channel dimension (1 for the mel, 6 for the face), else by position
    as Wav2Lip's forward(audio_sequences, face_sequences) has them."""
    inputs = session.get_inputs()
    if len(inputs) != 2:
        found = ", ".join(f"{i.name} {shape_text(declared_shape(i))}" for i in inputs)
        raise ModelRefused(
            model_name,
            ADAPTER,
            f"expected 2 inputs, mel {MEL.describe()} and face {FACES.describe()}; the file has {len(inputs)}: {found}",
        )
    by_channels = {i.shape[1]: i.name for i in inputs if len(declared_shape(i)) == 4}
    if 1 in by_channels and 6 in by_channels:
        return by_channels[1], by_channels[6]
    return inputs[0].name, inputs[1].name
