"""`talkfarm assets list|upload|delete` against the API over HTTP: a newsroom's operator finds what its tenant has
stored and how much room is left, uploads a file and deletes one, without writing a client. A refusal (an asset a
brand kit names, another tenant's id) is the API's problem on stderr and a non-zero exit."""

from __future__ import annotations

import json

from tests import composition_files as files


def test_upload_list_and_delete_an_asset(talkfarm, keys, tmp_path):
    (tmp_path / "bed.wav").write_bytes(files.music())
    (tmp_path / "logo.png").write_bytes(files.logo())
    uploaded = talkfarm(keys["alpha"], "assets", "upload", str(tmp_path / "bed.wav"), "--purpose", "music")
    assert uploaded.exit_code == 0, uploaded.output
    music_id = uploaded.output.split()[0]
    assert music_id.startswith("ast_") and "(music," in uploaded.output
    again = talkfarm(keys["alpha"], "assets", "upload", str(tmp_path / "bed.wav"), "--purpose", "music")
    assert again.output.split()[0] == music_id and "already stored" in again.output
    logo = json.loads(
        talkfarm(keys["alpha"], "assets", "upload", str(tmp_path / "logo.png"), "--purpose", "logo", "--json").output
    )

    table = talkfarm(keys["alpha"], "assets", "list")
    assert table.exit_code == 0, table.output
    assert table.output.index(logo["id"]) < table.output.index(music_id)  # newest first
    assert "2 of 10,000 assets" in table.output
    assert "bed.wav" in table.output and "logo.png" in table.output  # the names they came with
    page = json.loads(talkfarm(keys["alpha"], "assets", "list", "--purpose", "music", "--json").output)
    assert [a["id"] for a in page["items"]] == [music_id] and page["quota"]["assets_used"] == 2
    assert "no assets" in talkfarm(keys["beta"], "assets", "list").output

    refused = talkfarm(keys["beta"], "assets", "delete", music_id)
    assert refused.exit_code == 1 and "asset_not_found" in refused.output
    deleted = talkfarm(keys["alpha"], "assets", "delete", music_id)
    assert deleted.exit_code == 0 and f"deleted {music_id}" in deleted.output
    assert music_id not in talkfarm(keys["alpha"], "assets", "list").output


def test_a_long_list_tells_how_to_get_the_next_page(talkfarm, keys, tmp_path):
    for name, data, purpose in (("bed.wav", files.music(), "music"), ("logo.png", files.logo(), "logo")):
        (tmp_path / name).write_bytes(data)
        assert talkfarm(keys["alpha"], "assets", "upload", str(tmp_path / name), "--purpose", purpose).exit_code == 0
    first = talkfarm(keys["alpha"], "assets", "list", "--limit", "1")
    cursor = first.output.strip().splitlines()[-1].split("--cursor ")[1]
    rest = talkfarm(keys["alpha"], "assets", "list", "--limit", "1", "--cursor", cursor)
    assert rest.exit_code == 0 and "more:" not in rest.output and "(music" not in rest.output
