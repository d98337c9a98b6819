"""Which H.264 encoder a worker uses, and the options each one gets.

GPU workers use NVENC when the ffmpeg build has it *and* a trial encode
works (the driver may be missing or the GPU busy with other contexts);
everyone else, and any GPU worker whose trial fails, uses libx264.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Iterable

import ffmpeg

from media.encode.ffmpeg_binary import QUIET, ffmpeg_exe

LIBX264 = "libx264"
NVENC = "h264_nvenc"
GPU_POOL = "amd64-gpu"

#: Constant-quality targets: visually clean talking heads at modest sizes.
X264_CRF = 20
NVENC_CQ = 21
#: Seconds between keyframes inside a segment (each segment also starts with one).
GOP_S = 2.0
#: A trial encode that takes longer than this counts as failed (a wedged driver).
TRIAL_TIMEOUT_S = 60

# NVENC has its own preset names; these give a similar speed/quality trade.
_NVENC_PRESETS = {
    "ultrafast": "p1",
    "superfast": "p2",
    "veryfast": "p3",
    "faster": "p4",
    "fast": "p4",
    "medium": "p5",
    "slow": "p6",
    "slower": "p7",
    "veryslow": "p7",
}


def choose_video_codec(tag: str, ffmpeg_encoders: Iterable[str], trial: Callable[[str], bool] | None = None) -> str:
    """``h264_nvenc`` for the GPU pool when ffmpeg lists it and ``trial``
    (default: a real 10-frame encode, run once per process) succeeds;
    otherwise ``libx264``."""
    trial = trial or trial_encode
    if tag == GPU_POOL and NVENC in set(ffmpeg_encoders) and trial(NVENC):
        return NVENC
    return LIBX264


@functools.lru_cache(maxsize=1)
def available_encoders() -> frozenset[str]:
    """Names of the encoders this ffmpeg build has (``ffmpeg -encoders``)."""
    out = subprocess.run([ffmpeg_exe(), *QUIET, "-encoders"], capture_output=True, text=True, timeout=60).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        # Rows look like " V....D libx264   libx264 H.264 …"; the legend above uses "=".
        if len(fields) >= 2 and len(fields[0]) == 6 and fields[0][0] in "VAS" and "=" not in line:
            names.add(fields[1])
    return frozenset(names)


@functools.lru_cache(maxsize=8)
def trial_encode(codec: str) -> bool:
    """Whether ``codec`` really encodes here: 10 frames of a test pattern to nowhere."""
    stream = (
        ffmpeg.input("testsrc2=size=256x256:rate=25", f="lavfi", t=0.4)
        .output("-", f="null", **video_codec_options(codec, "veryfast", 25))
        .global_args(*QUIET)
    )
    try:
        done = subprocess.run(
            ffmpeg.compile(stream, cmd=ffmpeg_exe()),
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=TRIAL_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def video_codec_options(codec: str, preset: str, fps: int) -> dict[str, object]:
    """ffmpeg output options for H.264 yuv420p with closed GOPs.

    Closed GOPs and a keyframe at every segment start let segments be joined
    by stream copy. Colours are converted and tagged as BT.709, which players
    assume for HD and which is right for SD too once tagged.
    """
    common = {
        "vcodec": codec,
        "pix_fmt": "yuv420p",
        "g": max(1, round(GOP_S * fps)),
        "flags": "+cgop",
        "colorspace": "bt709",
        "color_primaries": "bt709",
        "color_trc": "bt709",
        "color_range": "tv",
    }
    if codec == NVENC:
        return {
            **common,
            "preset": _NVENC_PRESETS.get(preset, preset),
            "rc": "vbr",
            "cq": NVENC_CQ,
            "b:v": 0,
            "forced-idr": 1,
            "profile:v": "high",
        }
    if codec == LIBX264:
        return {**common, "preset": preset, "crf": X264_CRF, "profile:v": "high"}
    raise ValueError(f"unsupported video codec {codec!r} (use {LIBX264} or {NVENC})")
