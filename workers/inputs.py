"""A job's inputs: its portrait, its segment plan, and each segment's speech."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.errors import JobFailure
from domain.models import Asset


@dataclass
class Portrait:
    image: bytes
    info: dict | None  # analysis stored with the asset; None for presets (analysed on first use)


def portrait(rt, claim) -> Portrait:
    avatar = claim.spec["avatar"]
    if "preset" in avatar:
        from domain.presets import preset_path

        return Portrait(preset_path(avatar["preset"]).read_bytes(), None)
    with rt.sessions() as session:
        asset = session.get(Asset, avatar["asset_id"])
        if asset is None:
            raise JobFailure("avatar_missing", "the portrait asset no longer exists")
        key, info = asset.storage_key, dict(asset.info)
    return Portrait(rt.storage.get_bytes(key), info)


@dataclass
class AudioSource:
    samples: np.ndarray
    sample_rate: int


def plan_segments(rt, claim):
    """The job's segments, the same on every attempt (so finished ones can be reused)."""
    from workers.pipeline import SegmentPlan

    spec = claim.spec
    if spec.get("script") is not None:
        from media.tts.sentences import group_segments, split_sentences

        sentences = split_sentences(spec["script"], spec.get("language") or "en")
        if not sentences:
            raise JobFailure("script_empty", "the script has nothing to say")
        return [SegmentPlan(i, group) for i, group in enumerate(group_segments(sentences))], None
    from media.tts.audio_input import load_audio, split_at_silences

    with rt.sessions() as session:
        asset = session.get(Asset, spec["audio_asset_id"])
        if asset is None:
            raise JobFailure("audio_missing", "the audio asset no longer exists")
        key = asset.storage_key
    data = rt.storage.get_bytes(key)
    samples, rate = load_audio(data)
    cuts = split_at_silences(samples, rate, fps=int(spec["params"]["fps"]))
    return [SegmentPlan(i, [], (start, end)) for i, (start, end) in enumerate(cuts)], AudioSource(samples, rate)


def speak_segment(rt, spec: dict, plan, audio: AudioSource | None, handle) -> tuple[np.ndarray, int, list]:
    """(samples, sample_rate, cues) for one segment; cues are (start_s, end_s, text)."""
    if audio is not None:
        start, end = plan.audio
        return audio.samples[start:end].astype(np.float32), audio.sample_rate, []
    from workers.pipeline import storage_call
    from media.tts.synthesize import synthesize_sentences
    from media.tts.voices import resolve_voice

    voice = resolve_voice(spec.get("voice"), spec.get("language"), rt.settings)
    speech = storage_call(handle, lambda: synthesize_sentences(plan.texts, voice, rt.storage), "speech cache")
    return speech.samples, speech.sample_rate, [tuple(c) for c in speech.cues]
