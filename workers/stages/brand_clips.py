"""A brand kit's intro and outro (``spec["composition"]["intro"|"outro"]``),
made into segments of each cut and joined before and after the job's own.

Each clip is decoded once per cut at the cut's size (scaled to cover the
canvas, centred) and the job's frame rate, marked with the visible and
invisible watermark as every frame of the job is, and encoded as the job's
segments are, so the join stays a stream copy. A ``crossfade`` fades the
intro's last frames into the job's first picture and the job's last picture
into the outro's first frames. Neither picture is a talking one: the job's
last frame is in its speech's trailing pause, and behind an intro's crossfade
the job holds silent, its presenter at rest, for the fade's length before it
speaks (``intro_hold_frames``, applied by ``workers.composed`` as for a
crossfade between scenes): its first picture had been taken mid-word, a
frozen open mouth dissolving out of the intro. The job's speech is padded
with silence under the clips and the music bed (if any) plays under all of
it; the clips' own sound is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from media.compose import Background, ComposedEncoder, background_for, video_still
from media.encode import available_encoders, choose_video_codec, read_wav, write_wav
from workers.attempt import Attempt
from workers.stages.composition import Cut, asset_file, encoder_preset

#: decoded clip frames: a clip longer than this plays its first part (an intro is a sting of a few seconds)
MAX_CLIP_S = 30.0
_COVER = {"type": "video", "fit": "cover", "play": "freeze"}


@dataclass
class BrandClips:
    """Per cut, the segment files to put before and after the job's own, and the seconds they last."""

    before: dict[str, list[Path]] = field(default_factory=dict)
    after: dict[str, list[Path]] = field(default_factory=dict)
    lead_s: float = 0.0
    tail_s: float = 0.0


def make_brand_clips(
    attempt: Attempt, cuts: list[Cut], segments: dict[str, list[Path]], output_format: str
) -> BrandClips:
    """The intro and outro segments of every cut (none when the job's kit has no clips)."""
    comp = attempt.spec["composition"]
    clips = BrandClips()
    intro, outro = comp.get("intro"), comp.get("outro")
    if not intro and not outro:
        return clips
    fps = attempt.fps
    codec = choose_video_codec(attempt.services.tag, available_encoders())
    transparent = output_format != "mp4" and any(s["background"].get("type") == "transparent" for s in comp["scenes"])
    for cut in cuts:
        own = segments[cut.name]
        for part, clip in (("intro", intro), ("outro", outro)):
            if not clip:
                continue
            frames, count = _clip(attempt, clip["asset_id"], cut, part)
            join = _job_picture(own[0] if part == "intro" else own[-1], cut, first=part == "intro")
            fade = _fade_frames(clip.get("transition") or {}, fps, count)
            path = attempt.tmp / f"{part}.{cut.name}.{output_format}"
            _encode(attempt, cut, frames, count, join, fade, part, path, output_format, transparent, codec)
            (clips.before if part == "intro" else clips.after)[cut.name] = [path]
            if cut.name == cuts[0].name:
                seconds = count / fps
                if part == "intro":
                    clips.lead_s = seconds
                else:
                    clips.tail_s = seconds
    return clips


def intro_hold_frames(composition: dict[str, Any], fps: int) -> int:
    """Frames the job holds silent, its presenter at rest, before it first speaks, so the intro crossfades into a
    picture at rest: the intro's crossfade at its full length (the clip, decoded only at the end, may be shorter, and
    the fade with it); 0 without an intro or with a cut."""
    return _crossfade_frames((composition.get("intro") or {}).get("transition") or {}, fps)


def _decoded(attempt: Attempt, video: Path, cut: Cut, scratch: Path) -> Background:
    """A video's frames at the cut's size (covering it) and the job's frame rate, read by memory map."""
    return background_for(
        _COVER,
        cut.width,
        cut.height,
        portrait_rgb=np.zeros((2, 2, 3), np.uint8),
        video_path=video,
        scratch=scratch,
        fps=attempt.fps,
    )


def _clip(attempt: Attempt, asset_id: str, cut: Cut, part: str) -> tuple[Background, int]:
    source = asset_file(attempt, asset_id, part, attempt.tmp / f"{part}-{asset_id}")
    clip = _decoded(attempt, source, cut, attempt.tmp / f"{part}-{asset_id}-{cut.width}x{cut.height}.rgb")
    return clip, min(clip.frame_count, int(MAX_CLIP_S * attempt.fps))


def _job_picture(segment: Path, cut: Cut, *, first: bool) -> np.ndarray:
    """The job's first (or last) picture on this cut, read back from its encoded segment."""
    return video_still(segment, cut.width, cut.height, last=not first)


def _crossfade_frames(transition: dict[str, Any], fps: int) -> int:
    if transition.get("type") != "crossfade":
        return 0
    return max(0, int(round(float(transition.get("duration") or 0.0) * fps)))


def _fade_frames(transition: dict[str, Any], fps: int, available: int) -> int:
    return min(available, _crossfade_frames(transition, fps))


def _encode(
    attempt: Attempt,
    cut: Cut,
    frames: Background,
    count: int,
    join: np.ndarray,
    fade: int,
    part: str,
    path: Path,
    output_format: str,
    transparent: bool,
    codec: str,
) -> None:
    with ComposedEncoder(
        path,
        cut.width,
        cut.height,
        attempt.fps,
        output_format=output_format,
        alpha=transparent,
        codec=codec,
        preset=encoder_preset(attempt),
    ) as encoder:
        for k in range(count):
            frame = np.ascontiguousarray(frames.frame(k)[..., :3])
            # intro: its last `fade` frames move towards the job's first picture; outro: its first from the last
            step = k - (count - fade) + 1 if part == "intro" else fade - k
            if fade and 0 < step <= fade:
                weight = step / (fade + 1)
                frame = (frame.astype(np.float32) * (1.0 - weight) + join.astype(np.float32) * weight + 0.5).astype(
                    np.uint8
                )
            encoder.write(_marked(cut, frame, k))  # opaque on a transparent job: the encoder adds the alpha


def _marked(cut: Cut, frame: np.ndarray, index: int) -> np.ndarray:
    """The cut's draft label, visible mark and invisible payload, as on the job's own frames."""
    if cut.draft_mark is not None:
        frame = cut.draft_mark.apply(frame, in_place=True)
    if cut.visible is not None:
        frame = cut.visible.apply(frame, in_place=True)
    marked: np.ndarray = cut.invisible.apply(frame, index)
    return marked


def pad_speech(speech: Path, lead_s: float, tail_s: float, out: Path) -> Path:
    """The job's speech with silence under the intro and the outro."""
    if lead_s <= 0 and tail_s <= 0:
        return speech
    samples, rate = read_wav(speech)
    silence = np.zeros(int(round(lead_s * rate)), samples.dtype), np.zeros(int(round(tail_s * rate)), samples.dtype)
    write_wav(out, np.concatenate([silence[0], samples, silence[1]]), rate)
    return out
