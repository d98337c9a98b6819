"""Hypothesis strategies for what hostile callers send: any text (NUL and lone
surrogates included), any JSON (NaN, huge integers, deep-ish nesting), and job
bodies mixing plausible and hostile fields. Shared by the fuzzers in
tests/unit/**/test_fuzz_*.py and the PostgreSQL run in tests/integration/test_bad_input.py."""

from __future__ import annotations

import json

from hypothesis import strategies as st

#: text as hostile callers write it: any code point, surrogates and NUL included
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=25,
)

job_fields = {
    "script": st.one_of(st.just("Hello there."), any_text, json_values),
    "audio_asset_id": st.one_of(st.just("ast_00000000000000000000000000"), any_text, json_values),
    "avatar": st.one_of(st.just("astronaut"), any_text, json_values),
    "voice": st.one_of(any_text, json_values),
    "language": st.one_of(st.sampled_from(["en", "en-US", "zh", "xx"]), any_text),
    "model": st.one_of(st.just("builtin"), any_text),
    "params": st.one_of(
        st.dictionaries(
            st.sampled_from(["fps", "resolution", "motion_scale", "duration", "warp"]), json_scalars, max_size=3
        ),
        json_values,
    ),
    "accelerator": st.one_of(st.sampled_from(["auto", "cpu", "gpu"]), any_text),
    "priority": json_scalars,
    "webhook_url": st.one_of(
        st.just("https://example.com/hook"),
        any_text,
        st.builds(lambda h, p: f"http://{h}:{p}/", any_text, st.integers(-5, 10**6)),
    ),
    "metadata": json_values,
    "watermark": st.one_of(
        st.fixed_dictionaries({}, optional={"text": any_text, "opacity": json_scalars, "position": any_text}),
        json_values,
    ),
}
job_bodies = st.fixed_dictionaries({}, optional=job_fields) | st.dictionaries(any_text, json_values, max_size=4)


def encode(value) -> bytes:
    """JSON as a careless encoder writes it: NaN as NaN, surrogates as escapes."""
    return json.dumps(value, allow_nan=True).encode()


# --- compositions (issue 18): plausible shapes with hostile values inside ---------------------------
def _or_anything(plausible):
    return st.one_of(plausible, json_values)


sides = st.sampled_from([-2, 0, 127, 128, 130, 641, 1080, 1920, 3840, 3842, 7680, 2**40]) | json_scalars
canvases = _or_anything(st.fixed_dictionaries({"width": sides, "height": sides}))
colours = st.sampled_from(["#1f2937", "#FFF", "#12345", "red", ""]) | any_text
text_overlays = st.fixed_dictionaries(
    {"type": st.just("text"), "text": st.just("Jane Doe") | any_text},
    optional={
        "role": st.sampled_from(["title", "lower_third", "label", "x"]),
        "start": json_scalars,
        "end": json_scalars,
        "font": st.sampled_from(["noto-sans", "comic-sans"]) | any_text,
        "size": json_scalars,
        "color": colours,
        "position": any_text,
    },
)
image_overlays = st.fixed_dictionaries(
    {"type": st.just("image"), "asset_id": st.just("ast_00000000000000000000000000") | any_text},
    optional={"anchor": any_text, "scale": json_scalars},
)
overlay_lists = _or_anything(st.lists(_or_anything(text_overlays | image_overlays), max_size=3))
characters = _or_anything(
    st.fixed_dictionaries(
        {},
        optional={
            "style": st.sampled_from(["normal", "close_up", "circle", "x"]),
            "scale": json_scalars,
            "offset": _or_anything(st.fixed_dictionaries({}, optional={"x": json_scalars, "y": json_scalars})),
            "matting": json_scalars,
            "circle_background": colours,
        },
    )
)
backgrounds = _or_anything(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["color", "image", "video", "portrait", "transparent", "x"])},
        optional={"color": colours, "asset_id": any_text, "fit": any_text, "play": any_text},
    )
)
captions = _or_anything(
    st.fixed_dictionaries(
        {},
        optional={
            "burn_in": json_scalars,
            "style": st.sampled_from(["word", "subtitle", "x"]),
            "font": any_text,
            "size": json_scalars,
            "color": colours,
            "highlight_color": colours,
            "box": json_scalars,
        },
    )
)
scenes = st.fixed_dictionaries(
    {"script": st.just("Good evening.") | any_text, "avatar": st.just("astronaut")},
    optional={
        "character": characters,
        "background": backgrounds,
        "overlays": overlay_lists,
        "transition": _or_anything(
            st.fixed_dictionaries({"type": st.sampled_from(["cut", "crossfade"])}, optional={"duration": json_scalars})
        ),
    },
)
composition_parts = {
    "captions": captions,
    "music": _or_anything(st.fixed_dictionaries({"asset_id": any_text}, optional={"volume": json_scalars})),
    "renditions": _or_anything(
        st.lists(
            st.fixed_dictionaries({"canvas": canvases}, optional={"character": characters, "captions": captions}),
            max_size=5,
        )
    ),
    "output_format": st.sampled_from(["mp4", "webm", "mov", "gif"]) | json_scalars,
}
composed_bodies = st.one_of(
    st.fixed_dictionaries(
        {"script": st.just("Good evening."), "avatar": st.just("astronaut"), "canvas": canvases},
        optional={"character": characters, "background": backgrounds, "overlays": overlay_lists, **composition_parts},
    ),
    st.fixed_dictionaries(
        {"canvas": canvases, "scenes": _or_anything(st.lists(scenes, max_size=3))}, optional=composition_parts
    ),
)
