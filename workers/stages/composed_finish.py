"""The end of a composed job: per cut, join its segments over the job's one
audio track (speech, with the music bed mixed under it once), sign the
content credentials, upload; the main cut is the job's output and the others
are ``output["renditions"]``.

Content credentials: MP4 and MOV carry an embedded C2PA manifest. The C2PA
library cannot embed one in WebM, so each WebM cut's manifest goes beside it
as a sidecar (``video.c2pa``, ``video-WxH-NAME.c2pa``), bound to the cut's
bytes by a hash of the whole file, and listed in the output's ``files`` (a
rendition's in its own) as ``content_credentials``; the visible mark and the
invisible payload are in the frames whatever the container.
"""

from __future__ import annotations

import concurrent.futures
import logging
from pathlib import Path
from typing import Any

from domain.states import Stage
from media.compose import CONTENT_TYPES, join_and_mux, mix_music
from media.encode import encode_aac, encode_opus, encode_pcm, poster_type
from workers.attempt import Attempt, SpokenSegment
from workers.stages.brand_clips import make_brand_clips, pad_speech
from workers.stages.composition import Cut, asset_file, carries_alpha
from workers.stages.finish import (
    AudioAhead,
    JobAudio,
    credentials_kind,
    describe_output,
    levelled_track,
    output_prefix,
    poster_from_segments,
    put_output,
    sign_credentials,
    sign_sidecar_credentials,
    speech_track,
    stage_timings,
    upload_files,
    video_facts,
    write_extras,
)

log = logging.getLogger(__name__)


def composed_audio(
    attempt: Attempt, spoken_all: list[SpokenSegment], output_format: str, lead_s: float = 0.0, tail_s: float = 0.0
) -> JobAudio:
    """A composed job's sound track: its speech, with silence under a brand kit's intro (``lead_s``) and outro
    (``tail_s``), the music bed mixed under it all (ducked), levelled (``levelled_track``); for an MP4, also as the
    AAC every cut copies; for a MOV, as the 48 kHz PCM every cut copies (broadcast ingest takes nothing less)."""
    speech, cues = speech_track(attempt, spoken_all)
    cues = [(start + lead_s, end + lead_s, text) for start, end, text in cues]
    speech = pad_speech(speech, lead_s, tail_s, attempt.tmp / "speech-padded.wav")
    music = attempt.spec["composition"].get("music")
    if music:
        with attempt.clock.timed("music"):
            source = asset_file(attempt, music["asset_id"], "music", attempt.tmp / "music.src")
            speech = mix_music(
                speech,
                source,
                attempt.tmp / "mixed.wav",
                volume=float(music.get("volume", 0.2)),
                ducking=bool(music.get("ducking", True)),
                fade=float(music.get("fade", 1.0)),
            )
    # levelled once, for every cut: checked as the format delivers it (an MP4's AAC, made here for the cuts to copy;
    # a trial of the Opus each WebM cut encodes; the MOV's 48 kHz PCM, made here for the cuts to copy)
    delivered = attempt.tmp / {"mp4": "audio.m4a", "webm": "audio-trial.webm", "mov": "audio-48k.wav"}[output_format]
    encode = {"mp4": encode_aac, "webm": encode_opus, "mov": encode_pcm}[output_format]
    speech = levelled_track(attempt, speech, lambda wav: encode(wav, delivered))
    aac = delivered if output_format == "mp4" else None
    if output_format == "mov":
        speech = delivered
    return JobAudio(speech, cues, aac)


def audio_made_ahead(attempt: Attempt) -> bool:
    """Whether the sound track can be made before the video is joined: not with a brand kit's intro or outro,
    whose length is known only once they are decoded at the end."""
    comp = attempt.spec["composition"]
    return not comp.get("intro") and not comp.get("outro")


def publish_composed(
    attempt: Attempt,
    cuts: list[Cut],
    spoken_all: list[SpokenSegment],
    output_format: str,
    audio_ahead: AudioAhead = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The end of a composed job: join each cut's segments, mix speech and music (ducked; ``audio_ahead``: that
    sound track, made while the last segment rendered), sign what C2PA can sign, write poster and captions, upload
    every cut under the job's keys, and describe them in the output (``renditions[]`` for the extra cuts).
    """
    claim, clock = attempt.claim, attempt.clock
    # a video with an alpha channel gets a poster with it: a PNG, not a JPEG flattened onto black
    transparent = carries_alpha(attempt, output_format)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="poster") as beside:
        attempt.report(Stage.ENCODE, 0.0, force=True)
        with clock.timed("encode"):
            segments = {
                cut.name: [_fetch_cut_segment(attempt, cut, s.plan.index, output_format) for s in spoken_all]
                for cut in cuts
            }
            with clock.timed("brand_clips"):  # the kit's intro and outro, if any, before and after the job's own
                clips = make_brand_clips(attempt, cuts, segments, output_format)
            # each cut's poster from its own parts, beside the joins (they copy those frames): one frame decoded each
            posters = {
                cut.name: beside.submit(
                    poster_from_segments,
                    attempt,
                    segments[cut.name],
                    spoken_all,
                    [(path, clips.lead_s) for path in clips.before.get(cut.name, [])],
                    [(path, clips.tail_s) for path in clips.after.get(cut.name, [])],
                    _file_name(cut, "poster") + (".png" if transparent else ".jpg"),
                    _voice(attempt),
                )
                for cut in cuts
            }
            if audio_ahead is not None:
                audio = audio_ahead.result()
            else:
                audio = composed_audio(attempt, spoken_all, output_format, clips.lead_s, clips.tail_s)
            joined = {}
            for cut in cuts:
                parts = [*clips.before.get(cut.name, []), *segments[cut.name], *clips.after.get(cut.name, [])]
                name = _file_name(cut, "video")
                joined[cut.name] = join_and_mux(
                    parts, audio.wav, attempt.tmp / f"joined-{name}.{output_format}", output_format, audio.aac
                )
            attempt.report(Stage.ENCODE, 1.0)

        attempt.report(Stage.WATERMARK, 0.0, force=True)
        finals: dict[str, Path] = {}
        sidecars: dict[str, dict[str, dict[str, Any]]] = {}  # per cut, the files its credentials add
        with clock.timed("credentials"):
            for cut in cuts:
                dest = attempt.tmp / f"{_file_name(cut, 'video')}.{output_format}"
                finals[cut.name], sidecars[cut.name] = _sign(attempt, joined[cut.name], dest, output_format)

        prefix = output_prefix(claim.tenant_id, claim.job_id)
        main = finals["main"]
        with clock.timed("extras"):
            files = {**write_extras(attempt, posters["main"].result(), audio.cues), **sidecars["main"]}
            cut_posters = {cut.name: posters[cut.name].result() for cut in cuts}

    attempt.check()
    attempt.report(Stage.UPLOAD, 0.0, force=True)
    content_type = CONTENT_TYPES[output_format]
    renditions = []
    with clock.timed("upload"):
        stored_files = upload_files(attempt, prefix, files)
        # the job's captions serve every cut (one speech, one timing): each rendition links the same files
        captions = {name: meta for name, meta in stored_files.items() if name.startswith("captions_")}
        for cut in cuts:
            path = finals[cut.name]
            key = prefix + path.name
            put_output(attempt, key, path, content_type, f"uploading {path.name}")
            if cut.name != "main":
                poster = cut_posters[cut.name]
                own = {"poster": {"path": poster, "content_type": poster_type(poster)}, **sidecars[cut.name]}
                renditions.append(
                    {
                        "key": key,
                        **video_facts(path),
                        "format": output_format,
                        "content_type": content_type,
                        "content_credentials": credentials_kind(attempt.settings, output_format),
                        "files": {**upload_files(attempt, prefix, own), **captions},
                    }
                )
    output = describe_output(
        prefix + main.name,
        main,
        stored_files,
        spoken_all,
        format=output_format,
        content_type=content_type,
        content_credentials=credentials_kind(attempt.settings, output_format),
        renditions=renditions,
    )
    return output, stage_timings(attempt)


def _file_name(cut: Cut, stem: str) -> str:
    """A cut's file name without its extension: ``video`` and ``poster`` for the main cut, ``video-WxH-NAME`` and
    ``poster-WxH-NAME`` for a rendition, stored beside them."""
    return stem if cut.name == "main" else f"{stem}-{cut.width}x{cut.height}-{cut.name}"


def _fetch_cut_segment(attempt: Attempt, cut: Cut, index: int, output_format: str) -> Path:
    path = attempt.tmp / cut.segment_name(index, output_format)
    if not path.exists():
        key = attempt.work_prefix + path.name
        attempt.storage_call(lambda: attempt.storage.get_file(key, path), "reading a finished segment")
    return path


def _sign(attempt: Attempt, src: Path, dest: Path, output_format: str) -> tuple[Path, dict[str, dict[str, Any]]]:
    """A cut's final file at ``dest`` and the extra files its credentials make: an MP4 or MOV embeds the manifest
    (none), a WebM gets its sidecar (``content_credentials``). Unsigned, and none, without a signing key."""
    voice = _voice(attempt)
    if output_format == "webm":
        final = _moved(src, dest)
        sidecar = sign_sidecar_credentials(attempt, final, voice=voice)
        return final, {"content_credentials": sidecar} if sidecar else {}
    mime = "video/quicktime" if output_format == "mov" else "video/mp4"
    return _moved(sign_credentials(attempt, src, dest, voice=voice, mime=mime), dest), {}


def _voice(attempt: Attempt) -> str | None:
    """The voice a composed job's credentials name: its first scene's."""
    return attempt.spec["composition"]["scenes"][0].get("voice")


def _moved(path: Path, dest: Path) -> Path:
    return path if path.name == dest.name else path.rename(dest)
