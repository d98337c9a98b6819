"""Encode one segment's frames to H.264 as they are rendered.

Frames go to ffmpeg's stdin from a writer thread fed by a small bounded
queue: ``write`` returns as soon as the frame is queued, so the renderer
keeps computing the next frame while x264 compresses this one (the two
overlap on the cores), and a full queue makes a renderer that runs ahead
wait instead of piling frames up in memory.

The file appears at ``path`` only when ffmpeg finished cleanly; until then it
is written beside it as ``<name>.partial<ext>``, so a segment on disk is a
finished segment, which is what resuming after a crash relies on.
"""

from __future__ import annotations

import collections
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import ffmpeg
import numpy as np

from domain.errors import JobFailure
from media.encode.codec import LIBX264, video_codec_options
from media.encode.ffmpeg_binary import QUIET, encode_failure, ffmpeg_exe, start_ffmpeg

#: Frames that may wait for ffmpeg; bounds memory at 3 MB each for 1024².
QUEUE_FRAMES = 8
#: Longest ffmpeg may take to finish after the last frame.
FINISH_TIMEOUT_S = 600
_STOP = object()


def _reap(process: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, float | None]:
    """Wait for ffmpeg like Popen.wait, but keep the CPU time it used (wait4's rusage)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: no usage to report
            return process.wait(timeout=max(0.0, deadline - time.monotonic())), None
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(process.args, timeout_s)
        time.sleep(0.005)


#: what ``write`` takes: RGB frames (ffmpeg converts them), or frames already in the encoder's own
#: yuv420p (BT.709, limited range; ``rgb_to_yuv420``), which costs ffmpeg no conversion
INPUT_FORMATS = ("rgb24", "yuv420p")
#: tags frames given as yuv420p with what they are, so ffmpeg leaves them as they are
_YUV_TAGS = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"


#: Linux's fcntl that sizes a pipe, and the size asked for (an unprivileged process's ceiling by default)
F_SETPIPE_SZ, PIPE_BYTES = 1031, 1 << 20


def _widen_pipe(pipe: IO[bytes] | None) -> None:
    """Let the pipe to ffmpeg hold 1 MiB where the system allows it, not the default 64 KiB: a 1080p frame
    (3–6 MB) then crosses in a few hand-offs between our writer thread and ffmpeg's reader instead of dozens,
    each a wake-up and a context switch on the same two cores the renderer and x264 share. In a two-cut
    1080p composed job that was about 2.5 CPU-s of 20 (docs/benchmarks.md). Elsewhere it stays as it is."""
    if pipe is None:
        return
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, ImportError):
        pass


class SegmentEncoder:
    """Pipe RGB (or yuv420p) frames into an H.264 (yuv420p, closed GOP, video only) MP4.

    Use as a context manager; leaving it normally finishes the file and
    raises ``JobFailure("encode_failed")`` if ffmpeg failed; leaving it with
    an exception kills ffmpeg and removes the partial file.

    Parameters:
        path: where the finished segment goes (``.mp4``).
        width, height: frame size; even numbers (yuv420p halves chroma).
        fps: frames per second (an integer, as the render params are).
        codec: ``libx264`` or ``h264_nvenc`` (see ``choose_video_codec``).
        preset: x264 preset name; mapped to NVENC's own for ``h264_nvenc``.
        input_format: ``rgb24`` ((H, W, 3) frames) or ``yuv420p`` ((H·3/2, W) frames from ``rgb_to_yuv420``).
    """

    def __init__(
        self,
        path: Path | str,
        width: int,
        height: int,
        fps: int,
        codec: str = LIBX264,
        preset: str = "veryfast",
        input_format: str = "rgb24",
    ):
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise ValueError(f"frame size must be positive and even, got {width}x{height}")
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")
        self.input_format = input_format
        self.path = Path(path)
        self.partial_path = self.path.with_name(f"{self.path.stem}.partial{self.path.suffix}")
        self.width, self.height, self.fps = int(width), int(height), int(fps)
        self.codec, self.preset = codec, preset
        self.frames_written = 0
        #: CPU seconds ffmpeg spent on this segment (None if the OS could not say)
        self.cpu_seconds: float | None = None
        self._options = video_codec_options(codec, preset, self.fps)
        self._process: subprocess.Popen[bytes] | None = None
        #: frames as bytes, then _STOP
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._pipe_error: BaseException | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=50)
        self._threads: list[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------------
    def __enter__(self) -> SegmentEncoder:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        yuv = self.input_format == "yuv420p"
        stream = (
            ffmpeg.input(
                "pipe:", f="rawvideo", pix_fmt=self.input_format, s=f"{self.width}x{self.height}", framerate=self.fps
            )
            .output(
                str(self.partial_path),
                f="mp4",
                an=None,
                vf=_YUV_TAGS if yuv else "scale=out_color_matrix=bt709:out_range=tv",
                video_track_timescale=self.fps * 1000,
                # the movie's own clock too: at 1000 (the default) a 30 fps segment's length was kept in whole ms, and
                # the concat demuxer started the next segment there, 0.3-0.7 ms early (a glitch QC tools flag)
                movie_timescale=self.fps * 1000,
                **self._options,
            )
            .global_args(*QUIET)
        )
        self._launch(ffmpeg.compile(stream, cmd=ffmpeg_exe(), overwrite_output=True))

    def _launch(self, args: list[str]) -> None:
        """Start ffmpeg with ``args`` reading raw frames on stdin, and the threads that feed it and read its errors."""
        try:
            self._process = start_ffmpeg(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise JobFailure("encode_failed", f"cannot start ffmpeg: {exc}", retryable=True) from exc
        _widen_pipe(self._process.stdin)
        self._threads = [
            threading.Thread(target=self._feed_ffmpeg, name=f"encode-writer:{self.path.name}", daemon=True),
            threading.Thread(target=self._drain_stderr, name=f"encode-stderr:{self.path.name}", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def write(self, frame: np.ndarray) -> None:
        """Queue one uint8 frame, (height, width, 3) RGB or (height·3/2, width) yuv420p as ``input_format`` says;
        waits only while the queue is full."""
        if self._process is None:
            raise RuntimeError("SegmentEncoder.write before start (use it as a context manager)")
        shape = (self.height * 3 // 2, self.width) if self.input_format == "yuv420p" else (self.height, self.width, 3)
        if frame.shape != shape or frame.dtype != np.uint8:
            raise ValueError(f"expected a {shape} uint8 frame, got {frame.shape} {frame.dtype}")
        if self._pipe_error is not None:
            self.close()  # ffmpeg has exited: collect its status and stderr, and raise them
        # A copy, so the renderer may reuse its buffer as soon as write returns.
        self._queue.put(frame.tobytes())
        self.frames_written += 1

    def close(self) -> int:
        """Finish the file; returns the number of frames in it."""
        self._queue.put(_STOP)
        for thread in self._threads:
            thread.join()
        try:
            if self._process is None:
                raise RuntimeError("ffmpeg was never started")
            returncode, self.cpu_seconds = _reap(self._process, FINISH_TIMEOUT_S)
        except Exception as exc:  # subprocess.TimeoutExpired
            self.abort()
            raise JobFailure("encode_failed", f"ffmpeg did not finish: {exc}", retryable=True) from exc
        if returncode != 0 or self._pipe_error is not None:
            self.partial_path.unlink(missing_ok=True)
            raise self._failure(f"encoding {self.path.name}")
        if self.frames_written == 0:
            self.partial_path.unlink(missing_ok=True)
            raise JobFailure("encode_failed", f"encoding {self.path.name}: no frames were written")
        os.replace(self.partial_path, self.path)
        return self.frames_written

    def abort(self) -> None:
        """Stop ffmpeg and throw the partial file away."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._unblock_writer()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=10)
        if self._process is not None:
            self._process.wait()
        self.partial_path.unlink(missing_ok=True)

    # --- threads ------------------------------------------------------------
    def _feed_ffmpeg(self) -> None:
        # start() opened ffmpeg with a stdin pipe before starting this thread
        assert self._process is not None and self._process.stdin is not None
        stdin = self._process.stdin
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if self._pipe_error is not None:
                continue  # keep draining so a producer blocked on put() is released
            assert isinstance(item, bytes)
            try:
                stdin.write(item)
            except (BrokenPipeError, OSError, ValueError) as exc:
                self._pipe_error = exc
        try:
            stdin.close()
        except OSError:
            pass

    def _drain_stderr(self) -> None:
        # start() opened ffmpeg with a stderr pipe before starting this thread
        assert self._process is not None and self._process.stderr is not None
        stderr = self._process.stderr
        for line in iter(stderr.readline, b""):
            self._stderr_tail.append(line.decode("utf-8", errors="replace").rstrip())
        stderr.close()

    def _unblock_writer(self) -> None:
        if self._pipe_error is None:
            self._pipe_error = RuntimeError("aborted")
        try:
            self._queue.put_nowait(_STOP)
        except queue.Full:
            # The writer drains without writing once _pipe_error is set; make room for the stop.
            try:
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._queue.put_nowait(_STOP)

    def _failure(self, what: str) -> JobFailure:
        returncode = self._process.poll() if self._process is not None else None
        return encode_failure(what, returncode, list(self._stderr_tail))
