"""Shipped portraits: present, attributed, and named errors for unknown ones."""

import pytest

from domain.errors import ProblemError
from domain.presets import LICENCES, PORTRAITS_DIR, PRESETS, preset_path


def test_every_preset_file_exists_and_is_attributed_with_a_licence():
    attribution = (PORTRAITS_DIR / "ATTRIBUTION.md").read_text()
    for name, path in PRESETS.items():
        assert path.is_file(), name
        assert f"`{path.name}`" in attribution, name
        assert LICENCES[name].split(" (")[0].lower() in {"public domain", "cc0 1.0"}


def test_the_astronaut_is_the_default_demo_portrait():
    assert preset_path("astronaut").name == "astronaut.png"


def test_an_unknown_preset_is_a_422_listing_the_known_ones():
    with pytest.raises(ProblemError) as caught:
        preset_path("mona_lisa")
    assert caught.value.code == "avatar_preset_unknown"
    assert "astronaut" in caught.value.detail
