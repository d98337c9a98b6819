"""The lip-sync rendering engine: portrait analysis, framing, the built-in
model and bring-your-own adapters, execution providers and cross-job batching.

What the rest of talkfarm calls:

- ``face.analyze_portrait(image_bytes) -> PortraitInfo`` (at upload; stored on the asset)
- ``renderer.Renderer.for_model(name, tag=, settings=, batcher=)``, then
  ``prepare(image_bytes, portrait_info, params)`` and
  ``render(prepared, audio, sample_rate, params, first_frame_index, phones=PhoneTrack | None)``
  (the built-in face shapes visemes from the phones: ``visemes``; without them it follows loudness)
- ``batcher.DynamicBatcher(max_batch_size, max_batch_delay_ms, on_batch=)``, one per worker
- ``providers.detect_tag(platform.machine(), onnxruntime.get_available_providers())``
- ``registry.known_models(settings)`` (the API refuses jobs for models no pool has),
  ``registry.models_for_pool(settings, tag)`` (what a worker loads at warm-up)

Operators' models plug in through an adapter kind, ``registry.ADAPTERS``
(``builtin``, ``wav2lip``, ``face_crop``): ``adapters.RenderAdapter`` is what
the renderer calls, ``adapters.FaceCropModel`` describes a model that redraws
the whole face crop (``face_crop.FaceCropAdapter`` cuts, batches and pastes),
and a file that does not fit its adapter is refused at load with
``adapters.ModelRefused`` (``model_invalid``). docs/adapters.md has the contracts.

Runtime modules need numpy, scipy, onnxruntime, OpenCV and (for analysis)
mediapipe; only ``model`` and ``export`` import torch, a development dependency.
"""
