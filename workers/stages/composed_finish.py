"""The end of a composed job: per cut, join its segments over the job's one
audio track (speech, with the music bed mixed under it once), sign the
content credentials, upload; the main cut is the job's output and the others
are ``output["renditions"]``.

Content credentials: MP4 and MOV carry an embedded C2PA manifest. The C2PA
library cannot embed one in WebM, so a WebM's credentials go beside it as a
sidecar (``video.c2pa``) when it can make one; the visible mark and the
invisible payload are in the frames whatever the container.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import numpy as np

from domain.states import Stage
from media.compose import CONTENT_TYPES, join_and_mux, mix_music
from media.encode.captions import write_captions
from media.encode.poster import write_poster
from media.encode.probe import probe_video
from media.encode.wav import read_wav, write_wav
from media.phonemes import timing_summary
from media.watermark.c2pa_manifest import sign_mp4
from workers.attempt import Attempt, SpokenSegment
from workers.stages.composition import Cut, asset_file
from workers.stages.finish import output_prefix
from workers.stages.segments import segment_key

log = logging.getLogger(__name__)


def publish_composed(attempt: Attempt, cuts: list[Cut], spoken_all: list[SpokenSegment],
                     output_format: str) -> tuple[dict[str, Any], dict[str, Any]]:
    claim, clock, storage = attempt.claim, attempt.clock, attempt.storage
    comp = attempt.spec["composition"]
    attempt.report(Stage.ENCODE, 0.0, force=True)
    with clock.timed("encode"):
        audio_parts, cues, offset = [], [], 0.0
        for spoken in spoken_all:
            wav = _fetch_wav(attempt, spoken.plan.index)
            samples, rate = read_wav(wav)
            audio_parts.append(samples)
            cues += [(offset + start, offset + end, text) for start, end, text in spoken.cues]
            offset += len(samples) / rate
        speech = attempt.tmp / "speech.wav"
        write_wav(speech, np.concatenate(audio_parts), spoken_all[0].sample_rate)
        music = comp.get("music")
        if music:
            with clock.timed("music"):
                source = asset_file(attempt, music["asset_id"], "music", attempt.tmp / "music.src")
                speech = mix_music(speech, source, attempt.tmp / "mixed.wav", volume=float(music.get("volume", 0.2)),
                                   ducking=bool(music.get("ducking", True)), fade=float(music.get("fade", 1.0)))
        joined = {}
        for cut in cuts:
            segments = [_fetch_cut_segment(attempt, cut, s.plan.index, output_format) for s in spoken_all]
            name = "video" if cut.name == "main" else f"video-{cut.width}x{cut.height}-{cut.name}"
            joined[cut.name] = join_and_mux(segments, speech, attempt.tmp / f"joined-{name}.{output_format}", output_format)
        attempt.report(Stage.ENCODE, 1.0)

    attempt.report(Stage.WATERMARK, 0.0, force=True)
    finals: dict[str, Path] = {}
    with clock.timed("credentials"):
        for cut in cuts:
            name = "video" if cut.name == "main" else f"video-{cut.width}x{cut.height}-{cut.name}"
            finals[cut.name] = _sign(attempt, joined[cut.name], attempt.tmp / f"{name}.{output_format}", output_format)

    prefix = output_prefix(claim.tenant_id, claim.job_id)
    main = finals["main"]
    files: dict[str, dict[str, Any]] = {}
    with clock.timed("extras"):
        files["poster"] = {"path": write_poster(main, attempt.tmp / "poster.jpg"), "content_type": "image/jpeg"}
        if cues:
            vtt, srt = attempt.tmp / "captions.vtt", attempt.tmp / "captions.srt"
            write_captions(cues, vtt, srt)
            files["captions_vtt"] = {"path": vtt, "content_type": "text/vtt"}
            files["captions_srt"] = {"path": srt, "content_type": "application/x-subrip"}

    attempt.check()
    attempt.report(Stage.UPLOAD, 0.0, force=True)
    content_type = CONTENT_TYPES[output_format]
    renditions = []
    with clock.timed("upload"):
        for cut in cuts:
            path = finals[cut.name]
            key = prefix + path.name
            attempt.storage_call(functools.partial(storage.put_file, key, path, content_type), f"uploading {path.name}")
            if cut.name != "main":
                info = probe_video(path)
                renditions.append({"width": info.width, "height": info.height, "key": key, "bytes": info.bytes,
                                   "sha256": info.sha256, "format": output_format})
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
    info = probe_video(main)
    output = {"key": prefix + main.name, "duration_s": round(info.duration_s, 3), "width": info.width,
              "height": info.height, "fps": info.fps, "bytes": info.bytes, "sha256": info.sha256,
              "video_codec": info.video_codec, "audio_codec": info.audio_codec, "format": output_format,
              "content_type": content_type, "files": stored_files, "renditions": renditions,
              "timing": timing_summary([s.phones for s in spoken_all if s.phones is not None])}
    timings = {name: round(seconds, 3) for name, seconds in clock.seconds.items()}
    for name, seconds in clock.seconds.items():
        attempt.services.observe("render_seconds", seconds, name)
    return output, timings


def _fetch_cut_segment(attempt: Attempt, cut: Cut, index: int, output_format: str) -> Path:
    path = attempt.tmp / cut.segment_name(index, output_format)
    if not path.exists():
        key = attempt.work_prefix + path.name
        attempt.storage_call(lambda: attempt.storage.get_file(key, path), "reading a finished segment")
    return path


def _fetch_wav(attempt: Attempt, index: int) -> Path:
    path = attempt.tmp / f"seg-{index:04d}.wav"
    if not path.exists():
        key = segment_key(attempt, index) + ".wav"
        attempt.storage_call(lambda: attempt.storage.get_file(key, path), "reading a finished segment")
    return path


def _sign(attempt: Attempt, src: Path, dest: Path, output_format: str) -> Path:
    settings, claim = attempt.settings, attempt.claim
    if not (settings.c2pa_cert and settings.c2pa_key) or output_format == "webm":
        return src if src.name == dest.name else src.rename(dest)
    spec = claim.spec
    voice = spec["composition"]["scenes"][0].get("voice") or "narration"
    sign_mp4(src, dest, cert_pem=Path(settings.c2pa_cert).read_bytes(), key_pem=Path(settings.c2pa_key).read_bytes(),
             model=spec.get("model", "builtin"), voice=voice, tenant=claim.tenant_id, job_id=claim.job_id,
             mime="video/quicktime" if output_format == "mov" else "video/mp4")
    return dest
