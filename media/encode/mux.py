"""Join a job's segments into the final MP4 and give it its one audio track.

Video: the segments are joined by the concat demuxer with stream copy, no
re-encode. Audio: the whole job's PCM (segments' speech, each padded to its
frames with ``pad_to_frames``) is encoded to AAC once, so there are no
encoder restarts, priming gaps or clicks at the joins. ``-shortest`` is not
used: it could cut speech. Instead this checks that the video covers the
audio, which the padding rule guarantees.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import ffmpeg

from domain.errors import JobFailure
from media.encode.ffmpeg_binary import QUIET, encode_failure, ffmpeg_exe, run_ffmpeg
from media.encode.wav import read_wav

#: Every delivered file's sound is 48 kHz, as broadcast ingest expects (resampled once from the farm's 24 kHz PCM).
OUTPUT_SAMPLE_RATE = 48000
#: The MP4's audio: AAC-LC, mono, 48 kHz.
AAC_SAMPLE_RATE = OUTPUT_SAMPLE_RATE
AAC_BITRATE = "96k"
#: ffmpeg's options for the job's audio as AAC: mono, 48 kHz
_AAC = {"acodec": "aac", "ar": AAC_SAMPLE_RATE, "ac": 1, "audio_bitrate": AAC_BITRATE}


def encode_aac(audio_wav_path: Path | str, out_path: Path | str) -> Path:
    """The WAV as the AAC ``concat_and_mux`` gives it, once, in an M4A: several files over the same audio (a
    job's cuts) then copy it (``concat_and_mux(..., aac=)``) instead of each encoding it again; the joined
    files are the same, byte for byte (``tests/unit/media/encode/test_mux.py``)."""
    return _encode_audio(audio_wav_path, out_path, "ipod", _AAC, "encoding the audio")


def encode_pcm(audio_wav_path: Path | str, out_path: Path | str) -> Path:
    """The WAV as a MOV carries it: 16-bit mono PCM at 48 kHz, once, for every cut to copy (the farm speaks at
    24 kHz, and a MOV's PCM keeps whatever rate it is given)."""
    options = {"acodec": "pcm_s16le", "ar": OUTPUT_SAMPLE_RATE, "ac": 1}
    return _encode_audio(audio_wav_path, out_path, "wav", options, "resampling the audio")


def _encode_audio(
    audio_wav_path: Path | str, out_path: Path | str, container: str, options: dict[str, Any], doing: str
) -> Path:
    """The WAV's audio encoded with ``options`` into ``container`` at ``out_path``, written beside it first and
    moved into place whole (a failed encode leaves nothing); ``doing`` names the step in its failure."""
    out_path = Path(out_path)
    partial = out_path.with_name(f"{out_path.stem}.partial{out_path.suffix}")
    stream = ffmpeg.output(ffmpeg.input(str(audio_wav_path)).audio, str(partial), f=container, **options)
    done = run_ffmpeg(ffmpeg.compile(stream.global_args(*QUIET), cmd=ffmpeg_exe(), overwrite_output=True))
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise encode_failure(doing, done.returncode, done.stderr)
    os.replace(partial, out_path)
    return out_path


def concat_and_mux(
    segment_paths: Sequence[Path | str],
    audio_wav_path: Path | str,
    out_path: Path | str,
    *,
    faststart: bool = True,
    aac: Path | str | None = None,
) -> Path:
    """Write ``out_path``: the segments' video back to back, with the WAV as AAC (``aac``: that WAV already
    encoded by ``encode_aac``, copied).

    The file appears only once complete (written beside it, then renamed).
    Raises ``JobFailure("encode_failed")`` when there are no segments, the
    audio outlasts the video by more than one frame, or ffmpeg fails.
    """
    if not segment_paths:
        raise JobFailure("encode_failed", "no segments to join")
    segments = [Path(p).absolute() for p in segment_paths]
    out_path = Path(out_path)
    video_s, frame_s = _video_duration(segments)
    samples, rate = read_wav(audio_wav_path)
    audio_s = len(samples) / rate
    if audio_s > video_s + frame_s:
        raise JobFailure(
            "encode_failed",
            f"the audio ({audio_s:.3f} s) outlasts the video ({video_s:.3f} s); "
            "pad each segment's audio with pad_to_frames and render that many frames",
        )

    partial = out_path.with_name(f"{out_path.stem}.partial{out_path.suffix}")
    with tempfile.TemporaryDirectory(prefix="talkfarm-concat-") as tmp:
        listing = Path(tmp) / "segments.txt"
        listing.write_text("".join(f"file {_quote(p)}\n" for p in segments), encoding="utf-8")
        video = ffmpeg.input(str(listing), f="concat", safe=0)
        audio = ffmpeg.input(str(aac or audio_wav_path))
        options: dict[str, object] = {"vcodec": "copy", "acodec": "copy"}
        if aac is None:
            options.update(_AAC)
        if faststart:
            options["movflags"] = "+faststart"
        stream = ffmpeg.output(video.video, audio.audio, str(partial), f="mp4", **options).global_args(*QUIET)
        args = ffmpeg.compile(stream, cmd=ffmpeg_exe(), overwrite_output=True)
        try:
            done = run_ffmpeg(args)
        except OSError as exc:
            raise JobFailure("encode_failed", f"cannot start ffmpeg: {exc}", retryable=True) from exc
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise encode_failure(f"joining {len(segments)} segments", done.returncode, done.stderr)
    os.replace(partial, out_path)
    return out_path


def _video_duration(segments: list[Path]) -> tuple[float, float]:
    """Total duration of the segments from their frame counts, and one frame's length."""
    total = Fraction(0)
    frame = Fraction(0)
    for path in segments:
        try:
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                # our own segments always carry a frame rate (SegmentEncoder sets it)
                assert stream.average_rate is not None
                rate = Fraction(stream.average_rate)
                frames = stream.frames or sum(1 for _ in container.demux(stream) if _.size)
        except (av.FFmpegError, IndexError) as exc:
            raise JobFailure("encode_failed", f"segment {path.name} is not a readable video: {exc}") from exc
        total += frames / rate
        frame = max(frame, 1 / rate)
    return float(total), float(frame)


def _quote(path: Path) -> str:
    # The concat list's quoting: single quotes, with ' written as '\''.
    return "'" + str(path).replace("'", "'\\''") + "'"
