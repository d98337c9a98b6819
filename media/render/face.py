"""Portrait analysis: decode a photo and find the one face the renderer animates.

mediapipe's face mesh (478 landmarks, lips and irises included; its models ship
inside the mediapipe 0.10.14 wheel) runs on a crop around the face that a
detector found first: the mesh's own detector works on a 128-pixel view of the
whole image and misses small or off-centre faces. The result, ``PortraitInfo``,
is what the API stores on the asset and what the renderer frames by.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict

import numpy as np
from PIL import Image, ImageOps

from media.errors import AvatarError

#: larger photos are refused rather than decoded (about 8000 x 5000)
MAX_PIXELS = 40_000_000
#: a detector sees at most this many pixels on the long side
DETECT_SIDE = 1024
#: the mesh runs on a square crop this many face sizes wide, resized to MESH_SIDE
MESH_CONTEXT = 2.0
MESH_SIDE = 512
#: bumped when PortraitInfo gains or changes fields; older stored dicts are re-analysed
FORMAT_VERSION = 3

# mediapipe face-mesh landmark indices (canonical face model topology)
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
FACE_OUTLINE = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
NAMED_POINTS = {
    "mouth_corner_a": 61,  # corners of the outer lip line
    "mouth_corner_b": 291,
    "inner_corner_a": 78,
    "inner_corner_b": 308,
    "upper_lip_top": 0,
    "upper_lip_inner": 13,
    "lower_lip_inner": 14,
    "lower_lip_bottom": 17,
    "nose_base": 2,
    "nose_tip": 1,
    "chin": 152,
    "jaw_a": 136,
    "jaw_b": 365,
    "forehead": 10,
    "cheek_a": 234,
    "cheek_b": 454,
}


class _EyeLandmarks(TypedDict):
    outer: int
    inner: int
    upper: tuple[int, int, int]
    lower: tuple[int, int, int]
    iris: int


EYES: dict[str, _EyeLandmarks] = {
    # one eye and the other, as the mesh names them; "a" is the subject's right
    "a": {"outer": 33, "inner": 133, "upper": (160, 159, 158), "lower": (144, 145, 153), "iris": 468},
    "b": {"outer": 263, "inner": 362, "upper": (387, 386, 385), "lower": (373, 374, 380), "iris": 473},
}

_mesh_lock = threading.Lock()


@dataclass(frozen=True)
class EyeInfo:
    outer: tuple[float, float]
    inner: tuple[float, float]
    upper: tuple[float, float]  # middle of the upper lid's edge
    lower: tuple[float, float]
    centre: tuple[float, float]  # the iris


@dataclass(frozen=True)
class PortraitInfo:
    """Where the face is in a portrait, in image pixels after EXIF orientation."""

    width: int
    height: int
    face_box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the landmarks
    points: dict[str, tuple[float, float]]
    lips_outer: tuple[tuple[float, float], ...]
    lips_inner: tuple[tuple[float, float], ...]
    face_outline: tuple[tuple[float, float], ...]
    eyes: dict[str, EyeInfo]
    #: all 478 face-mesh landmarks (x, y, depth) in image pixels; depth grows away
    #: from the camera, in the same pixel units, relative to the head's centre
    mesh: tuple[tuple[float, float, float], ...] = ()
    version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def face_size(self) -> float:
        x0, y0, x1, y1 = self.face_box
        return max(x1 - x0, y1 - y0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PortraitInfo:
        """The info ``to_dict`` stored; ``ValueError`` if it is of another format version."""
        if int(data.get("version", 0)) != FORMAT_VERSION:
            raise ValueError(f"portrait info of format {data.get('version')}, this code reads {FORMAT_VERSION}")

        def pt(p: Sequence[float]) -> tuple[float, float]:
            return (float(p[0]), float(p[1]))

        x0, y0, x1, y1 = (float(v) for v in data["face_box"])

        return cls(
            width=int(data["width"]),
            height=int(data["height"]),
            face_box=(x0, y0, x1, y1),
            points={k: pt(v) for k, v in data["points"].items()},
            lips_outer=tuple(pt(p) for p in data["lips_outer"]),
            lips_inner=tuple(pt(p) for p in data["lips_inner"]),
            face_outline=tuple(pt(p) for p in data["face_outline"]),
            eyes={k: EyeInfo(**{f: pt(v) for f, v in e.items()}) for k, e in data["eyes"].items()},
            mesh=tuple((float(p[0]), float(p[1]), float(p[2])) for p in data.get("mesh", ())),
            version=int(data.get("version", FORMAT_VERSION)),
            extra=dict(data.get("extra", {})),
        )


def decode_portrait(image_bytes: bytes) -> np.ndarray:
    """The photo as upright RGB uint8 (H, W, 3); transparency is laid on white."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise AvatarError(
                    "avatar_unreadable",
                    f"the image has {image.width}x{image.height} pixels; at most {MAX_PIXELS} are accepted",
                )
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                upright = Image.alpha_composite(flat, rgba)
            rgb = np.asarray(upright.convert("RGB"))
    except AvatarError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise AvatarError("avatar_unreadable", f"not an image we can read: {exc}") from exc
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 16:
        raise AvatarError("avatar_unreadable", "the image is too small to hold a face")
    return np.ascontiguousarray(rgb)


def analyze_portrait(image_bytes: bytes) -> PortraitInfo:
    """Find the face in a portrait; ``AvatarError`` if the image or the face is unusable."""
    return analyze_image(decode_portrait(image_bytes))


def analyze_image(rgb: np.ndarray) -> PortraitInfo:
    landmarks = _find_landmarks(rgb)
    if landmarks is None:
        raise AvatarError("avatar_no_face", "no face was found in the image")
    return _portrait_info(rgb.shape[1], rgb.shape[0], landmarks)


def _find_landmarks(rgb: np.ndarray) -> np.ndarray | None:
    """(478, 3) landmark pixels (x, y, depth) of the most prominent face, or None."""
    for box in _face_boxes(rgb):
        landmarks = _mesh_around(rgb, box)
        if landmarks is not None:
            return landmarks
    # No detector hit: the mesh's own detector on the whole image is the last try.
    return _mesh(rgb, offset=(0.0, 0.0), scale=1.0)


def _face_boxes(rgb: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Candidate face boxes (x0, y0, x1, y1), most prominent first."""
    import mediapipe as mp

    height, width = rgb.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(height, width))
    view = _resized(rgb, scale)
    # Small faces: if the whole image shows none, look at overlapping halves.
    vh, vw = view.shape[:2]
    tiles = [
        (np.ascontiguousarray(view[top : top + vh // 2, left : left + vw // 2]), float(left), float(top))
        for top in (0, vh // 4, vh - vh // 2)
        for left in (0, vw // 4, vw - vw // 2)
    ]
    with _mesh_lock:
        for views in ([(view, 0.0, 0.0)], tiles):
            for model in (1, 0):  # full range (small faces), then short range
                found = _detect(mp, model, views, scale)
                if found:
                    found.sort(key=lambda item: -item[0])
                    return [box for _, box in found[:4]]
    return []


def _detect(
    mp: Any, model: int, views: Iterable[tuple[np.ndarray, float, float]], scale: float
) -> list[tuple[float, tuple[float, float, float, float]]]:
    found = []
    with mp.solutions.face_detection.FaceDetection(model_selection=model, min_detection_confidence=0.5) as detector:
        for tile, left, top in views:
            result = detector.process(tile)
            th, tw = tile.shape[:2]
            for detection in result.detections or ():
                rel = detection.location_data.relative_bounding_box
                x0 = (left + rel.xmin * tw) / scale
                y0 = (top + rel.ymin * th) / scale
                box = (x0, y0, x0 + rel.width * tw / scale, y0 + rel.height * th / scale)
                area = (box[2] - box[0]) * (box[3] - box[1])
                found.append((detection.score[0] * area, box))
    return found


def _mesh_around(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray | None:
    height, width = rgb.shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = MESH_CONTEXT * max(box[2] - box[0], box[3] - box[1])
    x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(width, cx + side / 2)), int(min(height, cy + side / 2))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    crop = rgb[y0:y1, x0:x1]
    scale = min(MESH_SIDE / max(crop.shape[:2]), 4.0)
    return _mesh(_resized(crop, scale), offset=(x0, y0), scale=scale)


def _mesh(rgb: np.ndarray, offset: tuple[float, float], scale: float) -> np.ndarray | None:
    import mediapipe as mp

    with (
        _mesh_lock,
        mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=True, min_detection_confidence=0.5
        ) as mesh,
    ):
        result = mesh.process(np.ascontiguousarray(rgb))
    if not result.multi_face_landmarks:
        return None
    h, w = rgb.shape[:2]
    # mediapipe's depth is in the units of x (the image width).
    points = np.array([(p.x * w, p.y * h, p.z * w) for p in result.multi_face_landmarks[0].landmark], dtype=np.float64)
    return points / scale + np.asarray((*offset, 0.0), dtype=np.float64)


def _resized(rgb: np.ndarray, scale: float) -> np.ndarray:
    if abs(scale - 1.0) < 1e-6:
        return np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(
        Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR if scale > 1 else Image.Resampling.BOX)
    )


def _portrait_info(width: int, height: int, lm: np.ndarray) -> PortraitInfo:
    def pt(i: int) -> tuple[float, float]:
        return (round(float(lm[i, 0]), 2), round(float(lm[i, 1]), 2))

    def mean(indices: Iterable[int]) -> tuple[float, float]:
        m = lm[list(indices)].mean(axis=0)
        return (round(float(m[0]), 2), round(float(m[1]), 2))

    face = lm[:468, :2]
    (x0, y0), (x1, y1) = face.min(axis=0), face.max(axis=0)
    box = (round(float(x0), 2), round(float(y0), 2), round(float(x1), 2), round(float(y1), 2))
    eyes = {
        key: EyeInfo(
            outer=pt(e["outer"]),
            inner=pt(e["inner"]),
            upper=mean(e["upper"]),
            lower=mean(e["lower"]),
            centre=pt(e["iris"]),
        )
        for key, e in EYES.items()
    }
    return PortraitInfo(
        width=width,
        height=height,
        face_box=box,
        points={name: pt(i) for name, i in NAMED_POINTS.items()},
        lips_outer=tuple(pt(i) for i in LIPS_OUTER),
        lips_inner=tuple(pt(i) for i in LIPS_INNER),
        face_outline=tuple(pt(i) for i in FACE_OUTLINE),
        eyes=eyes,
        mesh=tuple((round(float(x), 1), round(float(y), 1), round(float(z), 1)) for x, y, z in lm),
    )
