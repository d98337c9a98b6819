"""The built-in mouth's per-frame drawing (``FieldApplier.apply`` and ``paint``) is
written for speed: flat-index gathers, channel planes, in-place temporaries, layers
computed only where they show. It must draw exactly what the plain formulas draw.
The reference below is that plain version (boolean masks, whole-box arithmetic, one
expression per quantity), sharing the modules' constants and unchanged helpers;
frames of real portraits under visemes and random controls must match it byte for
byte. (A change to what is drawn is made in both.)"""

from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.presets import PRESETS
from media.render import controls as ctl
from media.render.batcher import DirectRunner
from media.render.builtin import mouth, mouth_interior
from media.render.builtin.mouth_interior import (
    CAVITY_BACK,
    CAVITY_FLOOR,
    CAVITY_FRONT,
    GUM_FROM,
    LIP_EDGE,
    LOWER_NARROWING,
    LOWER_SHOW,
    MOTTLE,
    TEETH_FADE,
    TEETH_REACH,
    TEETH_TOP,
    TONGUE_REST,
    TONGUE_TIP,
    TONGUE_TIP_WIDTH,
    TONGUE_WIDTH,
    _blur_reach,
    _noise,
    _remap_flat,
)
from media.render.builtin.teeth import TEETH_HEIGHT
from media.render.builtin.visemes import VISEMES
from media.render.renderer import Renderer


def _unit(x):
    return np.minimum(np.maximum(x, 0.0), 1.0)


def _smooth(x):
    t = np.clip(x, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def reference_apply(size, region, fields, interior, face_mask, animation, painted=None):
    """``FieldApplier(size).apply`` as plain formulas (``painted`` collects paint's arguments)."""
    f = ctl.FIELD_INDEX
    step = size / ctl.GRID

    def window_of(cells):
        rows, cols = np.flatnonzero(cells.any(axis=1)), np.flatnonzero(cells.any(axis=0))
        if len(rows) == 0:
            return None
        return (
            max(int((cols[0] - 1) * step), 0),
            max(int((rows[0] - 1) * step), 0),
            min(int(np.ceil((cols[-1] + 2) * step)), size),
            min(int(np.ceil((rows[-1] + 2) * step)), size),
        )

    def upsample(channels, where):
        return mouth._upsample(np.ascontiguousarray(fields[..., channels]), size, where)

    moving = (fields[..., f["shift_x"]] != 0) | (fields[..., f["shift_y"]] != 0)
    covered = (
        (fields[..., f["cavity_strength"]] > 0)
        & (fields[..., f["below_top"]] > -step)
        & (fields[..., f["above_bottom"]] > -step)
    )
    window = window_of(moving | covered)
    if window is None:
        return None
    x0, y0, x1, y1 = window
    motion = upsample(slice(0, 4), window)
    inner = window_of(covered)
    if inner is not None:
        cx0, cy0, cx1, cy1 = max(inner[0], x0), max(inner[1], y0), min(inner[2], x1), min(inner[3], y1)
        box = (cx0, cy0, cx1, cy1)
        look = np.concatenate([upsample(slice(4, 8), box), upsample(slice(8, 12), box)], axis=-1)
        sides = upsample(slice(12, 16), box)
        part = motion[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        below_top, above_bottom = part[..., f["below_top"]].copy(), part[..., f["above_bottom"]].copy()
        share = _unit(below_top / np.maximum(below_top + above_bottom, 0.5))
        part[..., f["shift_x"]] = sides[..., 0] + (sides[..., 2] - sides[..., 0]) * share
        part[..., f["shift_y"]] = sides[..., 1] + (sides[..., 3] - sides[..., 1]) * share
        inside = _unit(below_top + 0.5) * _unit(above_bottom + 0.5)
        own = inside * _unit(look[..., 7] + 0.5) * _unit(look[..., 1] + 0.5)
        own_reach = 0.8 * (1.0 - 0.35 * max(-float(animation[ctl.INDEX["width"]]), 0.0))
        own_reach -= 1.5 * step / max(interior.half_width, 1.0)
        own = own * _unit((own_reach - np.abs(look[..., 6])) / mouth.OWN_TEETH_FADE)
        part[..., f["shift_x"]] *= 1.0 - own
        part[..., f["shift_y"]] *= 1.0 - own
    coords = np.arange(size, dtype=np.float32)
    map_x = coords[None, x0:x1] - motion[..., f["shift_x"]]
    map_y = coords[y0:y1, None] - motion[..., f["shift_y"]]
    pixels = cv2.remap(region, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if inner is not None:
        fade = look[..., 0] * face_mask[cy0:cy1, cx0:cx1]
        target = pixels[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0, :3]
        crease = _unit(1.0 - np.abs(below_top - above_bottom) * 0.6) * _unit(-(below_top + above_bottom) * 0.5)
        crease = crease * (mouth.CREASE * fade * (1.0 - inside))
        if crease.any():
            darker = target * (1.0 - crease)[..., None] + interior.cavity * crease[..., None]
            target[...] = np.rint(darker).clip(0, 255).astype(np.uint8)
        band = max(mouth.SEAM * interior.half_width, 1.0)
        reach = (
            _unit((below_top + band) / band)
            * _unit((above_bottom + band) / band)
            * _unit(below_top + above_bottom - 1.0)
        )
        alpha = np.maximum(inside, reach) * (1.0 - own)
        if painted is not None:
            painted.append((target.copy(), below_top, above_bottom, look, alpha, fade))
        reference_paint(target, below_top, above_bottom, look, alpha, fade, animation, interior)
    return x0, y0, pixels


def reference_paint(target, below_top, above_bottom, look, alpha, fade, animation, interior):
    a = alpha * fade
    reached = a > 0
    if not reached.any():
        return
    edge = max(LIP_EDGE * max(interior.half_width, 1.0), 1.5)
    lip = reference_surround_at(target, alpha, edge, interior.lip, reached)
    colour = reference_colour(below_top[reached], above_bottom[reached], look[reached], lip, edge, animation, interior)
    blended = target[reached].astype(np.float32) * (1.0 - a[reached])[:, None] + colour * a[reached][:, None]
    target[reached] = np.rint(blended).clip(0, 255).astype(np.uint8)


def reference_surround_at(target, alpha, reach, fallback, at):
    rows, cols = np.flatnonzero(at.any(axis=1)), np.flatnonzero(at.any(axis=0))
    sigma = 0.8 * reach + 1.0
    margin = _blur_reach(sigma) + 1
    y0, x0 = max(int(rows[0]) - margin, 0), max(int(cols[0]) - margin, 0)
    y1, x1 = min(int(rows[-1]) + 1 + margin, at.shape[0]), min(int(cols[-1]) + 1 + margin, at.shape[1])
    outside = (alpha[y0:y1, x0:x1] < 0.02).astype(np.float32)
    inner = at[y0:y1, x0:x1]
    weight = cv2.GaussianBlur(outside, (0, 0), sigma)[inner]
    spread = cv2.GaussianBlur(target[y0:y1, x0:x1].astype(np.float32) * outside[..., None], (0, 0), sigma)[inner]
    colour = np.where((weight > 1e-3)[:, None], spread / np.maximum(weight, 1e-3)[:, None], fallback)
    return np.asarray(colour, np.float32)


def reference_sample(strip, u, v):
    map_x = (strip.centre + u * strip.px_per_hw).astype(np.float32)
    map_y = (strip.edge_row - np.minimum(v, TEETH_TOP) * strip.teeth_rows).astype(np.float32)
    return _remap_flat(strip.pixels, map_x, map_y, cv2.BORDER_REPLICATE)


def reference_colour(below_top, above_bottom, look, lip, edge, animation, interior):
    hw = max(interior.half_width, 1.0)
    above_upper, below_lower, light, _below_tongue, shade, u = (np.ascontiguousarray(look[:, i]) for i in range(1, 7))
    above_upper = above_upper + interior.upper_display
    u2 = np.minimum(u * u, 1.5)
    teeth_bared = float(np.clip(animation[ctl.INDEX["teeth"]], 0.0, 1.0))
    tongue_up = float(np.clip(animation[ctl.INDEX["tongue"]], 0.0, 1.0))
    jaw = float(np.clip(animation[ctl.INDEX["jaw"]], 0.0, 1.0))
    show = LOWER_SHOW * hw * float(np.clip((teeth_bared - 0.45) / 0.35, 0.0, 1.0))
    lower_edge = np.minimum(below_lower + show, show - above_bottom)

    to_top = np.minimum(below_top, -above_upper)
    to_bottom = np.minimum(above_bottom, -lower_edge)
    height = np.maximum(to_top + to_bottom, 1.0)
    depth = np.clip(np.minimum(to_top, to_bottom) / (0.5 * height), 0.0, 1.0)
    near = (1.0 - depth) ** 2
    corner = 1.0 - 0.45 * np.clip(u2, 0.0, 1.0)
    lips_height = np.maximum(below_top + above_bottom, 1.0)
    mottle = 1.0 + MOTTLE * _noise(u, above_bottom / hw)
    level = (CAVITY_BACK + (CAVITY_FRONT - CAVITY_BACK) * near) * corner * (0.8 + 0.2 * shade) * mottle
    colour = np.maximum(interior.cavity * level[..., None], CAVITY_FLOOR).astype(np.float32)

    dome = np.sqrt(np.clip(1.0 - u2 / (TONGUE_WIDTH * TONGUE_WIDTH), 0.0, 1.0))
    tip = np.clip(1.0 - u2 / (TONGUE_TIP_WIDTH * TONGUE_TIP_WIDTH), 0.0, 1.0) ** 2
    top_share = TONGUE_REST * (0.5 + 0.5 * jaw) * dome + TONGUE_TIP * tongue_up * tip
    below_surface = top_share * lips_height - above_bottom
    soft = max(0.02 * hw, 1.0)
    tongue = _smooth(below_surface / (2.0 * soft) + 0.5)
    front = np.clip(below_surface / np.maximum(top_share * lips_height, 1.0), 0.0, 1.0)
    lit = (0.6 + 0.4 * front) * (1.0 - 0.45 * np.clip(u2 / (TONGUE_WIDTH * TONGUE_WIDTH), 0.0, 1.0))
    tongue_colour = interior.tongue * (lit * mottle)[..., None]
    colour += (tongue_colour - colour) * tongue[..., None]

    strip = interior.strip
    rounding = float(np.clip(-animation[ctl.INDEX["width"]], 0.0, 1.0))
    reach = _smooth((TEETH_REACH * (1.0 - 0.45 * rounding) - np.abs(u)) / TEETH_FADE)
    narrowed = np.clip(u2 / (1.0 - 0.45 * rounding) ** 2, 0.0, 1.0)
    sides = (1.0 - 0.6 * narrowed) * (0.85 + 0.15 * light)
    lower_v = np.maximum(lower_edge, 0.0) / (TEETH_HEIGHT * hw)
    lower = reference_sample(strip, u * LOWER_NARROWING, lower_v)
    lower_shade = 0.8 * sides * (0.75 + 0.25 * _smooth(above_bottom / (0.08 * hw)))
    lower_alpha = _smooth(lower_edge / 1.2 - 0.3) * reach
    colour += (lower * lower_shade[..., None] - colour) * lower_alpha[..., None]
    upper_v = np.maximum(above_upper, 0.0) / (TEETH_HEIGHT * hw)
    upper = reference_sample(strip, u, upper_v)
    gum = _smooth((upper_v - GUM_FROM) / 0.3)[..., None]
    upper += (lip * 0.8 - upper) * gum
    under_lip = 0.75 + 0.25 * _smooth(below_top / (0.12 * hw))
    upper_alpha = _smooth(above_upper / 1.2 + 0.5) * reach
    colour += (upper * (sides * under_lip)[..., None] - colour) * upper_alpha[..., None]

    for distance, over in ((below_top, 0.6 * upper_alpha), (above_bottom, 0.0)):
        t = np.clip(distance / edge, 0.0, 1.0)
        weight = (1.0 - t) ** 1.5 * (1.0 - over * (distance > 0))
        colour += (lip * (0.95 - 0.45 * t)[..., None] - colour) * weight[..., None]
    return colour


def portraits():
    yield "astronaut", PRESETS["astronaut"].read_bytes()
    yield "cameraman", PRESETS["cameraman"].read_bytes()
    try:
        from matplotlib import cbook
    except ImportError:
        return
    # A closed-mouth portrait: its teeth are drawn, not its own.
    yield "hopper", Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes()


def frames(region, seed):
    """Controls rows: every viseme at full and half strength, then random mixes of the
    animation controls (pressed lips, tucks, raised tongues, bared teeth)."""
    targets = [np.array(target, np.float32) * scale for target, *_ in VISEMES.values() for scale in (1.0, 0.5)]
    rng = np.random.default_rng(seed)
    for _ in range(24):
        jaw, width = rng.uniform(-0.3, 1.3), rng.uniform(-1.0, 1.0)
        others = rng.uniform(0.0, 1.0, 4) * (rng.random(4) < 0.5)
        targets.append(np.array([jaw, width, *others], np.float32))
    animation = np.stack(targets)
    names = ctl.ANIMATION_NAMES
    return region.controls(**{name: animation[:, i] for i, name in enumerate(names)})


@pytest.fixture(scope="module")
def renderer():
    return Renderer.for_model("builtin")


@pytest.mark.parametrize("name", [name for name, _ in portraits()])
def test_the_fast_mouth_draws_what_the_plain_formulas_draw_byte_for_byte(renderer, name, monkeypatch):
    data = dict(portraits())[name]
    prepared = renderer.prepare(data, None, {"resolution": 512})
    region = prepared.mouth
    pixels = prepared.canvas[region.top : region.top + region.size, region.left : region.left + region.size]
    rows = frames(region, seed=len(name))
    rows = rows[~ctl.at_rest(rows)]
    (fields,) = DirectRunner().run(renderer.mouth.batch_key, renderer.mouth.model, {"controls": rows})
    painted, plain_painted = [], []

    def spy(target, *rest):
        painted.append((target.copy(), *rest))
        real_paint(target, *rest)

    real_paint = mouth.paint
    monkeypatch.setattr(mouth, "paint", spy)
    applier = mouth.FieldApplier(region.size)
    drawn = 0
    for row, field in zip(rows, fields):
        fast = applier.apply(pixels, field, region.interior, region.face_mask, row)
        plain = reference_apply(region.size, pixels, field, region.interior, region.face_mask, row, plain_painted)
        assert (fast is None) == (plain is None)
        if fast is None:
            continue
        assert fast[:2] == plain[:2]
        np.testing.assert_array_equal(fast[2], plain[2])
        drawn += 1
    assert drawn > len(rows) // 2

    # Before rounding to bytes, what is painted and its colours are the same floats too.
    assert len(painted) == len(plain_painted)
    for fast_args, plain_args in zip(painted, plain_painted):
        for fast_arg, plain_arg in zip(fast_args, plain_args):
            np.testing.assert_array_equal(fast_arg, plain_arg)
    for target, below_top, above_bottom, look, alpha, fade, animation, interior in painted:
        reached = alpha * fade > 0
        if not reached.any():
            continue
        at = np.flatnonzero(reached)
        edge = max(LIP_EDGE * max(interior.half_width, 1.0), 1.5)
        lip = mouth_interior._surround(target, alpha, edge, interior.lip, reached, at)
        plain_lip = reference_surround_at(target, alpha, edge, interior.lip, reached)
        np.testing.assert_array_equal(lip.T, plain_lip)
        colour = mouth_interior._colour(below_top, above_bottom, look, at, lip, edge, animation, interior)
        plain_colour = reference_colour(
            below_top[reached], above_bottom[reached], look[reached], plain_lip, edge, animation, interior
        )
        np.testing.assert_array_equal(colour.T, plain_colour)


def test_paint_draws_the_same_on_a_view_as_on_a_compact_copy(renderer, monkeypatch):
    """apply paints a compact copy; paint also takes the colour channels of an RGBA view."""
    data = PRESETS["astronaut"].read_bytes()
    prepared = renderer.prepare(data, None, {"resolution": 512})
    region = prepared.mouth
    pixels = prepared.canvas[region.top : region.top + region.size, region.left : region.left + region.size]
    row = region.controls(np.array([0.9], np.float32), np.array([0.2], np.float32))
    (fields,) = DirectRunner().run(renderer.mouth.batch_key, renderer.mouth.model, {"controls": row})
    seen = {}

    def spy(target, *rest):
        seen.update(args=(target.copy(), *rest))

    monkeypatch.setattr(mouth, "paint", spy)
    mouth.FieldApplier(region.size).apply(pixels, fields[0], region.interior, region.face_mask, row[0])
    target, *rest = seen["args"]
    compact = target.copy()
    mouth_interior.paint(compact, *rest)
    rgba = np.dstack([target, np.full(target.shape[:2], 7, np.uint8)])
    mouth_interior.paint(rgba[..., :3], *rest)
    assert not np.array_equal(compact, target)
    np.testing.assert_array_equal(rgba[..., :3], compact)
    assert (rgba[..., 3] == 7).all()
