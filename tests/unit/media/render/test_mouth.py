"""The mouth's geometry read from the portrait: the same face at any resolution."""

import pytest

from domain.presets import PRESETS
from media.render import controls as ctl
from media.render.face import analyze_portrait
from media.render.renderer import Renderer


@pytest.fixture(scope="module")
def geometries():
    data = PRESETS["astronaut"].read_bytes()
    info = analyze_portrait(data)
    renderer = Renderer.for_model("builtin")
    return {res: renderer.prepare(data, info, {"resolution": res}).mouth.geometry for res in (256, 512, 1024)}


def test_a_smiling_portrait_keeps_its_teeth_and_their_edge_sits_in_the_lower_part_of_the_gap(geometries):
    for geometry in geometries.values():
        gap = geometry[ctl.INDEX["rest_gap"]]
        assert geometry[ctl.INDEX["own_teeth"]] == 1.0
        assert -0.45 * gap <= geometry[ctl.INDEX["upper_teeth"]] <= -0.1 * gap


def test_the_geometry_scales_with_the_resolution(geometries):
    base = geometries[512]
    for res, geometry in geometries.items():
        scale = res / 512
        for name in ("half_width", "rest_gap", "chin", "hinge_reach"):
            assert geometry[ctl.INDEX[name]] == pytest.approx(base[ctl.INDEX[name]] * scale, rel=0.05), name
        edge = geometry[ctl.INDEX["upper_teeth"]] / geometry[ctl.INDEX["rest_gap"]]
        assert edge == pytest.approx(base[ctl.INDEX["upper_teeth"]] / base[ctl.INDEX["rest_gap"]], abs=0.1)
