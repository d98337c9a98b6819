"""How clean the cut-out presenter is, and what its matte costs, with and without GrabCut deciding.

    python benchmarks/matte.py [--repeat 3]

For each preset portrait: the share of the person that is half opaque (17–239 of 255) more than two guided-filter
radii from any edge of the matte, where the canvas shows through the person rather than along a soft edge
(``tests.unit.compose.viewing.stray_partial_share``); the share of the photo that is the person; and the matte's
CPU milliseconds, the best of ``--repeat``. Each row twice: the matte as made now (GrabCut decides the pixels
mediapipe's segmenter is unsure of), and without that step (the segmenter's mask, small holes filled, straight
to the guided filter: the matte before 2026-12-06's sixth session). Then the cost of larger photos.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PRESETS = ("astronaut", "astronaut_offcentre", "astronaut_wide", "cameraman")
#: larger photos: a phone's 12 megapixels, and the longest a 512-pixel-wide portrait may be (4:1)
SIZES = ((3000, 4000), (512, 2048))


def best_ms(repeat: int, run) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, (time.process_time() - started) * 1000.0)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import media.compose.matte as matte
    from domain.presets import PORTRAITS_DIR
    from tests.unit.compose.viewing import stray_partial_share

    decided = matte.person_mask

    def unsure_kept(rgb: np.ndarray) -> np.ndarray:
        return matte.fill_small_holes(matte._segmentation(rgb))

    def measure(rgb: np.ndarray, recipe) -> tuple[float, float, float]:
        matte.person_mask = recipe
        try:
            made = matte.portrait_matte(rgb)
            ms = best_ms(args.repeat, lambda: matte.portrait_matte(rgb))
        finally:
            matte.person_mask = decided
        reach = 2 * max(2, round(matte.GUIDE_RADIUS_SHARE * min(rgb.shape[:2])))
        return stray_partial_share(made, reach), float((made >= 128).mean()), ms

    print(f"{'portrait':<22} {'recipe':<16} {'half-opaque, away from edges':>29} {'person':>7} {'CPU ms':>7}")
    for name in PRESETS:
        rgb = np.asarray(Image.open(PORTRAITS_DIR / f"{name}.png").convert("RGB"))
        for label, recipe in (("without GrabCut", unsure_kept), ("with GrabCut", decided)):
            stray, person, ms = measure(rgb, recipe)
            print(f"{name:<22} {label:<16} {stray * 100:28.2f}% {person * 100:6.1f}% {ms:7.0f}")
    base = Image.open(PORTRAITS_DIR / "cameraman.png").convert("RGB")
    for width, height in SIZES:
        rgb = np.asarray(base.resize((width, height), Image.Resampling.BICUBIC))
        for label, recipe in (("without GrabCut", unsure_kept), ("with GrabCut", decided)):
            _, _, ms = measure(rgb, recipe)
            print(f"{f'cameraman {width}x{height}':<22} {label:<16} {'':>29} {'':>7} {ms:7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
