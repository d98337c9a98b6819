"""The ffmpeg the farm runs: the one imageio-ffmpeg ships, never one from PATH,
so every worker encodes with the same build (libx264, aac, h264_nvenc)."""

from __future__ import annotations

import functools

from domain.errors import JobFailure

#: How much of ffmpeg's stderr a failure carries.
STDERR_TAIL_LINES = 12


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


#: Quiet ffmpeg: errors only, no progress lines, so stderr holds just what went wrong.
QUIET = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error")


def encode_failure(what: str, returncode: int | None, stderr: bytes | str | list[str]) -> JobFailure:
    """``encode_failed`` with the last lines ffmpeg printed. A run killed by a
    signal (OOM killer, a drained host) may well succeed again; an error ffmpeg
    reported itself will not."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", errors="replace")
    lines = stderr.splitlines() if isinstance(stderr, str) else list(stderr)
    tail = "\n".join(line for line in lines[-STDERR_TAIL_LINES:] if line.strip())
    return JobFailure("encode_failed", f"{what}: ffmpeg exited {returncode}: {tail or '(no output)'}",
                      retryable=returncode is not None and returncode < 0)
