"""The ffmpeg the farm runs: the one imageio-ffmpeg ships, never one from PATH,
so every worker encodes with the same build (libx264, aac, h264_nvenc)."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from typing import Any

from domain.errors import JobFailure

#: How much of ffmpeg's stderr a failure carries.
STDERR_TAIL_LINES = 12
#: ffmpeg's exit status after it caught SIGINT or SIGTERM and stopped.
SIGNALLED_EXIT = 255


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    return exe


#: Quiet ffmpeg: errors only, no progress lines, so stderr holds just what went wrong.
QUIET = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error")


def start_ffmpeg(args: Sequence[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start ffmpeg in a session of its own.

    A stop signal sent to the worker's whole process group (Ctrl-C in a
    terminal, ``kill -TERM -<pgid>``, an init system stopping the service)
    then reaches the worker, which drains and finishes or abandons the file
    itself, and not ffmpeg, which would otherwise quit half way (status 255)
    and fail the job's encode.
    """
    return subprocess.Popen(list(args), start_new_session=True, **popen)


def run_ffmpeg(args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to the end in a session of its own (see ``start_ffmpeg``); stdout and stderr captured."""
    with start_ffmpeg(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            out, err = process.communicate()
        except BaseException:
            process.kill()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def encode_failure(what: str, returncode: int | None, stderr: bytes | str | list[str]) -> JobFailure:
    """``encode_failed`` with the last lines ffmpeg printed. A run stopped by a
    signal (killed: a negative status; caught: ffmpeg's 255) may well succeed
    again, as after the OOM killer or a host being stopped; an error ffmpeg
    reported itself will not."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", errors="replace")
    lines = stderr.splitlines() if isinstance(stderr, str) else list(stderr)
    tail = "\n".join(line for line in lines[-STDERR_TAIL_LINES:] if line.strip())
    signalled = returncode is not None and (returncode < 0 or returncode == SIGNALLED_EXIT)
    if signalled and not tail:
        tail = "(stopped by a signal)"
    return JobFailure(
        "encode_failed", f"{what}: ffmpeg exited {returncode}: {tail or '(no output)'}", retryable=signalled
    )
