"""What content credentials cost at the end of a job: signing an MP4 (the
manifest embedded) against a WebM's sidecar (the manifest beside it, bound by
a hash of every byte), and reading each back, on clips of a few lengths.
CPU seconds of this process (c2pa-python runs in it) and wall time.

    python benchmarks/c2pa_sidecar.py --seconds 10 60 --size 640x360
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media.watermark.c2pa_manifest import WEBM, read_manifest, sign_mp4, sign_sidecar  # noqa: E402
from tests.composition_files import VIDEO_CODECS, _ffmpeg  # noqa: E402
from tests.credentials import c2pa_credentials  # noqa: E402


def timed(action) -> tuple[float, float]:
    """(CPU s, wall s) of ``action()``."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[10.0, 60.0])
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    chain, key, ca = c2pa_credentials()
    who = {"cert_pem": chain, "key_pem": key, "model": "builtin", "voice": "joe", "tenant": "t", "job_id": "job_1"}
    print("| clip | MB | sign: CPU s | sign: wall s | verify: CPU s | valid |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for seconds in args.seconds:
            for fmt in ("mp4", "webm"):
                # a moving test pattern at 2 Mb/s, so the file is about as large as real footage of that length
                clip = root / f"clip.{fmt}"
                source = ("-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r=25:d={seconds}")
                clip.write_bytes(_ffmpeg(*source, *VIDEO_CODECS[fmt], "-b:v", "2M", suffix=f".{fmt}"))
                out = root / (f"signed.{fmt}" if fmt == "mp4" else "video.c2pa")
                if fmt == "mp4":

                    def sign(clip=clip, out=out):
                        sign_mp4(clip, out, **who)

                    def verify(out=out):
                        return read_manifest(out, trust_anchors_pem=ca)
                else:

                    def sign(clip=clip, out=out):
                        sign_sidecar(clip, out, **who)

                    def verify(clip=clip, out=out):
                        return read_manifest(clip, sidecar=out, mime=WEBM, trust_anchors_pem=ca)

                signs = [timed(sign) for _ in range(args.runs)]
                checks = [timed(verify) for _ in range(args.runs)]
                valid = verify()["trusted"]
                cpu = min(c for c, _ in signs)
                wall = min(w for _, w in signs)
                check = min(c for c, _ in checks)
                size = clip.stat().st_size / 1e6
                label = f"{fmt} {seconds:g} s {args.size}" + (" (sidecar)" if fmt == "webm" else " (embedded)")
                print(f"| {label} | {size:.1f} | {cpu:.3f} | {wall:.3f} | {check:.3f} | {valid} |")


if __name__ == "__main__":
    main()
