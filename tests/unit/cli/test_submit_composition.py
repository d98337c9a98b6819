"""`talkfarm submit … --canvas --background --lower-third --captions --music
--body FILE.json` against a real HTTP server: the flags become the composed
request the API stores, files are uploaded with their purpose, and mistakes
are refused before anything is sent (or named by the API's code)."""

from __future__ import annotations

import json

from domain.models import Job
from tests import composition_files as files


def _spec(sessions, stdout: str) -> dict:
    with sessions() as session:
        return session.get(Job, json.loads(stdout)["id"]).spec


def test_flags_compose_a_single_script(talkfarm, keys, sessions, tmp_path):
    music = tmp_path / "bed.wav"
    music.write_bytes(files.music())
    done = talkfarm(
        keys["alpha"],
        "submit",
        "Good evening.",
        "--avatar",
        "astronaut",
        "--canvas",
        "1920x1080",
        "--background",
        "#1F2937",
        "--lower-third",
        "Jane Doe, anchor",
        "--captions",
        "word",
        "--music",
        str(music),
        "--json",
    )
    assert done.exit_code == 0, done.stderr
    assert "uploaded bed.wav as ast_" in done.stderr and "(music)" in done.stderr
    # the same file again: the farm already has it, and the CLI says so rather than "uploaded"
    again = talkfarm(
        keys["alpha"], "submit", "Hello.", "--avatar", "astronaut", "--canvas", "1920x1080", "--music", str(music)
    )
    assert again.exit_code == 0, again.stderr
    assert "reused bed.wav as ast_" in again.output and "uploaded bed.wav" not in again.output
    composition = _spec(sessions, done.stdout)["composition"]
    assert composition["canvas"] == {"width": 1920, "height": 1080}
    scene = composition["scenes"][0]
    assert scene["background"]["type"] == "color" and scene["background"]["color"] == "#1f2937"
    assert scene["overlays"][0]["text"] == "Jane Doe, anchor" and scene["overlays"][0]["role"] == "lower_third"
    assert composition["captions"]["burn_in"] is True and composition["captions"]["style"] == "word"
    assert composition["music"]["asset_id"].startswith("ast_")


def test_a_background_video_file_is_uploaded_as_a_background_and_transparent_picks_webm(
    talkfarm, keys, sessions, tmp_path
):
    clip = tmp_path / "loop.webm"
    clip.write_bytes(files.video(fmt="webm"))
    video = talkfarm(
        keys["alpha"],
        "submit",
        "Hi.",
        "--avatar",
        "astronaut",
        "--canvas",
        "1080x1920",
        "--background",
        str(clip),
        "--json",
    )
    assert video.exit_code == 0, video.stderr
    background = _spec(sessions, video.stdout)["composition"]["scenes"][0]["background"]
    assert background["type"] == "video" and background["asset_id"].startswith("ast_")
    by_id = talkfarm(
        keys["alpha"],
        "submit",
        "Hi.",
        "--avatar",
        "astronaut",
        "--canvas",
        "1080x1920",
        "--background",
        background["asset_id"],
        "--json",
    )
    assert by_id.exit_code == 0, by_id.stderr
    assert _spec(sessions, by_id.stdout)["composition"]["scenes"][0]["background"] == background

    clear = talkfarm(
        keys["alpha"],
        "submit",
        "Hi.",
        "--avatar",
        "astronaut",
        "--canvas",
        "1280x720",
        "--background",
        "transparent",
        "--json",
    )
    assert clear.exit_code == 0, clear.stderr
    assert _spec(sessions, clear.stdout)["composition"]["output_format"] == "webm"


def test_a_body_file_gives_scenes_and_renditions(talkfarm, keys, sessions, tmp_path):
    body = tmp_path / "job.json"
    body.write_text(
        json.dumps(
            {
                "scenes": [{"script": "One.", "avatar": "astronaut"}, {"script": "Two.", "avatar": "cameraman"}],
                "renditions": [{"canvas": {"width": 1080, "height": 1920}}],
            }
        )
    )
    done = talkfarm(
        keys["alpha"], "submit", "--canvas", "1920x1080", "--captions", "subtitle", "--body", str(body), "--json"
    )
    assert done.exit_code == 0, done.stderr
    composition = _spec(sessions, done.stdout)["composition"]
    assert [s["script"] for s in composition["scenes"]] == ["One.", "Two."]
    assert composition["renditions"][0]["canvas"] == {"width": 1080, "height": 1920}


def test_rendition_flags_add_cuts_after_those_of_the_body_file(talkfarm, keys, sessions, tmp_path):
    body = tmp_path / "job.json"
    body.write_text(json.dumps({"renditions": [{"canvas": {"width": 1080, "height": 1080}, "captions": None}]}))
    done = talkfarm(
        keys["alpha"],
        "submit",
        "Good evening.",
        "--avatar",
        "astronaut",
        "--canvas",
        "1920x1080",
        "--rendition",
        "1080x1920",
        "--rendition",
        "720×1280",
        "--body",
        str(body),
        "--json",
    )
    assert done.exit_code == 0, done.stderr
    renditions = _spec(sessions, done.stdout)["composition"]["renditions"]
    assert [(r["canvas"]["width"], r["canvas"]["height"]) for r in renditions] == [
        (1080, 1080),
        (1080, 1920),
        (720, 1280),
    ]
    assert all(r["character"] is None for r in renditions)  # the farm lays each out for its shape


def test_mistakes_are_refused_before_sending_or_named_by_the_api(talkfarm, keys, sessions, tmp_path):
    body = tmp_path / "job.json"
    body.write_text(json.dumps({"scenes": [{"script": "One.", "avatar": "astronaut"}]}))
    for args, words in (
        (["Hi.", "--avatar", "astronaut", "--canvas", "wide"], "WIDTHxHEIGHT"),
        (["Hi.", "--avatar", "astronaut", "--lower-third", "Jane"], "give --canvas"),
        (["Hi.", "--avatar", "astronaut", "--canvas", "640x360", "--background", "plaid"], "colour"),
        (["--canvas", "640x360", "--background", "#000", "--body", str(body)], "each scene"),
        (["Hi.", "--avatar", "astronaut", "--rendition", "1080x1920"], "give --canvas"),
        (["Hi.", "--avatar", "astronaut", "--canvas", "640x360", "--rendition", "tall"], "--rendition"),
    ):
        refused = talkfarm(keys["alpha"], "submit", *args)
        assert refused.exit_code == 2 and words in refused.output, refused.output
    with sessions() as session:
        assert session.query(Job).count() == 0
    odd = talkfarm(keys["alpha"], "submit", "Hi.", "--avatar", "astronaut", "--canvas", "1921x1080")
    assert odd.exit_code == 1 and "canvas_invalid" in odd.stderr
