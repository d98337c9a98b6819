"""The lip-sync rendering engine: portrait analysis, framing, the built-in
face (``builtin/``) and bring-your-own adapters, execution providers and
cross-job batching.

What the rest of talkfarm calls (from here, never from the modules):

- ``analyze_portrait(image_bytes) -> PortraitInfo`` (at upload; stored on the asset), or
  ``analyze_image(rgb)`` on a photo already decoded by ``decode_portrait``
- ``Renderer.for_model(name, tag=, settings=, batcher=)``, then
  ``prepare(image_bytes, portrait_info, params)`` and
  ``render(prepared, audio, sample_rate, params, first_frame_index, phones=PhoneTrack | None)``
  (the built-in face shapes visemes from the phones; without them it follows loudness)
- ``DynamicBatcher(max_batch_size, max_batch_delay_ms, on_batch=)``, one per worker
- ``detect_tag(platform.machine(), onnxruntime.get_available_providers())``
- ``known_models(settings)`` (the API refuses jobs for models no pool has),
  ``models_for_pool(settings, tag)`` (what a worker loads at warm-up)

Operators' models plug in through an adapter kind (``model_catalog.ADAPTERS``:
``builtin``, ``wav2lip``, ``face_crop``): ``adapters.RenderAdapter`` is what
the renderer calls, ``adapters.FaceCropModel`` describes a model that redraws
the whole face crop (``face_crop.FaceCropAdapter`` cuts, batches and pastes),
and a file that does not fit its adapter is refused at load with
``adapters.ModelRefused`` (``model_invalid``). docs/adapters.md has the contracts.

Runtime modules need numpy, scipy, onnxruntime, OpenCV and (for analysis)
mediapipe; only ``builtin.model`` and ``builtin.export`` import torch, a
development dependency.
"""

from __future__ import annotations

from media.render.batcher import DynamicBatcher
from media.render.face import FORMAT_VERSION, analyze_image, analyze_portrait, decode_portrait
from media.render.model_catalog import BUILTIN, FileVersion, file_version, known_models, models_for_pool, open_model
from media.render.providers import detect_tag
from media.render.renderer import Renderer

__all__ = [
    "BUILTIN",
    "DynamicBatcher",
    "FORMAT_VERSION",
    "FileVersion",
    "Renderer",
    "analyze_image",
    "analyze_portrait",
    "decode_portrait",
    "detect_tag",
    "file_version",
    "known_models",
    "models_for_pool",
    "open_model",
]
