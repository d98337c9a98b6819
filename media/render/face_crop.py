"""The render adapter for models that redraw the whole face crop (Wav2Lip,
MuseTalk-shaped models): cut the crop, run the frames in one batched call,
paste the lower face back.

Per job, ``locate`` cuts a square around the portrait's face landmarks (15 %
larger than their box, a little lower, as Wav2Lip's face detector pads it),
resizes it to the model's side and keeps two copies in model layout:
``reference`` (the face as it is) and ``masked`` (its lower half set to 0).
Per chunk of frames, ``draw`` sends the frames' audio features and the two
faces through the worker's batcher in one call, resizes each returned face
to the crop and blends it in under a feathered mask that covers the lower
face only, so the eyes and the seam stay the portrait's own.

The model's specifics (inputs, side, channel order, audio features) come from
a ``FaceCropModel``: ``wav2lip.Wav2LipCrop``, ``musetalk.MuseTalkCrop``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from media.render.adapters import BatchRunner, FaceCropModel, Patch, TensorShape, trial_run
from media.render.loudness import frame_count

#: the face box is this much larger than the landmarks' box, and shifted down by this share of its side
BOX_GROWTH, BOX_SHIFT = 1.15, 0.04
#: the pasted region: from this share of the box height down, feathered over FEATHER of the side
PASTE_FROM, FEATHER = 0.45, 0.08
#: frames in the trial batch run when a model is loaded
TRIAL_BATCH = 2


@dataclass(frozen=True)
class FaceBox:
    """Where a job's face crop sits on the canvas, and the model's view of it."""

    left: int  # canvas pixels
    top: int
    size: int
    masked: np.ndarray  # float32 (3, side, side), 0..1, model channel order, lower half 0
    reference: np.ndarray  # float32 (3, side, side)
    paste_mask: np.ndarray  # float32 (size, size, 1)


class FaceCropAdapter:
    """A ``RenderAdapter`` around a ``FaceCropModel``; one per model and worker."""

    #: a model that hears the audio may answer late; the renderer measures it (``Renderer.correction_frames``)
    known_lag_frames: int | None = None

    def __init__(self, model: Any, key: str, crop: FaceCropModel, output: TensorShape):
        self.model = model
        self.crop = crop
        self.adapter = crop.adapter
        self.batch_key = (key, crop.adapter, crop.side)
        self._trial(key, output)

    def _trial(self, key: str, output: TensorShape) -> None:
        """Silence and blank faces through the model once, at load."""
        side = self.crop.side
        silence = self.crop.audio_features(np.zeros(16000, np.float32), 16000, 25, TRIAL_BATCH, 0)
        faces = np.zeros((TRIAL_BATCH, 3, side, side), np.float32)
        trial_run(key, self.crop.adapter, self.model, self.crop.feeds(silence, faces, faces), output)

    def locate(self, info: Any, framing: Any, canvas: np.ndarray) -> FaceBox:
        (x0, y0), (x1, y1) = framing.to_canvas([info.face_box[:2], info.face_box[2:]])
        size = int(round(BOX_GROWTH * max(x1 - x0, y1 - y0)))
        size = min(max(size, 8), canvas.shape[0])
        left = int(min(max(round((x0 + x1) / 2 - size / 2), 0), canvas.shape[1] - size))
        top = int(min(max(round((y0 + y1) / 2 - size / 2 + BOX_SHIFT * size), 0), canvas.shape[0] - size))
        side = self.crop.side
        face = cv2.resize(canvas[top : top + size, left : left + size, :3], (side, side), interpolation=cv2.INTER_AREA)
        if self.crop.channel_order == "bgr":
            face = face[..., ::-1]
        reference = face.astype(np.float32).transpose(2, 0, 1) / 255.0
        masked = reference.copy()
        masked[:, side // 2 :, :] = 0.0
        return FaceBox(left, top, size, masked, reference, paste_mask(size))

    def mouth_box(self, box: FaceBox) -> tuple[int, int, int, int]:
        return box.left, box.top + int(PASTE_FROM * box.size), box.left + box.size, box.top + box.size

    def plan(
        self,
        box: FaceBox,
        audio: np.ndarray,
        sample_rate: int,
        params: dict[str, Any],
        n_frames: int,
        shift_frames: int,
        phones: Any = None,
    ) -> np.ndarray:
        """The frames' audio features; ``phones`` is not needed, the model hears the audio."""
        assert n_frames == frame_count(len(audio), sample_rate, params["fps"])
        if params["dynamic_scale"] == 0.0:
            return np.zeros((0,), np.float32)  # the mouth stays as in the portrait
        return self.crop.audio_features(audio, sample_rate, params["fps"], n_frames, shift_frames)

    def draw(
        self, box: FaceBox, canvas: np.ndarray, features: np.ndarray, frames: np.ndarray, runner: BatchRunner
    ) -> list[Patch | None]:
        if len(features) == 0:
            return [None] * len(frames)
        masked = np.repeat(box.masked[None], len(frames), axis=0)
        reference = np.repeat(box.reference[None], len(frames), axis=0)
        out = runner.run(self.batch_key, self.model, self.crop.feeds(features[frames], masked, reference))[0]
        region = canvas[box.top : box.top + box.size, box.left : box.left + box.size, :3].astype(np.float32)
        patches: list[Patch | None] = []
        for face in out:
            rgb = np.clip(face.transpose(1, 2, 0) * 255.0, 0, 255).astype(np.float32)
            if self.crop.channel_order == "bgr":
                rgb = rgb[..., ::-1]
            resized = cv2.resize(np.ascontiguousarray(rgb), (box.size, box.size), interpolation=cv2.INTER_LINEAR)
            blended = region + (resized - region) * box.paste_mask
            patches.append((box.left, box.top, np.clip(np.rint(blended), 0, 255).astype(np.uint8)))
        return patches


def paste_mask(size: int) -> np.ndarray:
    """1 over the lower face, 0 above it and at the box's edges, feathered."""
    t = (np.arange(size, dtype=np.float32) + 0.5) / size
    feather = max(FEATHER, 1.0 / size)
    edges = np.clip(np.minimum(t, 1.0 - t) / feather, 0.0, 1.0)
    vertical = np.clip((t - PASTE_FROM) / feather, 0.0, 1.0) * edges
    return (vertical[:, None] * edges[None, :])[..., None].astype(np.float32)


def channel_order_option(value: Any) -> str:
    if value not in ("bgr", "rgb"):
        raise ValueError(f"options.channel_order must be 'bgr' or 'rgb', not {value!r}")
    return str(value)
