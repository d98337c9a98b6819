"""`talkfarm brand set|show|list` against a real HTTP server: flags change only
the parts they name, files are uploaded with their purpose, a new name makes a
kit, and jobs then follow the default kit."""

from __future__ import annotations

import json

from tests import brand_files
from tests import composition_files as files


def test_brand_set_uploads_files_and_changes_only_what_it_names(talkfarm, keys, tmp_path):
    logo, font, intro = tmp_path / "logo.png", tmp_path / "block.ttf", tmp_path / "sting.mp4"
    logo.write_bytes(files.logo())
    font.write_bytes(brand_files.block_font())
    intro.write_bytes(files.video())
    done = talkfarm(
        keys["alpha"],
        "brand",
        "set",
        "--logo",
        str(logo),
        "--primary",
        "C8102E",
        "--body-font",
        str(font),
        "--intro",
        str(intro),
        "--transition",
        "crossfade:1",
        "--watermark-text",
        "Alpha TV",
        "--json",
    )
    assert done.exit_code == 0, done.output
    kit = json.loads(done.stdout)
    assert kit["default"] is True and kit["name"] == "default" and kit["version"] == 2
    assert kit["colors"]["primary"] == "#c8102e" and kit["logo_asset_id"].startswith("ast_")
    assert kit["fonts"]["body"].startswith("ast_") and kit["intro_asset_id"].startswith("ast_")
    assert kit["transition"] == {"type": "crossfade", "duration": 1.0} and kit["watermark"]["text"] == "Alpha TV"

    again = talkfarm(keys["alpha"], "brand", "set", "--secondary", "#ffd100", "--json")
    kept = json.loads(again.stdout)
    assert kept["colors"] == {**kit["colors"], "secondary": "#ffd100"} and kept["logo_asset_id"] == kit["logo_asset_id"]
    assert kept["version"] == 3

    shown = talkfarm(keys["alpha"], "brand", "show")
    assert shown.exit_code == 0 and "primary=#c8102e" in shown.stdout


def test_brand_set_with_a_new_name_makes_a_kit_and_list_shows_both(talkfarm, keys):
    made = talkfarm(keys["alpha"], "brand", "set", "--kit", "Sport", "--primary", "#00ff00")
    assert made.exit_code == 0, made.output
    assert "Sport" in made.stdout
    listed = json.loads(talkfarm(keys["alpha"], "brand", "list", "--json").stdout)["items"]
    assert [(k["name"], k["default"]) for k in listed] == [("default", True), ("Sport", False)]
    table = talkfarm(keys["alpha"], "brand", "list").stdout
    assert "Sport" in table and "#00ff00" in table
    assert talkfarm(keys["beta"], "brand", "show", "--kit", "Sport").exit_code != 0  # another tenant's


def test_brand_set_names_the_apis_refusal(talkfarm, keys, tmp_path):
    fake = tmp_path / "font.ttf"
    fake.write_bytes(brand_files.not_a_font())
    refused = talkfarm(keys["alpha"], "brand", "set", "--title-font", str(fake))
    assert refused.exit_code == 1 and "font_invalid" in refused.stderr
    bad = talkfarm(keys["alpha"], "brand", "set", "--primary", "red")
    assert bad.exit_code == 2 and "#rrggbb" in bad.output


def test_a_kit_is_found_by_its_name_in_any_case(talkfarm, keys):
    """Kit names are one per tenant whatever their case; `brand set --kit "sport"` after "Sport" made a new kit's
    POST and was refused brand_kit_name_taken, and `brand show` said there was no such kit."""
    assert talkfarm(keys["alpha"], "brand", "set", "--kit", "Sport", "--primary", "#00ff00").exit_code == 0
    changed = talkfarm(keys["alpha"], "brand", "set", "--kit", " sport ", "--secondary", "#ffd100", "--json")
    assert changed.exit_code == 0, changed.output
    kit = json.loads(changed.stdout)
    assert kit["name"] == "Sport" and kit["colors"]["primary"] == "#00ff00" and kit["colors"]["secondary"] == "#ffd100"
    shown = talkfarm(keys["alpha"], "brand", "show", "--kit", "SPORT")
    assert shown.exit_code == 0 and "#ffd100" in shown.stdout
