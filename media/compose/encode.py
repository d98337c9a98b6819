"""Encoding composed video: per-segment files in the output format, the join, and the music bed.

``mp4``: H.264 + AAC, as every job. ``webm``: VP9 + Opus; with a transparent
background the frames keep their alpha (``yuva420p``, which VP9 stores as a
second, alpha plane: Chrome, Firefox and ffmpeg's libvpx decoder read it).
``mov``: ProRes 4444 (``prores_ks``, 10-bit 4:4:4 with alpha) + PCM, as
editors want it; costly in bytes, cheap in CPU.

The music bed is looped (``aloop``) or trimmed to the speech, faded in and
out, and ducked under the voice by ``sidechaincompress`` keyed on the speech
itself, then mixed with it. One ffmpeg run, on the whole job's audio.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from media.encode.ffmpeg_binary import QUIET, encode_failure, ffmpeg_exe, run_ffmpeg
from media.encode.mux import concat_and_mux
from media.encode.video import SegmentEncoder
from media.encode.wav import read_wav

OUTPUT_FORMATS = ("mp4", "webm", "mov")
CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}
#: ducking: the compressor's threshold and ratio, and the share of its output in the bed (the rest is the bed as it
#: was). The compressor alone took the bed 22 dB down under a voice, and further under a louder one: a bed under a
#: script whose sentences run on, as Piper's do (40 ms apart), was gone for the whole video. A fifth of the bed
#: left as it was keeps it at most 14 dB down however loud the voice: about 12 dB under speech, heard but not
#: competing, as a broadcast bed under a voice-over (tests/unit/compose/test_composed_jobs.py measures it)
DUCK_THRESHOLD, DUCK_RATIO, DUCK_MIX = 0.015, 10, 0.8


def with_alpha(frame: np.ndarray) -> np.ndarray:
    """An RGB frame as RGBA, opaque; an RGBA one as it is."""
    if frame.shape[2] == 4:
        return frame
    return np.dstack([frame, np.full(frame.shape[:2], 255, np.uint8)])


#: WebM's and MOV's frames as the MP4's are: converted from RGB with BT.709's matrix into limited range, and tagged
#: so (untagged, they were converted with BT.601's, FFmpeg's default, and a player guessed)
BT709 = [
    "-vf",
    "scale=out_color_matrix=bt709:out_range=tv",
    "-color_primaries",
    "bt709",
    "-color_trc",
    "bt709",
    "-colorspace",
    "bt709",
    "-color_range",
    "tv",
]


class ComposedEncoder(SegmentEncoder):
    """A ``SegmentEncoder`` for any output format, taking RGB or (``alpha``) RGBA frames, or for ``mp4`` the
    encoder's own yuv420p (``input_format``)."""

    def __init__(
        self,
        path: Path | str,
        width: int,
        height: int,
        fps: int,
        *,
        output_format: str = "mp4",
        alpha: bool = False,
        codec: str = "libx264",
        preset: str = "veryfast",
        input_format: str = "rgb24",
    ):
        if input_format != "rgb24" and output_format != "mp4":
            raise ValueError(f"{output_format} takes RGB frames, not {input_format}")
        super().__init__(path, width, height, fps, codec=codec, preset=preset, input_format=input_format)
        self.output_format = output_format
        self.alpha = alpha and output_format != "mp4"

    def start(self) -> None:
        if self.output_format == "mp4":
            super().start()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        source = [
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba" if self.alpha else "rgb24",
            "-s",
            f"{self.width}x{self.height}",
            "-framerate",
            str(self.fps),
            "-i",
            "pipe:",
        ]
        if self.output_format == "webm":
            video = [
                "-c:v",
                "libvpx-vp9",
                "-pix_fmt",
                "yuva420p" if self.alpha else "yuv420p",
                "-b:v",
                "0",
                "-crf",
                "32",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-row-mt",
                "1",
                "-g",
                str(self.fps * 2),
                "-f",
                "webm",
            ]
        else:
            video = [
                "-c:v",
                "prores_ks",
                "-profile:v",
                "4",
                "-pix_fmt",
                "yuva444p10le" if self.alpha else "yuv444p10le",
                "-vendor",
                "apl0",
                # the movie's clocks in frames (a whole number of ticks each), so segments join without a glitch
                "-video_track_timescale",
                str(self.fps * 1000),
                "-movie_timescale",
                str(self.fps * 1000),
                "-f",
                "mov",
            ]
        args = [ffmpeg_exe(), *QUIET, "-y", *source, "-an", *BT709, *video, str(self.partial_path)]
        self._launch(args)

    def write(self, frame: np.ndarray) -> None:
        if self.input_format != "rgb24":
            super().write(frame)
            return
        channels = 4 if self.alpha else 3
        if frame.ndim == 3 and frame.shape[2] != channels:
            frame = with_alpha(frame) if channels == 4 else frame[..., :3]
        if channels == 3:
            super().write(np.ascontiguousarray(frame))
            return
        if frame.shape != (self.height, self.width, 4) or frame.dtype != np.uint8:
            raise ValueError(
                f"expected a ({self.height}, {self.width}, 4) uint8 frame, got {frame.shape} {frame.dtype}"
            )
        if self._pipe_error is not None:
            self.close()
        self._queue.put(frame.tobytes())
        self.frames_written += 1


def segment_suffix(output_format: str) -> str:
    return "." + output_format


def join_and_mux(segments: list[Path], audio_wav: Path, out: Path, output_format: str, aac: Path | None = None) -> Path:
    """The segments back to back (stream copy) with the job's audio, in the output format (an MP4's
    ``aac``: that audio already encoded, ``encode_aac``, which every cut then copies)."""
    if output_format == "mp4":
        return concat_and_mux(segments, audio_wav, out, aac=aac)
    partial = out.with_name(f"{out.stem}.partial{out.suffix}")
    audio = ["-c:a", "libopus", "-b:a", "96k", "-ar", "48000"] if output_format == "webm" else ["-c:a", "pcm_s16le"]
    # a WebM's index (Cues) before its clusters, so a player seeks without reading to the end; a MOV starts at
    # timecode 00:00:00:00, as an editor's timeline expects a mezzanine file to
    container = ["-cues_to_front", "1"] if output_format == "webm" else ["-timecode", "00:00:00:00"]
    container += BT709[2:]  # the tags again: the concat demuxer does not carry a container's colour to the copy
    with tempfile.TemporaryDirectory(prefix="talkfarm-concat-") as tmp:
        listing = Path(tmp) / "segments.txt"
        listing.write_text("".join("file '" + str(p.absolute()).replace("'", "'\\''") + "'\n" for p in segments))
        args = [
            ffmpeg_exe(),
            *QUIET,
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-i",
            str(audio_wav),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "copy",
            *audio,
            *container,
            "-f",
            output_format,
            str(partial),
        ]
        done = run_ffmpeg(args)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise encode_failure(f"joining {len(segments)} segments", done.returncode, done.stderr)
    os.replace(partial, out)
    return out


def mix_music(speech_wav: Path, music: Path, out_wav: Path, *, volume: float, ducking: bool, fade: float) -> Path:
    """The speech with the music under it: looped or trimmed to the speech, faded, ducked while someone speaks."""
    samples, rate = read_wav(speech_wav)
    duration = len(samples) / rate
    fade = max(0.0, min(float(fade), duration / 2))
    bed = (
        f"[1:a]aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts=mono,aloop=loop=-1:size=2147483647,"
        f"atrim=0:{duration:.3f},asetpts=N/SR/TB,volume={float(volume):.4f}"
    )
    if fade > 0:
        bed += f",afade=t=in:st=0:d={fade:.3f},afade=t=out:st={duration - fade:.3f}:d={fade:.3f}"
    speech = f"[0:a]aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts=mono"
    if ducking:
        graph = (
            f"{bed}[bed];{speech},asplit=2[voice][key];"
            f"[bed][key]sidechaincompress=threshold={DUCK_THRESHOLD}:ratio={DUCK_RATIO}:attack=30:release=350:mix={DUCK_MIX}[ducked];"
            "[voice][ducked]amix=inputs=2:duration=first:normalize=0[out]"
        )
    else:
        graph = f"{bed}[bed];{speech}[voice];[voice][bed]amix=inputs=2:duration=first:normalize=0[out]"
    args = [
        ffmpeg_exe(),
        *QUIET,
        "-y",
        "-i",
        str(speech_wav),
        "-i",
        str(music),
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-c:a",
        "pcm_s16le",
        "-ar",
        str(rate),
        "-ac",
        "1",
        str(out_wav),
    ]
    done = run_ffmpeg(args)
    if done.returncode != 0:
        raise encode_failure("mixing the music", done.returncode, done.stderr)
    return out_wav
