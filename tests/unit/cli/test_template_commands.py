"""`talkfarm templates create|list|show|render|csv` and `talkfarm batch --template` against
the API over HTTP (SQLite): a person's table or line, or the API's document with --json;
a refused row prints its code and variable and exits 1."""

from __future__ import annotations

import json

from tests.templates_fixtures import NEWS, news


def _created(talkfarm, key, tmp_path, template=None) -> dict:
    path = tmp_path / "news.json"
    path.write_text(json.dumps(template or NEWS))
    result = talkfarm(key, "templates", "create", str(path), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_create_list_show_and_a_new_version(talkfarm, keys, tmp_path):
    made = _created(talkfarm, keys["alpha"], tmp_path)
    line = talkfarm(keys["alpha"], "templates", "list")
    assert made["id"] in line.stdout and "headline:text" in line.stdout and "voice:voice?" in line.stdout
    assert json.loads(talkfarm(keys["alpha"], "templates", "list", "--json").stdout)["items"][0]["id"] == made["id"]
    shown = talkfarm(keys["alpha"], "templates", "show", made["id"])
    assert "Nightly news" in shown.stdout and "{{headline}}" in shown.stdout
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(news(body__script="Breaking: {{headline}}. {{story}}")))
    updated = talkfarm(keys["alpha"], "templates", "create", str(newer), "--update", made["id"])
    assert updated.exit_code == 0 and "version 2" in updated.stdout
    old = talkfarm(keys["alpha"], "templates", "show", made["id"], "--version", "1", "--json")
    assert json.loads(old.stdout)["body"]["script"] == "{{headline}}. {{story}}"


def test_render_with_vars_and_its_refusal_naming_the_variable(talkfarm, keys, tmp_path):
    made = _created(talkfarm, keys["alpha"], tmp_path)
    rendered = talkfarm(
        keys["alpha"],
        "templates",
        "render",
        made["id"],
        "--var",
        "headline=Storm tonight",
        "--var",
        "story=Winds {{rise}}.",
        "--json",
    )
    assert rendered.exit_code == 0, rendered.output
    job = json.loads(rendered.stdout)
    assert job["spec"]["script"] == "Storm tonight. Winds {{rise}}." and job["template"]["version"] == 1
    refused = talkfarm(keys["alpha"], "templates", "render", made["id"], "--var", "headline=x")
    assert refused.exit_code == 1 and "variable_missing" in refused.stderr and "'story'" in refused.stderr


def test_csv_then_batch_from_the_filled_file(talkfarm, keys, tmp_path):
    made = _created(talkfarm, keys["alpha"], tmp_path)
    header = tmp_path / "rows.csv"
    assert talkfarm(keys["alpha"], "templates", "csv", made["id"], "-o", str(header)).exit_code == 0
    assert json.loads(talkfarm(keys["alpha"], "templates", "csv", made["id"], "--json").stdout)["columns"] == [
        "headline",
        "story",
        "voice",
        "accent",
    ]
    header.write_text(header.read_text() + "Storm,Winds rise.,,\r\nVote,The council meets.,,#ff0000\r\n")
    made_batch = talkfarm(keys["alpha"], "batch", "--template", made["id"], str(header), "--json")
    assert made_batch.exit_code == 0, made_batch.output
    assert json.loads(made_batch.stdout)["size"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("headline,story,voice\r\nStorm,Winds.,\r\nVote,Council.,HAL\r\n")
    refused = talkfarm(keys["alpha"], "batch", "--template", made["id"], str(bad))
    assert refused.exit_code == 1 and "batch_invalid" in refused.stderr
    assert '"variable": "voice"' in refused.stderr and '"1"' in refused.stderr
