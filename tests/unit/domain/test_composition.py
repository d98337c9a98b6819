"""domain/composition: a composed job's body becomes the contract's shape with
every default filled, and every bad field is refused with its stable code and
the path of the field."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given

from domain import composition_rules as R
from domain.composition import is_composed, normalise_composition
from domain.errors import ProblemError
from tests.fuzz_budget import fuzz_settings
from tests.hostile_strategies import composed_bodies

SINGLE = {"script": "Hello from the newsroom.", "avatar": "astronaut", "canvas": {"width": 1920, "height": 1080}}
SCENE = {"script": "Good evening.", "avatar": "astronaut"}


def composed(**fields):
    body = copy.deepcopy(SINGLE)
    body.update(fields)
    return body


def with_scenes(*scenes, **fields):
    return {"canvas": {"width": 1080, "height": 1920}, "scenes": list(scenes), **fields}


def refused(body) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        normalise_composition(body)
    assert caught.value.status == 422
    return caught.value


# --- what stays today's job ------------------------------------------------------------------------
def test_a_job_without_canvas_or_any_composition_field_is_not_composed():
    assert normalise_composition({"script": "Hi.", "avatar": "astronaut", "params": {"resolution": 256}}) is None


def test_the_single_form_becomes_one_scene_with_every_default_filled():
    got = normalise_composition(SINGLE)
    assert got is not None
    assert got["canvas"] == {"width": 1920, "height": 1080}
    assert got["output_format"] == "mp4" and got["music"] is None and got["renditions"] == []
    assert got["captions"] == {
        "burn_in": False,
        "style": "subtitle",
        "position": "bottom",
        "font": None,
        "size": None,
        "color": None,
        "highlight_color": None,
        "box": True,
    }
    (scene,) = got["scenes"]
    assert scene["script"] == "Hello from the newsroom." and scene["avatar"] == {"preset": "astronaut"}
    assert scene["background"] == {"type": "portrait", "color": None, "asset_id": None, "fit": "cover", "play": "loop"}
    # on its own photo too the presenter is cut out, and stands sharp over the photo blurred
    assert scene["character"] == {
        "style": "normal",
        "scale": 0.8,
        "offset": {"x": 0.0, "y": 0.0},
        "matting": True,
        "circle_background": "#ffffff",
    }
    assert scene["overlays"] == [] and scene["transition"] == {"type": "cut", "duration": 0.0}


def test_defaults_follow_the_choices_made():
    got = normalise_composition(
        with_scenes(
            {**SCENE, "background": {"type": "color", "color": "#1F2937"}, "character": {"style": "close_up"}},
            {
                **SCENE,
                "avatar": "ast_abc",
                "transition": {"type": "crossfade"},
                "overlays": [{"type": "image", "asset_id": "ast_logo"}, {"type": "text", "text": "Jane Doe", "end": 4}],
            },
        )
    )
    assert got is not None
    first, second = got["scenes"]
    assert first["background"]["color"] == "#1f2937"
    # close_up's 1.2, of the 9:16 canvas's width; cut out onto a colour
    assert first["character"]["scale"] == 0.675 and first["character"]["matting"] is True
    assert second["avatar"] == {"asset_id": "ast_abc"}
    assert second["transition"] == {"type": "crossfade", "duration": 0.5}
    image, words = second["overlays"]
    assert image == {
        "type": "image",
        "asset_id": "ast_logo",
        "anchor": "top_right",
        "scale": 0.15,
        "start": 0.0,
        "end": None,
    }
    assert words["role"] == "label" and words["start"] == 0.0 and words["end"] == 4.0


def test_a_portrait_canvas_gets_the_box_a_landscape_one_does_with_the_face_in_its_upper_half():
    """Left out, the presenter's size is a share of the shorter side (an 864-pixel box on 1920x1080 and on 1080x1920,
    not a 1536-pixel one wider than the vertical canvas), and on a portrait canvas its centre is up a fifth of the
    half-canvas, each axis defaulting alone; whatever the job gives is kept."""

    def character(canvas, given=None):
        body = {**SINGLE, "canvas": canvas, **({"character": given} if given is not None else {})}
        got = normalise_composition(body)
        assert got is not None
        return got["scenes"][0]["character"]

    landscape, vertical, square = (
        {"width": 1920, "height": 1080},
        {"width": 1080, "height": 1920},
        {"width": 1080, "height": 1080},
    )
    assert (character(landscape)["scale"], character(landscape)["offset"]) == (0.8, {"x": 0.0, "y": 0.0})
    assert (character(square)["scale"], character(square)["offset"]) == (0.8, {"x": 0.0, "y": 0.0})
    assert (character(vertical)["scale"], character(vertical)["offset"]) == (0.45, {"x": 0.0, "y": -0.2})
    assert character(vertical)["scale"] * 1920 == character(landscape)["scale"] * 1080 == 864
    assert character({"width": 1080, "height": 1350})["scale"] == 0.64  # 4:5: an 864-pixel box too
    assert character(vertical, {"style": "circle"})["scale"] == 0.45
    assert character(vertical, {"offset": {"x": 0.3}})["offset"] == {"x": 0.3, "y": -0.2}
    given = character(vertical, {"scale": 0.7, "offset": {"y": 0.25}})
    assert (given["scale"], given["offset"]) == (0.7, {"x": 0.0, "y": 0.25})
    got = normalise_composition({**SINGLE, "renditions": [{"canvas": vertical, "character": {"style": "normal"}}]})
    assert got is not None and got["renditions"][0]["character"]["scale"] == 0.45
    assert got["renditions"][0]["character"]["offset"] == {"x": 0.0, "y": -0.2}


def test_short_colours_are_spelled_out_in_lowercase():
    got = normalise_composition(composed(background={"type": "color", "color": "#F0a"}))
    assert got is not None and got["scenes"][0]["background"]["color"] == "#ff00aa"


def test_renditions_keep_their_own_canvas_and_restyle_only_what_they_name():
    got = normalise_composition(
        composed(
            background={"type": "color", "color": "#000000"},
            renditions=[
                {
                    "canvas": {"width": 1080, "height": 1920},
                    "character": {"scale": 0.5},
                    "captions": {"burn_in": True, "style": "word"},
                },
                {"canvas": {"width": 1080, "height": 1080}},
            ],
        )
    )
    assert got is not None
    vertical, square = got["renditions"]
    assert vertical["canvas"] == {"width": 1080, "height": 1920}
    assert vertical["character"]["scale"] == 0.5 and vertical["character"]["matting"] is True
    assert vertical["captions"]["style"] == "word" and vertical["captions"]["burn_in"] is True
    assert square == {"canvas": {"width": 1080, "height": 1080}, "character": None, "captions": None}


def test_a_transparent_background_in_webm_or_mov_is_taken():
    for fmt in R.ALPHA_FORMATS:
        got = normalise_composition(composed(background={"type": "transparent"}, output_format=fmt))
        assert got is not None and got["output_format"] == fmt


def test_extremes_of_every_range_are_taken():
    got = normalise_composition(
        with_scenes(
            *[SCENE] * R.MAX_SCENES,
            canvas={"width": 3840, "height": 2160},
            renditions=[{"canvas": {"width": 128, "height": 512}}, {"canvas": {"width": 512, "height": 128}}],
        )
    )
    assert got is not None and len(got["scenes"]) == 50


# --- every bad field: its code and its path -------------------------------------------------------
BAD = {
    # canvas
    "odd width": (composed(canvas={"width": 1921, "height": 1080}), "canvas_invalid", "canvas"),
    "odd height": (composed(canvas={"width": 1920, "height": 1079}), "canvas_invalid", "canvas"),
    "side too small": (composed(canvas={"width": 126, "height": 128}), "canvas_invalid", "canvas.width"),
    "side too large": (composed(canvas={"width": 3842, "height": 1080}), "canvas_invalid", "canvas.width"),
    "too many pixels": (composed(canvas={"width": 3840, "height": 2162}), "canvas_invalid", "canvas"),
    "thinner than 4:1": (composed(canvas={"width": 1026, "height": 256}), "canvas_invalid", "canvas"),
    "width a float": (composed(canvas={"width": 1920.0, "height": 1080}), "canvas_invalid", "canvas.width"),
    "width a boolean": (composed(canvas={"width": True, "height": 1080}), "canvas_invalid", "canvas.width"),
    "width a string": (composed(canvas={"width": "1920", "height": 1080}), "canvas_invalid", "canvas.width"),
    "height missing": (composed(canvas={"width": 1920}), "canvas_invalid", "canvas.height"),
    "canvas a list": (composed(canvas=[1920, 1080]), "canvas_invalid", "canvas"),
    "canvas unknown key": (
        composed(canvas={"width": 1920, "height": 1080, "depth": 3}),
        "canvas_invalid",
        "canvas.depth",
    ),
    "scenes without canvas": ({"scenes": [SCENE]}, "canvas_invalid", "canvas"),
    "music without canvas": ({**SCENE, "music": {"asset_id": "ast_m"}}, "canvas_invalid", "canvas"),
    # scenes
    "no scenes": (with_scenes(), "scenes_invalid", "scenes"),
    "51 scenes": (with_scenes(*[SCENE] * 51), "too_many_scenes", "scenes"),
    "scenes an object": ({"canvas": {"width": 640, "height": 360}, "scenes": SCENE}, "scenes_invalid", "scenes"),
    "scene a string": (with_scenes("hello"), "scenes_invalid", "scenes[0]"),
    "scene with script and audio": (
        with_scenes({**SCENE, "audio_asset_id": "ast_a"}),
        "scenes_invalid",
        "scenes[0].script",
    ),
    "scene with neither": (with_scenes({"avatar": "astronaut"}), "scenes_invalid", "scenes[0].script"),
    "scene without avatar": (with_scenes({"script": "Hi."}), "scenes_invalid", "scenes[0].avatar"),
    "scene unknown avatar": (with_scenes({**SCENE, "avatar": "nobody"}), "avatar_unknown", "scenes[0].avatar"),
    "scene unknown key": (with_scenes({**SCENE, "params": {}}), "scenes_invalid", "scenes[0].params"),
    "scene script NUL": (with_scenes({**SCENE, "script": "a\x00b"}), "scenes_invalid", "scenes[0].script"),
    "scene voice with audio": (
        with_scenes({"audio_asset_id": "ast_a", "avatar": "astronaut", "voice": "joe"}),
        "voice_with_audio",
        "scenes[0].voice",
    ),
    "scene transcript with script": (
        with_scenes({**SCENE, "transcript": "x"}),
        "transcript_with_script",
        "scenes[0].transcript",
    ),
    "scenes and top-level script": ({**with_scenes(SCENE), "script": "Hi."}, "scenes_invalid", "script"),
    "scenes and top-level background": (
        {**with_scenes(SCENE), "background": {"type": "portrait"}},
        "scenes_invalid",
        "background",
    ),
    "transition unknown": (
        with_scenes(SCENE, {**SCENE, "transition": {"type": "wipe"}}),
        "scenes_invalid",
        "scenes[1].transition.type",
    ),
    "crossfade too long": (
        with_scenes(SCENE, {**SCENE, "transition": {"type": "crossfade", "duration": 9}}),
        "scenes_invalid",
        "scenes[1].transition.duration",
    ),
    "cut with a duration": (
        with_scenes(SCENE, {**SCENE, "transition": {"type": "cut", "duration": 1}}),
        "scenes_invalid",
        "scenes[1].transition.duration",
    ),
    # character
    "style unknown": (composed(character={"style": "hologram"}), "character_invalid", "character.style"),
    "scale zero": (composed(character={"scale": 0}), "character_invalid", "character.scale"),
    "scale huge": (composed(character={"scale": 50}), "character_invalid", "character.scale"),
    "offset out of range": (composed(character={"offset": {"x": 1.5}}), "character_invalid", "character.offset.x"),
    "offset negative out of range": (
        composed(character={"offset": {"y": -1.01}}),
        "character_invalid",
        "character.offset.y",
    ),
    "offset unknown axis": (composed(character={"offset": {"z": 0}}), "character_invalid", "character.offset.z"),
    "matting a string": (composed(character={"matting": "yes"}), "character_invalid", "character.matting"),
    "circle background not a colour": (
        composed(character={"circle_background": "white"}),
        "character_invalid",
        "character.circle_background",
    ),
    # background
    "background type unknown": (composed(background={"type": "plasma"}), "background_invalid", "background.type"),
    "colour without colour": (composed(background={"type": "color"}), "background_invalid", "background.color"),
    "bad colour": (
        composed(background={"type": "color", "color": "#12345g"}),
        "background_invalid",
        "background.color",
    ),
    "colour without hash": (
        composed(background={"type": "color", "color": "1f2937"}),
        "background_invalid",
        "background.color",
    ),
    "image without asset": (composed(background={"type": "image"}), "background_invalid", "background.asset_id"),
    "colour with asset": (
        composed(background={"type": "color", "color": "#000", "asset_id": "ast_x"}),
        "background_invalid",
        "background.asset_id",
    ),
    "fit unknown": (
        composed(background={"type": "image", "asset_id": "ast_x", "fit": "stretch"}),
        "background_invalid",
        "background.fit",
    ),
    "play unknown": (
        composed(background={"type": "video", "asset_id": "ast_x", "play": "bounce"}),
        "background_invalid",
        "background.play",
    ),
    "transparent in mp4": (composed(background={"type": "transparent"}), "transparent_needs_webm", "background.type"),
    "transparent scene in mp4": (
        with_scenes(SCENE, {**SCENE, "background": {"type": "transparent"}}),
        "transparent_needs_webm",
        "scenes[1].background.type",
    ),
    # overlays
    "overlays an object": (composed(overlays={"type": "text", "text": "x"}), "overlay_invalid", "overlays"),
    "21 overlays": (composed(overlays=[{"type": "text", "text": "x"}] * 21), "overlay_invalid", "overlays"),
    "overlay type unknown": (composed(overlays=[{"type": "video"}]), "overlay_invalid", "overlays[0].type"),
    "text overlay without text": (composed(overlays=[{"type": "text"}]), "overlay_invalid", "overlays[0].text"),
    "text overlay blank": (composed(overlays=[{"type": "text", "text": "  "}]), "overlay_invalid", "overlays[0].text"),
    "text overlay too long": (
        composed(overlays=[{"type": "text", "text": "x" * 501}]),
        "overlay_invalid",
        "overlays[0].text",
    ),
    "text overlay control character": (
        composed(overlays=[{"type": "text", "text": "a\x1bb"}]),
        "overlay_invalid",
        "overlays[0].text",
    ),
    "role unknown": (
        composed(overlays=[{"type": "text", "text": "x", "role": "banner"}]),
        "overlay_invalid",
        "overlays[0].role",
    ),
    "ends before it starts": (
        composed(overlays=[{"type": "text", "text": "x", "start": 5, "end": 2}]),
        "overlay_timing",
        "overlays[0].end",
    ),
    "ends as it starts": (
        composed(overlays=[{"type": "text", "text": "x", "start": 2, "end": 2}]),
        "overlay_timing",
        "overlays[0].end",
    ),
    "starts before the scene": (
        composed(overlays=[{"type": "text", "text": "x", "start": -1}]),
        "overlay_timing",
        "overlays[0].start",
    ),
    "unknown font": (
        composed(overlays=[{"type": "text", "text": "x", "font": "comic-sans"}]),
        "font_unknown",
        "overlays[0].font",
    ),
    "size too big": (
        composed(overlays=[{"type": "text", "text": "x", "size": 4000}]),
        "overlay_invalid",
        "overlays[0].size",
    ),
    "text colour bad": (
        composed(overlays=[{"type": "text", "text": "x", "color": "red"}]),
        "overlay_invalid",
        "overlays[0].color",
    ),
    "image overlay with text field": (
        composed(overlays=[{"type": "image", "asset_id": "ast_l", "text": "x"}]),
        "overlay_invalid",
        "overlays[0].text",
    ),
    "image overlay without asset": (composed(overlays=[{"type": "image"}]), "overlay_invalid", "overlays[0].asset_id"),
    "anchor unknown": (
        composed(overlays=[{"type": "image", "asset_id": "ast_l", "anchor": "left"}]),
        "overlay_invalid",
        "overlays[0].anchor",
    ),
    "image scale zero": (
        composed(overlays=[{"type": "image", "asset_id": "ast_l", "scale": 0}]),
        "overlay_invalid",
        "overlays[0].scale",
    ),
    # captions
    "captions style unknown": (composed(captions={"style": "karaoke"}), "captions_invalid", "captions.style"),
    "captions burn_in a number": (composed(captions={"burn_in": 1}), "captions_invalid", "captions.burn_in"),
    "captions unknown font": (composed(captions={"font": "papyrus"}), "font_unknown", "captions.font"),
    "captions position unknown": (composed(captions={"position": "left"}), "captions_invalid", "captions.position"),
    "captions colour bad": (
        composed(captions={"highlight_color": "#ff"}),
        "captions_invalid",
        "captions.highlight_color",
    ),
    # music
    "music without asset": (composed(music={"volume": 0.5}), "music_invalid", "music.asset_id"),
    "music too loud": (composed(music={"asset_id": "ast_m", "volume": 1.5}), "music_invalid", "music.volume"),
    "music fade negative": (composed(music={"asset_id": "ast_m", "fade": -1}), "music_invalid", "music.fade"),
    "music a string": (composed(music="ast_m"), "music_invalid", "music"),
    # renditions
    "five renditions": (
        composed(renditions=[{"canvas": {"width": 128 * k, "height": 128}} for k in range(1, 6)]),
        "renditions_invalid",
        "renditions",
    ),
    "rendition odd canvas": (
        composed(renditions=[{"canvas": {"width": 1081, "height": 1920}}]),
        "renditions_invalid",
        "renditions[0].canvas",
    ),
    "rendition 8K canvas": (
        composed(renditions=[{"canvas": {"width": 7680, "height": 4320}}]),
        "renditions_invalid",
        "renditions[0].canvas.width",
    ),
    "rendition without canvas": (
        composed(renditions=[{"character": {}}]),
        "renditions_invalid",
        "renditions[0].canvas",
    ),
    "rendition of the main canvas": (
        composed(renditions=[{"canvas": {"width": 1920, "height": 1080}}]),
        "renditions_invalid",
        "renditions[0].canvas",
    ),
    "rendition twice": (
        composed(renditions=[{"canvas": {"width": 1080, "height": 1920}}] * 2),
        "renditions_invalid",
        "renditions[1].canvas",
    ),
    "rendition bad character": (
        composed(renditions=[{"canvas": {"width": 1080, "height": 1920}, "character": {"style": "x"}}]),
        "renditions_invalid",
        "renditions[0].character.style",
    ),
    "rendition bad captions": (
        composed(renditions=[{"canvas": {"width": 1080, "height": 1920}, "captions": {"style": "x"}}]),
        "renditions_invalid",
        "renditions[0].captions.style",
    ),
    # output
    "output format unknown": (composed(output_format="gif"), "output_format_invalid", "output_format"),
    "output format empty": (composed(output_format=""), "output_format_invalid", "output_format"),
    "output format a number": (composed(output_format=4), "output_format_invalid", "output_format"),
}


def test_the_first_scene_always_cuts_in_and_its_document_says_so():
    """A crossfade into the first scene has nothing to fade from: it was stored as asked and never shown. The
    scene's transition is now a cut in the job's document; the next scene keeps its crossfade."""
    fades = {"type": "crossfade", "duration": 1}
    got = normalise_composition(with_scenes({**SCENE, "transition": fades}, {**SCENE, "transition": fades}))
    assert got is not None
    assert [s["transition"] for s in got["scenes"]] == [
        {"type": "cut", "duration": 0.0},
        {"type": "crossfade", "duration": 1.0},
    ]


def test_a_cut_given_a_duration_is_told_a_cut_takes_none_and_an_image_background_is_an_image():
    problem = refused(with_scenes(SCENE, {**SCENE, "transition": {"type": "cut", "duration": 1}}))
    assert "A cut is instant and takes no duration" in problem.detail, problem.detail  # not "from 0 to 0"
    assert normalise_composition(with_scenes(SCENE, {**SCENE, "transition": {"type": "cut", "duration": 0}}))
    problem = refused(with_scenes({**SCENE, "background": {"type": "image"}}))
    assert "An image background needs asset_id" in problem.detail, problem.detail


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_field_is_refused_with_its_code_and_path(case):
    body, code, path = BAD[case]
    problem = refused(body)
    assert problem.code == code, problem.detail
    assert list(problem.errors) == [path], problem.detail
    assert problem.detail.startswith(f"{path}: ")


def test_the_font_list_is_declared_once_and_every_font_is_taken():
    for name in R.FONT_NAMES:
        got = normalise_composition(
            composed(overlays=[{"type": "text", "text": "x", "font": name}], captions={"font": name})
        )
        assert got is not None and got["captions"]["font"] == name


def test_a_null_field_is_as_if_it_were_left_out():
    got = normalise_composition(
        composed(
            background={"type": None, "fit": None},
            character={"style": None},
            overlays=[{"type": "text", "text": "x", "role": None, "end": None}],
            captions={"style": None},
            output_format=None,
        )
    )
    assert got is not None
    scene = got["scenes"][0]
    assert scene["background"]["type"] == "portrait" and scene["background"]["fit"] == "cover"
    assert scene["character"]["style"] == "normal" and scene["overlays"][0]["role"] == "label"
    assert got["captions"]["style"] == "subtitle" and got["output_format"] == "mp4"


#: every code domain/composition may refuse with (issue 18's, and today's for a scene's speech and face)
CODES = {
    "canvas_invalid",
    "scenes_invalid",
    "too_many_scenes",
    "character_invalid",
    "background_invalid",
    "overlay_invalid",
    "overlay_timing",
    "font_unknown",
    "captions_invalid",
    "music_invalid",
    "renditions_invalid",
    "output_format_invalid",
    "transparent_needs_webm",
    "avatar_unknown",
    "voice_with_audio",
    "transcript_with_script",
}


@fuzz_settings(300)
@given(body=composed_bodies)
def test_any_composed_body_is_normalised_in_full_or_refused_with_a_contract_code(body):
    try:
        got = normalise_composition(body)
    except ProblemError as refused:
        assert refused.status == 422 and refused.code in CODES, (refused.code, refused.detail)
        assert len(refused.errors) == 1 and refused.detail.startswith(next(iter(refused.errors)))
        return
    if got is None:  # every composition field null: today's square job
        assert not is_composed(body)
        return
    assert set(got) == {"canvas", "scenes", "captions", "music", "renditions", "output_format"}
    for scene in got["scenes"]:
        assert set(scene) == {
            "script",
            "audio_asset_id",
            "transcript",
            "avatar",
            "voice",
            "language",
            "character",
            "background",
            "overlays",
            "transition",
        }
        assert None not in (scene["background"]["type"], scene["character"]["style"], scene["transition"]["type"])
        for overlay in scene["overlays"]:
            assert overlay["end"] is None or overlay["end"] > overlay["start"] >= 0
    assert json.loads(json.dumps(got, allow_nan=False)) == got  # plain, finite JSON: what the spec column holds


def test_a_rendition_that_restyles_its_presenter_cuts_it_out_as_a_scene_does():
    """On the portrait's own background too: the rendition's presenter is not the square its main cut left."""
    got = normalise_composition(composed(renditions=[{"canvas": {"width": 1080, "height": 1920}, "character": {}}]))
    assert got["scenes"][0]["character"]["matting"] is True
    assert got["renditions"][0]["character"]["matting"] is True


# --- presets that cannot be cut out ------------------------------------------------------------------
def test_the_cameraman_is_composed_in_his_photos_square_on_a_plain_card_and_never_cut_out():
    """An animation supervisor's sign-off (2026-12-08): cut out, the cameraman kept the sky between his face and
    his camera, and the camera tore as his head moved. He is composed uncut: matting false, and with no background
    named a plain card rather than his own photo blurred behind his square."""
    scene = normalise_composition(composed(avatar="cameraman"))["scenes"][0]
    assert scene["character"]["matting"] is False
    assert scene["background"]["type"] == "color"
    given = normalise_composition(composed(avatar="cameraman", background={"type": "portrait"}))["scenes"][0]
    assert given["background"]["type"] == "portrait" and given["character"]["matting"] is False
    astronaut = normalise_composition(composed())["scenes"][0]
    assert astronaut["character"]["matting"] is True and astronaut["background"]["type"] == "portrait"


def test_asking_to_cut_the_cameraman_out_is_refused_naming_the_field():
    problem = refused(composed(avatar="cameraman", character={"matting": True}))
    assert (problem.code, problem.errors) == (
        "character_invalid",
        {"character.matting": problem.errors["character.matting"]},
    )
    assert "cannot be cut out" in problem.detail
    body = with_scenes(
        SCENE,
        {**SCENE, "avatar": "cameraman"},
        renditions=[{"canvas": {"width": 1080, "height": 1080}, "character": {"matting": True}}],
    )
    problem = refused(body)
    assert problem.code == "renditions_invalid" and "renditions[0].character.matting" in json.dumps(problem.errors)
