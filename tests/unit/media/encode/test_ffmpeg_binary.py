"""ffmpeg runs in a session of its own, so a stop signal sent to the worker's
process group (Ctrl-C, an init system stopping the service, the chaos test's
drain) leaves the file being written to the worker's drain; and an ffmpeg that
was stopped by a signal anyway is a failure worth retrying."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from media.encode.ffmpeg_binary import encode_failure, run_ffmpeg
from media.encode.probe import probe_video

ROOT = Path(__file__).resolve().parents[4]

# A worker in miniature: it catches SIGTERM (as the worker's drain does), keeps
# writing for a moment after it, then finishes the segment.
ENCODE_THROUGH_SIGTERM = """
import signal, sys, time
import numpy as np
from media.encode.video import SegmentEncoder

stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
frame = np.zeros((64, 64, 3), np.uint8)
with SegmentEncoder(sys.argv[1], 64, 64, 25) as encoder:
    for _ in range(10):
        encoder.write(frame)
    print("ready", flush=True)
    while not stop:
        encoder.write(frame)
        time.sleep(0.01)
    for _ in range(10):  # a signalled ffmpeg would be gone by now
        time.sleep(0.05)
        encoder.write(frame)
print("closed", encoder.frames_written, flush=True)
"""


@pytest.mark.parametrize(
    ("returncode", "retryable", "says"),
    [
        (255, True, "(stopped by a signal)"),  # ffmpeg caught SIGINT/SIGTERM and quit
        (-9, True, "(stopped by a signal)"),  # killed outright (OOM killer)
        (1, False, "(no output)"),  # ffmpeg refused the input itself
        (None, False, "(no output)"),
    ],
)
def test_a_signalled_ffmpeg_is_retried_and_an_ffmpeg_error_is_not(returncode, retryable, says):
    failure = encode_failure("joining 3 segments", returncode, b"")
    assert failure.code == "encode_failed" and failure.retryable is retryable
    assert failure.message == f"joining 3 segments: ffmpeg exited {returncode}: {says}"
    assert encode_failure("x", returncode, b"Invalid data found\n").message.endswith("Invalid data found")


def test_a_segment_being_encoded_survives_sigterm_to_the_worker_s_process_group(tmp_path):
    path = tmp_path / "seg.mp4"
    worker = subprocess.Popen(
        [sys.executable, "-c", ENCODE_THROUGH_SIGTERM, str(path)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        os.killpg(worker.pid, signal.SIGTERM)  # the whole group, as `kill -TERM -<pgid>` or systemd would
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert worker.returncode == 0, err
    frames = int(out.split()[-1])
    assert frames >= 20 and probe_video(path).video_frames == frames


def test_run_ffmpeg_starts_its_process_in_a_session_of_its_own():
    done = run_ffmpeg([sys.executable, "-c", "import os; print(os.getsid(0))"])
    assert done.returncode == 0
    assert int(done.stdout) != os.getsid(0)
