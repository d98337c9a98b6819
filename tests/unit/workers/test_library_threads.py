"""A worker process runs OpenCV on the threads that call it: an attempt's own threads already keep the cores busy."""

from __future__ import annotations

import cv2

from tests.stubs import RecordingSender, null_pipeline
from workers.runtime import WorkerRuntime


def test_a_started_worker_turns_off_opencvs_thread_pool(sqlite_settings):
    before = cv2.getNumThreads()
    cv2.setNumThreads(4)  # a pool, as OpenCV starts with on a machine of several cores
    rt = WorkerRuntime(
        sqlite_settings, "cpu", 1, ["CPUExecutionProvider"], pipeline=null_pipeline, sender=RecordingSender()
    )
    try:
        rt.start()
        assert cv2.getNumThreads() == 1
    finally:
        rt.stop()
        cv2.setNumThreads(before)
