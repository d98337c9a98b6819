"""The end of a job: join the segments, sign the content credentials, write the
poster and captions, upload everything under the job's own keys, describe
the output, and clear the job's working files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from domain.states import Stage

log = logging.getLogger(__name__)


def output_prefix(tenant_id: str, job_id: str) -> str:
    return f"outputs/{tenant_id}/{job_id}/"


def _segment_files(run, spoken) -> tuple[Path, Path]:
    """The segment's video and audio: from this attempt's temp dir, or from storage."""
    from workers.pipeline import storage_call

    index = spoken.plan.index
    video, audio = run.tmp / f"seg-{index:04d}.mp4", run.tmp / f"seg-{index:04d}.wav"
    key = f"{run.work_prefix}seg-{index:04d}"
    if not video.exists():
        storage_call(run.handle, lambda: run.rt.storage.get_file(key + ".mp4", video), "reading a finished segment")
    if not audio.exists():
        storage_call(run.handle, lambda: run.rt.storage.get_file(key + ".wav", audio), "reading a finished segment")
    return video, audio


def assemble_and_publish(run, spoken_all) -> tuple[dict[str, Any], dict[str, Any]]:
    from media.encode.captions import write_captions
    from media.encode.mux import concat_and_mux
    from media.encode.poster import poster
    from media.encode.probe import probe
    from media.encode.wav import read_wav, write_wav
    from workers.pipeline import storage_call

    rt, claim, clock = run.rt, run.claim, run.clock
    run.progress.report(Stage.ENCODE, 0.0, force=True)
    with clock.timed("encode"):
        videos, audio_parts, cues, offset = [], [], [], 0.0
        for spoken in spoken_all:
            video, audio = _segment_files(run, spoken)
            samples, rate = read_wav(audio)
            videos.append(video)
            audio_parts.append(samples)
            cues += [(offset + start, offset + end, text) for start, end, text in spoken.cues]
            offset += len(samples) / rate
        full_audio = run.tmp / "speech.wav"
        write_wav(full_audio, np.concatenate(audio_parts), spoken_all[0].sample_rate)
        joined = concat_and_mux(videos, full_audio, run.tmp / "joined.mp4")
        run.progress.report(Stage.ENCODE, 1.0)

    run.progress.report(Stage.WATERMARK, 0.0, force=True)
    with clock.timed("credentials"):
        final = sign_credentials(rt, claim, joined, run.tmp / "video.mp4")

    prefix = output_prefix(claim.tenant_id, claim.job_id)
    files: dict[str, dict[str, Any]] = {}
    with clock.timed("extras"):
        poster_path = poster(final, run.tmp / "poster.jpg")
        files["poster"] = {"path": poster_path, "content_type": "image/jpeg"}
        if cues:
            vtt, srt = run.tmp / "captions.vtt", run.tmp / "captions.srt"
            write_captions(cues, vtt, srt)
            files["captions_vtt"] = {"path": vtt, "content_type": "text/vtt"}
            files["captions_srt"] = {"path": srt, "content_type": "application/x-subrip"}

    run.handle.check()
    run.progress.report(Stage.UPLOAD, 0.0, force=True)
    info = probe(final)
    with clock.timed("upload"):
        video_key = prefix + "video.mp4"
        storage_call(run.handle, lambda: rt.storage.put_file(video_key, final, "video/mp4"), "uploading the video")
        stored_files = {}
        for name, meta in files.items():
            key = prefix + Path(meta["path"]).name
            storage_call(run.handle, lambda: rt.storage.put_file(key, meta["path"], meta["content_type"]), f"uploading {name}")
            stored_files[name] = {"key": key, "content_type": meta["content_type"], "bytes": Path(meta["path"]).stat().st_size}
    try:
        rt.storage.delete_prefix(run.work_prefix)
    except Exception:  # leftovers are only space; the next sweep can remove them
        log.warning("could not clear %s", run.work_prefix, exc_info=True)

    output = {"key": video_key, "duration_s": round(info.duration_s, 3), "width": info.width, "height": info.height,
              "fps": info.fps, "bytes": info.bytes, "sha256": info.sha256, "video_codec": info.video_codec,
              "audio_codec": info.audio_codec, "files": stored_files}
    timings = {name: round(seconds, 3) for name, seconds in clock.seconds.items()}
    for name, seconds in clock.seconds.items():
        rt.stats.observe("render_seconds", seconds, name)
    return output, timings


def sign_credentials(rt, claim, src: Path, dest: Path) -> Path:
    """Embed the C2PA manifest when a signing key is configured; otherwise the video goes out unsigned."""
    settings = rt.settings
    if not (settings.c2pa_cert and settings.c2pa_key):
        return src
    from media.watermark.c2pa_manifest import sign_mp4

    spec = claim.spec
    sign_mp4(src, dest, cert_pem=Path(settings.c2pa_cert).read_bytes(), key_pem=Path(settings.c2pa_key).read_bytes(),
             model=spec.get("model", "builtin"), voice=spec.get("voice") or "narration", tenant=claim.tenant_id,
             job_id=claim.job_id)
    return dest
