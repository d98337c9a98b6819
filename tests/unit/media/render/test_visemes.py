"""Phones to mouth controls: the hard rules survive coarticulation, and pauses rest."""

import numpy as np

from media.phonemes import Phone, PhoneTrack, TimingSource
from media.render.builtin.visemes import LEAD_S, viseme_of, viseme_track

FPS = 25


def track(*phones: tuple[str, float, float], n: int = 40, dynamic_scale: float = 1.0):
    phone_track = PhoneTrack(TimingSource.PIPER, tuple(Phone(s, a, b, 1) for s, a, b in phones))
    return viseme_track(
        phone_track, FPS, n, loudness=np.full(n, 0.6), audio_rest=np.zeros(n, bool), dynamic_scale=dynamic_scale
    )


def test_ipa_maps_to_oculus_visemes():
    assert [viseme_of(s) for s in ("m", "b", "p", "f", "v", "θ", "u", "i", "ɑ", "oʊ", "tʃ", "ɹ", "ː")] == [
        "PP",
        "PP",
        "PP",
        "FF",
        "FF",
        "TH",
        "U",
        "I",
        "aa",
        "O",
        "CH",
        "RR",
        "sil",
    ]


def test_a_short_p_between_open_vowels_still_closes_the_lips_for_a_frame():
    t = track(("ɑ", 0.10, 0.30), ("p", 0.30, 0.34), ("ɑ", 0.34, 0.60))
    assert t.controls["close"].max() == 1.0
    closed = np.flatnonzero(t.controls["close"] == 1.0)
    # Frame f shows the sound at f / FPS + LEAD_S (the lips lead the voice).
    assert all(0.30 - 1 / FPS <= f / FPS + LEAD_S <= 0.34 + 1 / FPS for f in closed)


def test_f_puts_the_lower_lip_on_the_teeth_for_a_frame():
    t = track(("i", 0.10, 0.30), ("f", 0.30, 0.35), ("i", 0.35, 0.60))
    assert t.controls["tuck"].max() == 1.0


def test_rounding_is_anticipated_before_the_vowel_sounds():
    t = track(("s", 0.10, 0.30), ("u", 0.30, 0.60))
    frame_before = int(0.28 * FPS)
    assert t.controls["width"][frame_before] < 0.0


def test_a_long_gap_between_phones_rests_exactly_and_so_does_the_segments_end():
    t = track(("ɑ", 0.10, 0.40), ("ɑ", 1.00, 1.30), n=45)
    gap = range(int(0.52 * FPS), int(0.90 * FPS))
    assert all(t.rest[i] for i in gap)
    assert all((t.controls[k][list(gap)] == 0).all() for k in t.controls)
    assert t.rest[-1]
    assert t.controls["jaw"][0] < 0.5 * t.controls["jaw"].max()


def test_dynamic_scale_scales_the_jaw_and_zero_keeps_the_mouth_closed():
    loud, soft = track(("ɑ", 0.1, 0.5)), track(("ɑ", 0.1, 0.5), dynamic_scale=0.5)
    assert np.isclose(soft.controls["jaw"].max(), 0.5 * loud.controls["jaw"].max())
    assert track(("ɑ", 0.1, 0.5), dynamic_scale=0.0).rest.all()


def test_phones_of_no_use_leave_the_mouth_at_rest_and_never_fail():
    odd = track(("", 0.1, 0.2), ("?", 0.3, 0.2), ("ʘ", 0.3, 0.3), ("_", 0.4, 0.9), ("ɑ", 5.0, 6.0), ("m", -2.0, -1.0))
    assert all(np.isfinite(v).all() for v in odd.controls.values())
    assert odd.rest[: int(0.9 * FPS)].all() or odd.controls["jaw"].max() < 0.5


def test_an_unknown_sound_moves_the_mouth_a_little_like_a_consonant():
    t = track(("ʘ", 0.2, 0.5))
    assert 0.0 < t.controls["jaw"].max() < 0.5


def test_a_phrase_starting_with_p_after_a_pause_closes_the_lips_though_its_closure_is_silent():
    """A plosive's closure makes no sound, so the sound's own pauses (``audio_rest``) run into a phrase's first
    p: "Please" after "…moon?" kept the teeth showing, the closure the hard rule set wiped out by rest."""
    n = 40
    phones = PhoneTrack(
        TimingSource.PIPER,
        (Phone("u", 0.10, 0.40, 1), Phone("p", 0.90, 0.98, 1), Phone("l", 0.98, 1.05, 1), Phone("i", 1.05, 1.30, 1)),
    )
    silent = np.zeros(n, bool)
    silent[int(0.45 * FPS) : int((0.98 - LEAD_S) * FPS) + 1] = True  # the pause and the p's silent closure
    t = viseme_track(phones, FPS, n, loudness=np.full(n, 0.6), audio_rest=silent)

    closed = np.flatnonzero(t.controls["close"] == 1.0)
    assert len(closed) >= 1 and all(0.90 - 1 / FPS <= f / FPS + LEAD_S <= 0.98 + 1 / FPS for f in closed), closed
    assert not t.rest[closed].any() and all(t.visemes[f] == "PP" for f in closed)
    assert t.rest[int(0.6 * FPS)]  # the pause itself still rests
    # and the lips come together over two frames: the pause's last frame half closes them
    before = closed[0] - 1
    assert 0.0 < t.controls["close"][before] < 1.0 and not t.rest[before]
