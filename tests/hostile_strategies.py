"""Hypothesis strategies for what hostile callers send: any text (NUL and lone
surrogates included), any JSON (NaN, huge integers, deep-ish nesting), and job
bodies mixing plausible and hostile fields. Shared by the fuzzers in
tests/unit/**/test_fuzz_*.py and the PostgreSQL run in tests/integration/test_bad_input.py."""

from __future__ import annotations

import json

from hypothesis import strategies as st

#: text as hostile callers write it: any code point, surrogates and NUL included
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
                | st.floats(allow_nan=True, allow_infinity=True) | any_text)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(any_text, inner, max_size=4), max_leaves=25)

job_fields = {
    "script": st.one_of(st.just("Hello there."), any_text, json_values),
    "audio_asset_id": st.one_of(st.just("ast_00000000000000000000000000"), any_text, json_values),
    "avatar": st.one_of(st.just("astronaut"), any_text, json_values),
    "voice": st.one_of(any_text, json_values),
    "language": st.one_of(st.sampled_from(["en", "en-US", "zh", "xx"]), any_text),
    "model": st.one_of(st.just("builtin"), any_text),
    "params": st.one_of(st.dictionaries(st.sampled_from(["fps", "resolution", "motion_scale", "duration", "warp"]),
                                        json_scalars, max_size=3), json_values),
    "accelerator": st.one_of(st.sampled_from(["auto", "cpu", "gpu"]), any_text),
    "priority": json_scalars,
    "webhook_url": st.one_of(st.just("https://example.com/hook"), any_text,
                             st.builds(lambda h, p: f"http://{h}:{p}/", any_text, st.integers(-5, 10**6))),
    "metadata": json_values,
    "watermark": st.one_of(st.fixed_dictionaries({}, optional={"text": any_text, "opacity": json_scalars,
                                                                 "position": any_text}), json_values),
}
job_bodies = st.fixed_dictionaries({}, optional=job_fields) | st.dictionaries(any_text, json_values, max_size=4)


def encode(value) -> bytes:
    """JSON as a careless encoder writes it: NaN as NaN, surrogates as escapes."""
    return json.dumps(value, allow_nan=True).encode()
