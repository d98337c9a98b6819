"""Where a composed 1080p job's CPU seconds go: every stage, each thread's own share, and ffmpeg's.

    python benchmarks/compose_account.py [--fps 25] [--rendition] [--motion-scale 1.0]

The same job as ``benchmarks/compose.py`` (16:9, cut-out presenter on an image
background, a lower third, word captions, Piper; the head moving as the API's
default has it), run whole in this process after a small warm-up job. The job's functions are wrapped (nothing else
changes) so each call's CPU time is taken on the thread that runs it
(``time.thread_time``), and each row shows its own seconds only: a wrapped call
inside another is not counted twice. ffmpeg's CPU (``RUSAGE_CHILDREN``, counted
when a child is reaped) goes to the calls that reap ffmpeg processes: the
segment encoders to the segment closer's row, the AAC to its own, the join to
"finish: join". Two of those running at once on different threads (the closer
and the sound track, made beside the last segment) both count a child that ends
while both run: the AAC's row then holds some x264, and the last row goes below
zero by as much. What no row holds — threads this script cannot
see into (onnxruntime's own pools, the encoders' pipe writers' C side) and the
interpreter between calls — is the last row, so the rows sum to the job's CPU.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.compose import VERTICAL, default_motion, run  # noqa: E402

_own: dict[str, float] = defaultdict(float)
_ffmpeg: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_local = threading.local()


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(name: str, fn: Callable[..., Any], reaps: bool = False) -> Callable[..., Any]:
    """``fn`` counted under ``name``: its thread's CPU, and with ``reaps`` the ffmpeg children that ended meanwhile,
    less what wrapped calls inside it counted."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stack = _local.__dict__.setdefault("stack", [])
        stack.append([0.0, 0.0])
        cpu, kids = time.thread_time(), _children() if reaps else 0.0
        try:
            return fn(*args, **kwargs)
        finally:
            spent, reaped = time.thread_time() - cpu, (_children() - kids) if reaps else 0.0
            inner, inner_kids = stack.pop()
            _own[name] += spent - inner
            if reaps:  # a call that does not count children leaves those of the calls inside it to them
                _ffmpeg[name] += reaped - inner_kids
            _calls[name] += 1
            if stack:
                stack[-1][0] += spent
                stack[-1][1] += reaped if reaps else inner_kids

    return wrapper


def timed_generator(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A generator function counted under ``name`` while it produces each item (not while its consumer works)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        items = fn(*args, **kwargs)
        step = timed(name, lambda: next(items, StopIteration))
        try:
            while (item := step()) is not StopIteration:
                yield item
        finally:
            items.close()

    return wrapper


def patch(owner: Any, attr: str, name: str, generator: bool = False, reaps: bool = False) -> None:
    """Count ``owner.attr`` under ``name`` (``reaps``: with the ffmpeg processes that end meanwhile); skipped where
    the code has no such name (an older checkout)."""
    original = getattr(owner, attr, None)
    if original is None:
        return
    setattr(owner, attr, timed_generator(name, original) if generator else timed(name, original, reaps))


def instrument() -> None:
    import importlib

    import media.compose.compositor as compositor
    import workers.composed as composed
    import workers.stages.composed_finish as finish
    import workers.stages.composition as composition
    import workers.stages.segments as segments

    def optional(module: str) -> Any:
        try:
            return importlib.import_module(module)
        except ImportError:
            return None

    canvas, marked_stream = optional("media.compose.canvas"), optional("workers.stages.marked_stream")
    import media.render.builtin.mouth as mouth
    import media.render.motion as motion
    import media.render.renderer as renderer
    from media.compose.background import Background
    from media.compose.captions import CaptionTrack
    from media.encode.video import SegmentEncoder
    from media.watermark.invisible import WatermarkEmbedder
    from media.watermark.masking import AmplitudeMaps
    from media.watermark.visible import PreparedOverlay
    from tests.unit.compose.jobs import CountingRenderer

    # set-up, once per scene
    patch(composition, "load_portrait", "setup: portrait load")
    patch(composition, "decode_portrait", "setup: portrait decode")
    patch(composition, "portrait_matte_cached", "setup: matte (segmentation, cache)")
    patch(CountingRenderer, "prepare", "setup: face prepare")
    patch(composition, "_background", "setup: background decode")
    patch(composition, "_layer", "setup: overlay layers drawn")
    patch(compositor.SceneCompositor, "__post_init__", "setup: compositor (body drawn)")
    patch(composed, "job_cuts", "setup: cuts (watermark set-up)")
    patch(composed, "plan_segments", "setup: segment plans")
    # speech, on the speech-ahead thread
    patch(composed, "speak_segment", "Piper (speech-ahead thread)")
    # per frame
    patch(CountingRenderer, "render", "frame: face render (rest)", generator=True)
    patch(renderer, "pose_frame", "frame: face render, head pose (warp)")
    patch(motion.NeckTaper, "source_maps", "frame: face render, head pose (neck taper maps)")
    patch(mouth.FieldApplier, "apply", "frame: face render, mouth drawing")
    patch(compositor.SceneCompositor, "compose", "frame: compose (rest)")
    patch(compositor.SceneCompositor, "compose_reused", "frame: compose (rest)")
    patch(Background, "frame", "frame: background copy")
    patch(compositor.SceneCompositor, "presenter", "frame: presenter alpha")
    patch(compositor, "blend", "frame: blend (presenter, layers, captions)")
    patch(canvas, "blend", "frame: blend (presenter, layers, captions)")
    patch(getattr(canvas, "ReusedCanvas", None), "_presenter_change", "frame: where the face changed")  # before
    patch(getattr(canvas, "FaceChanges", None), "of", "frame: where the face changed")
    patch(CaptionTrack, "layer_at", "frame: caption layer")
    patch(composed, "_marked", "frame: marks (rest)")
    patch(composed, "rgb_to_yuv420", "frame: RGB->YUV")
    patch(getattr(marked_stream, "MarkedStream", None), "marked", "frame: marks (rest)")
    patch(marked_stream, "rgb_to_yuv420_into", "frame: RGB->YUV")
    patch(PreparedOverlay, "apply", "frame: visible mark")
    patch(WatermarkEmbedder, "apply_to_luma", "frame: invisible mark (luma add)")
    patch(WatermarkEmbedder, "apply_to_luma_in", "frame: invisible mark (luma add)")
    patch(AmplitudeMaps, "__call__", "frame: invisible mark (amplitude map)")
    patch(SegmentEncoder, "write", "frame: hand-off to encoder queue")
    patch(SegmentEncoder, "_feed_ffmpeg", "frame: pipe writer threads")
    patch(composed, "render_composed_segment", "segment: render loop (main thread)")
    patch(composed, "caption_track", "segment: caption track")
    patch(segments, "store_segment", "segment: store (wav, files)")
    # the finish
    patch(finish, "_fetch_cut_segment", "finish: fetch segments")
    patch(finish, "_fetch_wav", "finish: fetch wavs")
    patch(finish, "make_brand_clips", "finish: brand clips", reaps=True)
    patch(finish, "speech_track", "finish: join speech")
    patch(finish, "pad_speech", "finish: pad speech")
    patch(finish, "mix_music", "finish: music mix", reaps=True)
    patch(finish, "join_and_mux", "finish: join", reaps=True)
    patch(finish, "encode_aac", "finish: AAC", reaps=True)
    patch(composed, "composed_audio", "finish: sound track (beside the last segment)", reaps=True)
    patch(segments.SegmentCloser, "_finish", "segment: x264 (reaped by the closer thread)", reaps=True)
    patch(finish, "sign_credentials", "finish: C2PA sign")
    patch(finish, "sign_sidecar_credentials", "finish: C2PA sign")
    patch(finish, "write_extras", "finish: captions")
    patch(finish, "poster_from_segments", "finish: poster (beside the join)")
    patch(finish, "put_output", "finish: upload")
    patch(finish, "upload_files", "finish: upload")
    patch(finish, "probe_video", "finish: probe + describe")
    patch(finish, "describe_output", "finish: probe + describe")
    patch(composed, "publish_composed", "finish: rest")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--rendition", action="store_true", help="with the 9:16 rendition of benchmarks/compose.py")
    parser.add_argument(
        "--motion-scale", type=float, default=None, help="head motion (default: the API's, as a user's job gets)"
    )
    args = parser.parse_args()
    import workers.composed as composed
    from workers.runtime import limit_library_threads

    limit_library_threads()  # as a worker process does when it starts
    instrument()
    attempt = timed("main thread: the rest", composed.run_composed_attempt)
    composed.run_composed_attempt = attempt
    import workers.pipeline as pipeline

    if hasattr(pipeline, "run_composed_attempt"):
        pipeline.run_composed_attempt = attempt
    renditions = []
    if args.rendition:
        renditions = [VERTICAL]
    with tempfile.TemporaryDirectory(prefix="talkfarm-bench-account-") as tmp:
        run(Path(tmp) / "warm", 10, [], script="Warm up.", canvas=(256, 144))
        _own.clear(), _ffmpeg.clear(), _calls.clear()
        wall, cpu, output, _ = run(Path(tmp) / "job", args.fps, renditions, motion_scale=args.motion_scale)
    duration = float(output["duration_s"])
    rows = sorted(set(_own) | set(_ffmpeg), key=lambda k: (k.split(":")[0], -(_own[k] + _ffmpeg[k])))
    accounted = sum(_own.values()) + sum(_ffmpeg.values())
    motion = default_motion() if args.motion_scale is None else args.motion_scale
    print(f"video {duration:.2f} s at {args.fps} fps, motion_scale {motion:g}; job: {wall:.1f} s wall, {cpu:.1f} CPU s")
    print(f"{'where':<44} {'calls':>6} {'own CPU s':>9} {'ffmpeg s':>9} {'total':>7} {'share':>6}")
    for name in rows:
        total = _own[name] + _ffmpeg[name]
        print(f"{name:<44} {_calls[name]:6d} {_own[name]:9.2f} {_ffmpeg[name]:9.2f} {total:7.2f} {total / cpu:6.1%}")
    rest = cpu - accounted
    print(
        f"{'unseen threads and the interpreter between':<44} {'':>6} {rest:9.2f} {'':>9} {rest:7.2f} {rest / cpu:6.1%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
