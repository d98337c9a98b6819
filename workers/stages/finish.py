"""The end of a job: join the segments, sign the content credentials, write the
poster and captions, upload everything under the job's own keys, describe
the output, and clear the job's working files."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import numpy as np

from domain.states import Stage
from media.encode.captions import write_captions
from media.encode.mux import concat_and_mux
from media.encode.poster import poster
from media.encode.probe import probe
from media.encode.wav import read_wav, write_wav
from media.phonemes import timing_summary
from media.watermark.c2pa_manifest import sign_mp4
from workers.attempt import Attempt, SpokenSegment
from workers.stages.segments import fetch_segment

log = logging.getLogger(__name__)


def output_prefix(tenant_id: str, job_id: str) -> str:
    return f"outputs/{tenant_id}/{job_id}/"


def assemble_and_publish(attempt: Attempt, spoken_all: list[SpokenSegment]) -> tuple[dict[str, Any], dict[str, Any]]:
    claim, clock, storage = attempt.claim, attempt.clock, attempt.storage
    attempt.report(Stage.ENCODE, 0.0, force=True)
    with clock.timed("encode"):
        videos, audio_parts, cues, offset = [], [], [], 0.0
        for spoken in spoken_all:
            video, audio = fetch_segment(attempt, spoken.plan.index)
            samples, rate = read_wav(audio)
            videos.append(video)
            audio_parts.append(samples)
            cues += [(offset + start, offset + end, text) for start, end, text in spoken.cues]
            offset += len(samples) / rate
        full_audio = attempt.tmp / "speech.wav"
        write_wav(full_audio, np.concatenate(audio_parts), spoken_all[0].sample_rate)
        joined = concat_and_mux(videos, full_audio, attempt.tmp / "joined.mp4")
        attempt.report(Stage.ENCODE, 1.0)

    attempt.report(Stage.WATERMARK, 0.0, force=True)
    with clock.timed("credentials"):
        final = sign_credentials(attempt, joined, attempt.tmp / "video.mp4")

    prefix = output_prefix(claim.tenant_id, claim.job_id)
    files: dict[str, dict[str, Any]] = {}
    with clock.timed("extras"):
        poster_path = poster(final, attempt.tmp / "poster.jpg")
        files["poster"] = {"path": poster_path, "content_type": "image/jpeg"}
        if cues:
            vtt, srt = attempt.tmp / "captions.vtt", attempt.tmp / "captions.srt"
            write_captions(cues, vtt, srt)
            files["captions_vtt"] = {"path": vtt, "content_type": "text/vtt"}
            files["captions_srt"] = {"path": srt, "content_type": "application/x-subrip"}

    attempt.check()
    attempt.report(Stage.UPLOAD, 0.0, force=True)
    info = probe(final)
    with clock.timed("upload"):
        video_key = prefix + "video.mp4"
        def put_video() -> None:
            # the job's one video key: check the lease right before writing it, so an
            # attempt frozen past its lease cannot overwrite the video of the one that took over
            attempt.check()
            storage.put_file(video_key, final, "video/mp4")

        attempt.storage_call(put_video, "uploading the video")
        stored_files = {}
        for name, meta in files.items():
            key = prefix + Path(meta["path"]).name
            attempt.storage_call(functools.partial(storage.put_file, key, meta["path"], meta["content_type"]),
                                 f"uploading {name}")
            stored_files[name] = {"key": key, "content_type": meta["content_type"], "bytes": Path(meta["path"]).stat().st_size}
    try:
        storage.delete_prefix(attempt.work_prefix)
    except Exception:  # leftovers are only space; the next sweep can remove them
        log.warning("could not clear %s", attempt.work_prefix, exc_info=True)

    output = {"key": video_key, "duration_s": round(info.duration_s, 3), "width": info.width, "height": info.height,
              "fps": info.fps, "bytes": info.bytes, "sha256": info.sha256, "video_codec": info.video_codec,
              "audio_codec": info.audio_codec, "files": stored_files,
              "timing": timing_summary([s.phones for s in spoken_all if s.phones is not None])}
    timings = {name: round(seconds, 3) for name, seconds in clock.seconds.items()}
    for name, seconds in clock.seconds.items():
        attempt.services.observe("render_seconds", seconds, name)
    return output, timings


def sign_credentials(attempt: Attempt, src: Path, dest: Path) -> Path:
    """Embed the C2PA manifest when a signing key is configured; otherwise the video goes out unsigned."""
    settings, claim = attempt.settings, attempt.claim
    if not (settings.c2pa_cert and settings.c2pa_key):
        return src
    spec = claim.spec
    sign_mp4(src, dest, cert_pem=Path(settings.c2pa_cert).read_bytes(), key_pem=Path(settings.c2pa_key).read_bytes(),
             model=spec.get("model", "builtin"), voice=spec.get("voice") or "narration", tenant=claim.tenant_id,
             job_id=claim.job_id)
    return dest
