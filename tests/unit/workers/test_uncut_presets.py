"""A rendition's presenter and the presets that cannot be cut out (``domain.presets.NOT_CUT_OUT``)."""

from __future__ import annotations

from domain.composition import normalise_composition
from workers.stages.composition import _uncut_where_asked

SCENE = {"script": "Good evening.", "avatar": "astronaut"}


def test_a_renditions_own_presenter_leaves_the_cameraman_uncut_in_its_scenes():
    """A rendition's ``character`` is one for every scene, its matting true by default: the scenes with the
    cameraman stay uncut in it; the others are cut out as it says."""
    spec = normalise_composition(
        {
            "canvas": {"width": 1080, "height": 1920},
            "scenes": [SCENE, {**SCENE, "avatar": "cameraman"}],
            "renditions": [{"canvas": {"width": 1080, "height": 1080}, "character": {"scale": 0.6}}],
        }
    )
    own = spec["renditions"][0]["character"]
    assert own["matting"] is True
    assert [_uncut_where_asked(scene, own)["matting"] for scene in spec["scenes"]] == [True, False]
