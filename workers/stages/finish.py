"""The end of a job: join the segments, sign the content credentials, write the
poster and captions, upload everything under the job's own keys, and describe
the output. The job's working files stay until its success is recorded (``tasks.render_job``): an attempt
killed between the upload and that commit leaves its successor segments to resume from."""

from __future__ import annotations

import concurrent.futures
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from domain.config import Settings
from domain.states import Stage
from media.compose import subtitles
from media.encode import (
    MIN_GAP_FRAMES,
    concat_and_mux,
    encode_aac,
    normalise_wav,
    poster_type,
    probe_video,
    write_captions,
    write_poster_from_parts,
    write_wav,
)
from media.phonemes import timing_summary
from media.watermark import MANIFEST_STORE, sign_mp4, sign_sidecar
from workers.attempt import Attempt, SpokenSegment
from workers.stages.inputs import segment_words
from workers.stages.segments import fetch_segment

log = logging.getLogger(__name__)

#: a caption cue: (start s, end s, text)
Cue = tuple[float, float, str]


def output_prefix(tenant_id: str, job_id: str) -> str:
    """Where a job's outputs live: derived from its id, so a retry overwrites instead of duplicating."""
    return f"outputs/{tenant_id}/{job_id}/"


@dataclass(frozen=True)
class JobAudio:
    """A job's sound track: the WAV, the caption cues on the job's time, and for an MP4 the WAV as AAC, encoded once
    for every cut to copy (``concat_and_mux(..., aac=)``)."""

    wav: Path
    cues: list[Cue]
    aac: Path | None


#: the sound track, made on a thread of its own once the last segment is spoken (``speech_track``), or None: made
#: at the end
AudioAhead = concurrent.futures.Future[JobAudio] | None


def speech_track(attempt: Attempt, spoken_all: list[SpokenSegment]) -> tuple[Path, list[Cue]]:
    """The job's whole speech as one WAV, each segment's speech back to back, and its subtitle cues, cut from each
    segment's timed words as its burned-in subtitles are (``subtitles``), moved from its segment's time to the
    job's. From the speech this attempt holds: every segment is spoken on every attempt (a resumed one's from the
    speech cache), and its stored WAV is written from the same samples."""
    parts, cues, offset, fps = [], [], 0.0, attempt.fps
    for spoken in spoken_all:
        parts.append(np.asarray(spoken.samples, dtype=np.float32).reshape(-1))
        # the cues burned-in subtitles show (``subtitles``), on the video's frames: each segment is whole frames
        starts = [cue[0] for cue in spoken.cues]
        cues += [(offset + c.start, offset + c.end, c.text) for c in subtitles(segment_words(spoken), starts, fps)]
        offset += spoken.frames / fps
    cues = _chained_across_segments(cues, fps)
    speech = attempt.tmp / "speech.wav"
    write_wav(speech, np.concatenate(parts), spoken_all[0].sample_rate)
    return speech, cues


def _chained_across_segments(cues: list[Cue], fps: int) -> list[Cue]:
    """The cues with a gap under ``MIN_GAP_FRAMES`` between the last of one segment and the first of the next closed:
    within a segment, cues chain or stand that far apart already."""
    out = list(cues)
    for n in range(len(out) - 1):
        if out[n + 1][0] - out[n][1] < MIN_GAP_FRAMES / fps - 1e-9:
            out[n] = (out[n][0], out[n + 1][0], out[n][2])
    return out


def levelled_track(attempt: Attempt, wav: Path, encode: Callable[[Path], Path]) -> Path:
    """The job's whole sound track at the operator's loudness under the true-peak ceiling (``normalise_wav``), once,
    before any cut or format is made from it: ``encode`` makes the sound as it is delivered (the AAC every MP4 cut
    copies, a WebM's Opus, a MOV's PCM), whose true peak is the one held under the ceiling. Drafts go through here as
    their finals do, so a draft keeps its final's sound."""
    settings, levelled_wav = attempt.settings, attempt.tmp / "levelled.wav"
    with attempt.clock.timed("loudness"):
        done = normalise_wav(
            wav, levelled_wav, settings.loudness_target_lufs, settings.true_peak_ceiling_dbtp, encode=encode
        )
    log.info(
        "sound levelled from %.1f LUFS, %.1f dBTP to %.1f LUFS, %.1f dBTP delivered (gain %+.1f dB, peaks limited "
        "by up to %.1f dB)",
        done.before_lufs,
        done.before_dbtp,
        done.after_lufs,
        done.delivered_dbtp,
        done.gain_db,
        done.limited_db,
    )
    if done.delivered_dbtp is not None and done.delivered_dbtp > settings.true_peak_ceiling_dbtp:
        log.warning("the encoded sound peaks at %.1f dBTP, over the ceiling", done.delivered_dbtp)
    return levelled_wav


def square_audio(attempt: Attempt, spoken_all: list[SpokenSegment]) -> JobAudio:
    """A square job's sound track: its speech, levelled (``levelled_track``), and that as AAC."""
    speech, cues = speech_track(attempt, spoken_all)
    aac = attempt.tmp / "audio.m4a"
    levelled = levelled_track(attempt, speech, lambda wav: encode_aac(wav, aac))
    return JobAudio(levelled, cues, aac)


def assemble_and_publish(
    attempt: Attempt, spoken_all: list[SpokenSegment], audio_ahead: AudioAhead = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The end of a square job, step by step: join the segments over the whole speech (``audio_ahead``: its sound
    track, made while the last segment rendered), sign the credentials, write poster and captions, upload under the
    job's keys, and describe the output. Every step is safe to run again: a retry after a crash here overwrites the
    same keys."""
    attempt.report(Stage.ENCODE, 0.0, force=True)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="poster") as beside:
        with attempt.clock.timed("encode"):
            videos = [fetch_segment(attempt, spoken.plan.index) for spoken in spoken_all]
            poster = beside.submit(poster_from_segments, attempt, videos, spoken_all)  # made beside the join
            audio = audio_ahead.result() if audio_ahead is not None else square_audio(attempt, spoken_all)
            joined = concat_and_mux(videos, audio.wav, attempt.tmp / "joined.mp4", aac=audio.aac)
            attempt.report(Stage.ENCODE, 1.0)

        attempt.report(Stage.WATERMARK, 0.0, force=True)
        with attempt.clock.timed("credentials"):
            final = sign_credentials(attempt, joined, attempt.tmp / "video.mp4")
        with attempt.clock.timed("extras"):
            extras = write_extras(attempt, poster.result(), audio.cues)

    attempt.check()
    attempt.report(Stage.UPLOAD, 0.0, force=True)
    prefix = output_prefix(attempt.claim.tenant_id, attempt.claim.job_id)
    with attempt.clock.timed("upload"):
        video_key = prefix + "video.mp4"
        put_output(attempt, video_key, final, "video/mp4", "uploading the video")
        stored = upload_files(attempt, prefix, extras)
    output = describe_output(
        video_key,
        final,
        stored,
        spoken_all,
        format="mp4",
        content_type="video/mp4",
        content_credentials=credentials_kind(attempt.settings, "mp4"),
    )
    return output, stage_timings(attempt)


def poster_from_segments(
    attempt: Attempt,
    videos: list[Path],
    spoken_all: list[SpokenSegment],
    before: Sequence[tuple[Path, float]] = (),
    after: Sequence[tuple[Path, float]] = (),
    name: str = "poster.jpg",
    voice: str | None = None,
) -> Path:
    """A cut's poster from its segments' videos (and the clips joined ``before`` and ``after`` them, each with its
    seconds), the frame the joined video has a quarter in (``write_poster``'s choice), one frame decoded: the join is
    a stream copy of those frames, so the poster is made beside it rather than after. ``name``: its file's (a
    rendition's poster goes beside the rendition, ``poster-WxH-NAME.jpg``). Signed as the video is, when a signing
    key is configured: a still of the video is as synthetic as the video (``voice``: as ``sign_credentials``)."""
    parts = [(video, spoken.frames / attempt.fps) for video, spoken in zip(videos, spoken_all)]
    poster = write_poster_from_parts([*before, *parts, *after], attempt.tmp / name)
    args = _manifest_args(attempt, voice)
    if args is not None:
        sign_mp4(poster, poster, mime=poster_type(poster), **args)  # written beside it, then renamed over it
    return poster


def write_extras(attempt: Attempt, poster: Path, cues: list[Cue]) -> dict[str, dict[str, Any]]:
    """The files that go beside a video: its poster (``poster_from_segments``), and its captions as VTT and SRT when
    it speaks words."""
    files: dict[str, dict[str, Any]] = {"poster": {"path": poster, "content_type": poster_type(poster)}}
    if cues:
        vtt, srt = attempt.tmp / "captions.vtt", attempt.tmp / "captions.srt"
        write_captions(cues, vtt, srt, cut=False)  # speech_track's cues, as the burned-in subtitles show them
        files["captions_vtt"] = {"path": vtt, "content_type": "text/vtt"}
        files["captions_srt"] = {"path": srt, "content_type": "application/x-subrip"}
    return files


def put_output(attempt: Attempt, key: str, path: Path, content_type: str, what: str) -> None:
    """Store one of the job's videos under its key. The lease is checked right before the write, so an
    attempt frozen past its lease cannot overwrite the video of the attempt that took the job over."""

    def put() -> None:
        """Check the lease, then write: a stale attempt raises before touching the key."""
        attempt.check()
        attempt.storage.put_file(key, path, content_type)

    attempt.storage_call(put, what)


def upload_files(attempt: Attempt, prefix: str, files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Upload ``files`` under ``prefix``; returns what the job's document lists for each: key, type, size."""
    stored = {}
    for name, meta in files.items():
        key = prefix + Path(meta["path"]).name
        attempt.storage_call(
            functools.partial(attempt.storage.put_file, key, meta["path"], meta["content_type"]), f"uploading {name}"
        )
        stored[name] = {"key": key, "content_type": meta["content_type"], "bytes": Path(meta["path"]).stat().st_size}
    return stored


def describe_output(
    key: str, video: Path, stored: dict[str, dict[str, Any]], spoken_all: list[SpokenSegment], **extra: Any
) -> dict[str, Any]:
    """The job's ``output`` document: what the stored video is (read back from the file, not assumed),
    its files, and how its speech was timed."""
    return {
        "key": key,
        **video_facts(video),
        **extra,
        "files": stored,
        "timing": timing_summary([s.phones for s in spoken_all if s.phones is not None]),
    }


def video_facts(video: Path) -> dict[str, Any]:
    """What a stored video is, read back from its file: length, picture, rate, size, hash and codecs (the main
    output and each rendition say the same of theirs)."""
    info = probe_video(video)
    return {
        "duration_s": round(info.duration_s, 3),
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "bytes": info.bytes,
        "sha256": info.sha256,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
    }


def stage_timings(attempt: Attempt) -> dict[str, float]:
    """Seconds per stage for the job's ``timings``, also recorded in the worker's histograms."""
    for name, seconds in attempt.clock.seconds.items():
        attempt.services.observe("render_seconds", seconds, name)
    return {name: round(seconds, 3) for name, seconds in attempt.clock.seconds.items()}


def credentials_kind(settings: Settings, output_format: str) -> str:
    """How a delivered file carries its C2PA content credentials, as its document says (``content_credentials``):
    ``embedded`` (MP4, MOV), ``sidecar`` (WebM), or ``none`` when this farm has no signing key."""
    if not settings.signs_c2pa:
        return "none"
    return "sidecar" if output_format == "webm" else "embedded"


def _manifest_args(attempt: Attempt, voice: str | None) -> dict[str, Any] | None:
    """The signing key and what the manifest says of the job; None when no signing key is configured."""
    settings, claim = attempt.settings, attempt.claim
    if not settings.signs_c2pa:
        return None
    return {
        "cert_pem": Path(settings.c2pa_cert).read_bytes(),
        "key_pem": Path(settings.c2pa_key).read_bytes(),
        "model": claim.spec.get("model", "builtin"),
        "voice": voice or claim.spec.get("voice") or "narration",
        "tenant": claim.tenant_id,
        "job_id": claim.job_id,
        "draft": bool(claim.spec.get("draft")),
    }


def sign_credentials(
    attempt: Attempt, src: Path, dest: Path, *, voice: str | None = None, mime: str = "video/mp4"
) -> Path:
    """Embed the C2PA manifest when a signing key is configured; otherwise the video goes out unsigned.
    ``voice``: the voice named in the manifest (a composed job's first scene's); ``mime``: MP4 or MOV."""
    args = _manifest_args(attempt, voice)
    if args is None:
        return src
    sign_mp4(src, dest, mime=mime, **args)
    return dest


def sign_sidecar_credentials(
    attempt: Attempt, video: Path, *, voice: str | None = None, mime: str = "video/webm"
) -> dict[str, Any] | None:
    """The C2PA manifest of a video it cannot be embedded in (WebM), as ``<name>.c2pa`` beside it: an extra
    file (``content_credentials``) for ``upload_files``; None when no signing key is configured."""
    args = _manifest_args(attempt, voice)
    if args is None:
        return None
    sidecar = video.with_suffix(".c2pa")
    sign_sidecar(video, sidecar, mime=mime, **args)
    return {"path": sidecar, "content_type": MANIFEST_STORE}
