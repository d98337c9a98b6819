"""An asset's size and contents as the Files page and `talkfarm assets list` both show them."""

from __future__ import annotations

from domain.asset_words import measure_words, size_words


def test_sizes_read_in_a_file_managers_units():
    assert [size_words(n) for n in (0, 418, 999, 1000, 172_800, 17_825_792, 20 * 1024**3)] == [
        "0 bytes",
        "418 bytes",
        "999 bytes",
        "1.0 kB",
        "172.8 kB",
        "17.8 MB",
        "21.5 GB",
    ]


def test_what_an_asset_holds():
    assert measure_words({"info": {"width": 1920, "height": 1080}}) == "1920 × 1080"
    assert measure_words({"info": {"duration_s": 2}}) == "2.0 s"
    video = {"info": {"width": 1280, "height": 720, "duration_s": 12.46, "fps": 25}}
    assert measure_words(video) == "1280 × 720, 12.5 s"
    assert measure_words({"info": None}) == measure_words({}) == ""
