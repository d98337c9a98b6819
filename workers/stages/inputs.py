"""A job's inputs: its portrait, its segment plan, and each segment's speech."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from domain.errors import JobFailure
from domain.models import Asset
from domain.presets import preset_path
from media.compose import words_from_cues
from media.encode import pad_to_frames, word_cues
from media.render import FORMAT_VERSION, analyze_portrait
from media.tts import (
    NarrationTiming,
    group_segments,
    load_audio,
    resolve_voice,
    split_at_silences,
    split_sentences,
    synthesize_sentences,
    time_narration,
    words_by_sentence,
)
from workers.attempt import Attempt, SegmentPlan, SpokenSegment


@dataclass
class Portrait:
    image: bytes
    info: dict | None  # analysis stored with the asset; None for presets (analysed on first use)


def load_portrait(attempt: Attempt, spec: dict | None = None) -> Portrait:
    """The job's portrait; ``spec``: a composed job's scene (its ``avatar``) instead of the job's."""
    avatar = (attempt.spec if spec is None else spec)["avatar"]
    if "preset" in avatar:
        return Portrait(preset_path(avatar["preset"]).read_bytes(), None)
    with attempt.services.sessions() as session:
        asset = session.get(Asset, avatar["asset_id"])
        if asset is None:
            raise JobFailure("avatar_missing", "the portrait asset no longer exists")
        key, info = asset.storage_key, dict(asset.info)
    image = attempt.storage_call(lambda: attempt.storage.get_bytes(key), "reading the portrait")
    if int(info.get("version", 0)) != FORMAT_VERSION:
        info = _analyse_again(attempt, avatar["asset_id"], image)
    return Portrait(image, info)


def _analyse_again(attempt: Attempt, asset_id: str, image: bytes) -> dict:
    """A portrait analysed by an older release: analyse it now and store the new
    analysis with the asset, so that its later jobs do not pay for it again."""
    info = analyze_portrait(image).to_dict()  # AvatarError (a MediaError) if this release finds no face
    attempt.transaction(lambda s: s.execute(sa.update(Asset).where(Asset.id == asset_id).values(info=info)))
    return info


def plan_segments(attempt: Attempt, spec: dict | None = None) -> tuple[list[SegmentPlan], NarrationTiming | None]:
    """The job's segments, the same on every attempt (so finished ones can be reused).

    ``spec``: a composed job's scene (script or narration, voice, language) instead of the job's."""
    spec = attempt.spec if spec is None else spec
    if spec.get("script") is not None:
        sentences = split_sentences(spec["script"], spec.get("language") or "en")
        if not sentences:
            raise JobFailure("script_empty", "the script has nothing to say")
        return [SegmentPlan(i, group) for i, group in enumerate(group_segments(sentences))], None
    with attempt.services.sessions() as session:
        asset = session.get(Asset, spec["audio_asset_id"])
        if asset is None:
            raise JobFailure("audio_missing", "the audio asset no longer exists")
        key = asset.storage_key
    data = attempt.storage_call(lambda: attempt.storage.get_bytes(key), "reading the narration")
    samples, rate = load_audio(data)
    cuts = split_at_silences(samples, rate, fps=attempt.fps)
    with attempt.clock.timed("alignment"):
        timing = time_narration(samples, rate, spec.get("transcript"), spec.get("language"))
    return [SegmentPlan(i, [], (start, end)) for i, (start, end) in enumerate(cuts)], timing


def speak_segment(
    attempt: Attempt, plan: SegmentPlan, audio: NarrationTiming | None, spec: dict | None = None
) -> SpokenSegment:
    """One segment's speech, padded to whole frames, with its caption cues and
    its phones (times from the segment's first sample; padding is silence).
    ``spec``: a composed job's scene instead of the job's."""
    spec = attempt.spec if spec is None else spec
    if audio is not None:
        start, end = plan.audio or (0, 0)
        samples, rate = audio.samples[start:end].astype(np.float32), audio.sample_rate
        with attempt.clock.timed("alignment" if audio.aligned is not None else "recognition"):
            phones = audio.segment(start, end)
        # a word belongs to the segment it starts in (cuts fall in pauses, so rarely matters)
        cues = word_cues([w for w in phones.words if w.start_s >= 0.0])
    else:
        voice = resolve_voice(spec.get("voice"), spec.get("language"), attempt.settings)
        speech = attempt.storage_call(
            # the tenant's own cache: another tenant's jobs never hear whether it has spoken a sentence
            lambda: synthesize_sentences(plan.texts, voice, attempt.storage, attempt.claim.tenant_id),
            "speech cache",
        )
        samples, rate, cues = speech.samples, speech.sample_rate, [(c.start_s, c.end_s, c.text) for c in speech.cues]
        phones = speech.phones
    padded, frames = pad_to_frames(samples, rate, attempt.fps)
    return SpokenSegment(plan, padded, rate, frames, cues, phones)


def segment_words(spoken: SpokenSegment) -> list[tuple[str, float, float]]:
    """The segment's timed words, sentence by sentence: the speech's own (Piper's or espeak-ng's, aligned or
    recognised) where it has them for the sentence, else the sentence's time shared out by its words' lengths. A
    sentence's first word is written as its cue writes it: recognised words come lowercase, and their cues
    (``word_cues``) start as a sentence does."""
    words = spoken.phones.words if spoken.phones is not None else ()
    if not words:
        return words_from_cues(spoken.cues)
    if not spoken.cues:
        return [(w.text, w.start_s, w.end_s) for w in words]
    timed: list[tuple[str, float, float]] = []
    for cue, sentence in zip(spoken.cues, words_by_sentence(words, spoken.cues)):
        if not sentence:
            timed += words_from_cues([cue])
            continue
        first = sentence[0].text
        if cue[2][: len(first)].lower() == first and cue[2][: len(first)] != first:
            first = cue[2][: len(first)]
        timed += [(first, sentence[0].start_s, sentence[0].end_s)]
        timed += [(w.text, w.start_s, w.end_s) for w in sentence[1:]]
    return timed
