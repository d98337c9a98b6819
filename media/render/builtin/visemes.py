"""Phonemes to per-frame mouth controls: visemes, coarticulation, hard rules.

Each IPA phone maps to one of the 15 Oculus visemes, and each viseme to target
values of the animation controls (``controls.ANIMATION_NAMES``). Neighbouring
phones blend by Cohen–Massaro dominance: a phone holds its full dominance over
its own span and loses it exponentially outside, more slowly before it than
after (the lips anticipate the next sound, rounding most of all), and each
control is the dominance-weighted mean of the targets. The track leads the
audio by ``LEAD_S``, as speakers' lips do.

On top of the blend, two rules no blend may soften: the lips close fully for at
least one frame on every m, b and p, and the lower lip meets the upper teeth
for at least one frame on every f and v. Loudness and stress scale the
amplitude (the jaw and the teeth shown), ``dynamic_scale`` scales
it all (the width up to 1), and in pauses of ``REST_AFTER_S`` or more every control is exactly 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from media.phonemes import Phone, PhoneTrack
from media.render.controls import ANIMATION_NAMES
from media.render.loudness import REST_AFTER_S, shift_track

#: the 15 Oculus visemes: targets (jaw, width, close, tuck, tongue, teeth),
#: dominance strength, and how fast dominance falls before / after the phone (s)
VISEMES: dict[str, tuple[tuple[float, float, float, float, float, float], float, float, float]] = {
    "sil": ((0.00, 0.0, 0.0, 0.0, 0.0, 0.0), 0.6, 0.05, 0.05),
    # A negative jaw closes it a little where the portrait's teeth part at rest (the
    # model clamps it to that gap; a closed-mouth portrait's jaw does not rise).
    "PP": ((-0.30, 0.0, 1.0, 0.0, 0.0, 0.0), 3.0, 0.05, 0.035),
    "FF": ((0.08, 0.1, 0.0, 1.0, 0.0, 0.6), 2.5, 0.05, 0.035),
    "TH": ((0.22, 0.1, 0.0, 0.0, 1.0, 0.8), 1.2, 0.04, 0.035),
    "DD": ((0.22, 0.2, 0.0, 0.0, 0.7, 0.5), 0.7, 0.035, 0.03),
    "kk": ((0.30, 0.1, 0.0, 0.0, 0.0, 0.3), 0.5, 0.035, 0.03),
    "CH": ((0.16, -0.55, 0.0, 0.0, 0.2, 0.9), 1.2, 0.05, 0.035),
    "SS": ((0.08, 0.45, 0.0, 0.0, 0.1, 0.6), 1.2, 0.04, 0.035),
    "nn": ((0.20, 0.1, 0.0, 0.0, 0.6, 0.3), 0.6, 0.035, 0.03),
    "RR": ((0.20, -0.55, 0.0, 0.0, 0.2, 0.3), 0.9, 0.05, 0.035),
    "aa": ((1.00, 0.15, 0.0, 0.0, 0.0, 0.4), 1.0, 0.045, 0.04),
    "E": ((0.55, 0.65, 0.0, 0.0, 0.1, 0.6), 1.0, 0.045, 0.04),
    "I": ((0.28, 1.00, 0.0, 0.0, 0.1, 0.8), 1.0, 0.045, 0.04),
    "O": ((0.50, -0.90, 0.0, 0.0, 0.0, 0.1), 1.6, 0.08, 0.05),
    "U": ((0.28, -1.00, 0.0, 0.0, 0.0, 0.0), 2.0, 0.09, 0.05),
}
#: a short neutral vowel (schwa) and h take their shape from their neighbours
WEAK = {"ə": 0.35, "ɐ": 0.5, "h": 0.15, "ɚ": 0.7}
PHONE_VISEME: dict[str, str] = {
    **dict.fromkeys(("p", "b", "m", "ɱ"), "PP"),
    **dict.fromkeys(("f", "v"), "FF"),
    **dict.fromkeys(("θ", "ð"), "TH"),
    **dict.fromkeys(("t", "d", "ɾ", "ʔ", "ɗ", "ʈ", "ɖ"), "DD"),
    **dict.fromkeys(("k", "g", "ɡ", "ŋ", "x", "ɣ", "q", "h", "ɦ", "χ"), "kk"),
    **dict.fromkeys(("ʃ", "ʒ", "tʃ", "dʒ", "ʧ", "ʤ", "ɕ", "ʑ", "ʂ", "ʐ", "tɕ", "tʂ", "ts", "dz"), "CH"),
    **dict.fromkeys(("s", "z"), "SS"),
    **dict.fromkeys(("n", "l", "ɫ", "ɲ", "ɳ", "ɭ", "ʎ", "j"), "nn"),
    **dict.fromkeys(("ɹ", "r", "ɻ", "ʁ", "ɚ", "ɝ", "ɜ"), "RR"),
    **dict.fromkeys(("ɑ", "a", "æ", "ʌ", "ɐ", "ɒ", "ä"), "aa"),
    **dict.fromkeys(("e", "ɛ", "ə", "ø", "œ", "ɘ"), "E"),
    **dict.fromkeys(("i", "ɪ", "ɨ", "y", "ʏ", "ɯ"), "I"),
    **dict.fromkeys(("o", "ɔ", "ɤ"), "O"),
    **dict.fromkeys(("u", "ʊ", "w", "ʉ", "ɥ", "ʍ"), "U"),
}
#: the track leads the audio by this much: lips shape a sound before it is heard
LEAD_S = 0.04
#: a pause's rest starts this long after the last sound and ends this long before the next
SETTLE_S = 0.02
#: sub-samples per frame: each frame shows the mean of its interval
SUBSAMPLES = 4
#: amplitude: a stressed vowel opens more, an unstressed one less
STRESS_GAIN = {0: 0.85, 1: 1.15, 2: 1.0}
#: loudness (speech.MouthTrack.open, ~0..1.6) maps to an amplitude in these bounds
LOUDNESS_GAIN = (0.65, 1.2)
AMPLITUDE_CONTROLS = ("jaw", "teeth")


def viseme_of(symbol: str) -> str:
    """The viseme of an IPA phone (diacritics and length marks ignored); unknown sounds are ``kk``-like."""
    core = symbol.strip("ːˑ̃ʰʲʷ˞'ˈˌ").lower()
    if core in PHONE_VISEME:
        return PHONE_VISEME[core]
    if core[:1] in PHONE_VISEME:
        return PHONE_VISEME[core[:1]]
    return "sil" if core in ("", "_", "^", "$", " ") else "kk"


@dataclass(frozen=True)
class VisemeTrack:
    """Per-frame animation controls (one array per ``ANIMATION_NAMES``) and the frames at rest."""

    controls: dict[str, np.ndarray]
    rest: np.ndarray  # bool (n,)
    visemes: tuple[str, ...]  # per frame, the viseme with the most dominance ("sil" at rest)

    def shifted(self, frames: int) -> VisemeTrack:
        if frames == 0:
            return self
        labels = shift_track(np.array(self.visemes, dtype=object), frames, "sil")
        return VisemeTrack(
            {k: shift_track(v, frames, 0.0) for k, v in self.controls.items()},
            shift_track(self.rest, frames, True),
            tuple(labels),
        )


def viseme_track(
    phones: PhoneTrack,
    fps: int,
    n_frames: int,
    *,
    loudness: np.ndarray,
    audio_rest: np.ndarray,
    dynamic_scale: float = 1.0,
) -> VisemeTrack:
    """Per-frame controls for these phones (times relative to the segment's start).

    ``loudness`` is the per-frame open track of ``loudness.mouth_track`` and
    ``audio_rest`` its rest frames: the sound's own pauses keep the mouth at
    rest even where the phone timing runs on.
    """
    spans = [span for p in phones.phones if p.end_s > p.start_s for span in _split_diphthong(p)]
    spans = [s for s in spans if s[2] != "sil"]
    n = n_frames
    values = np.zeros((n, len(ANIMATION_NAMES)), dtype=np.float64)
    strongest = ["sil"] * n
    if n == 0:
        return VisemeTrack({k: np.zeros(0, np.float32) for k in ANIMATION_NAMES}, np.zeros(0, bool), ())
    times = (np.arange(n)[:, None] + (np.arange(SUBSAMPLES)[None, :] + 0.5) / SUBSAMPLES) / fps + LEAD_S
    if spans:
        blend = spans + _silences(spans)
        weights = np.zeros((len(blend),) + times.shape)
        targets = np.zeros((len(blend), len(ANIMATION_NAMES)))
        for i, (start, end, viseme, stress, symbol) in enumerate(blend):
            target, strength, before_s, after_s = VISEMES[viseme]
            strength *= WEAK.get(symbol.strip("ːˑ"), 1.0)
            outside = np.where(times < start, (start - times) / before_s, np.maximum(times - end, 0.0) / after_s)
            weights[i] = strength * np.exp(-outside)
            targets[i] = target
            if viseme in ("aa", "E", "I", "O", "U"):
                targets[i, 0] *= STRESS_GAIN.get(stress, 1.0)
        total = weights.sum(axis=0) + 1e-6
        blended = np.einsum("pfs,pc->fsc", weights, targets) / total[..., None]
        values = blended.mean(axis=1)
        top = weights.mean(axis=2).argmax(axis=0)
        strongest = [blend[j][2] for j in top]
    gain = np.clip(LOUDNESS_GAIN[0] + 0.55 * np.asarray(loudness, dtype=np.float64)[:n], *LOUDNESS_GAIN)
    for name in AMPLITUDE_CONTROLS:
        values[:, ANIMATION_NAMES.index(name)] *= gain * dynamic_scale
    values[:, ANIMATION_NAMES.index("width")] *= min(dynamic_scale, 1.0)
    values[:, ANIMATION_NAMES.index("width")] = np.clip(values[:, ANIMATION_NAMES.index("width")], -1.0, 1.0)

    held = _hard_rules(values, strongest, spans, fps, n)
    # a plosive's closure is silent, so the sound's own pauses take in a phrase's first p or b after a pause: the
    # closure it holds is not rest ("Please" after a pause showed the teeth where the lips should meet)
    rest = (np.asarray(audio_rest, dtype=bool)[:n] | _phone_pauses(spans, fps, n)) & ~held
    _approach_from_rest(values, rest, held)
    if dynamic_scale == 0.0:
        rest[:] = True
    values[rest] = 0.0
    _ease_into_rest(values, rest)
    strongest = ["sil" if r else v for r, v in zip(rest, strongest)]
    controls = {name: values[:, i].astype(np.float32) for i, name in enumerate(ANIMATION_NAMES)}
    return VisemeTrack(controls, rest, tuple(strongest))


#: diphthongs glide from one viseme to another over their span
DIPHTHONGS = {
    "aɪ": ("aa", "I"),
    "aʊ": ("aa", "U"),
    "eɪ": ("E", "I"),
    "oʊ": ("O", "U"),
    "əʊ": ("E", "U"),
    "ɔɪ": ("O", "I"),
    "ɪə": ("I", "E"),
    "ʊə": ("U", "E"),
    "eə": ("E", "E"),
}


#: (start_s, end_s, viseme, stress, symbol) of one sound, a diphthong's half or a silence
_Span = tuple[float, float, str, int, str]


def _split_diphthong(phone: Phone) -> list[_Span]:
    core = phone.symbol.strip("ːˑˈˌ")
    if core in DIPHTHONGS:
        first, second = DIPHTHONGS[core]
        middle = (phone.start_s + phone.end_s) / 2
        return [
            (phone.start_s, middle, first, phone.stress, core[0]),
            (middle, phone.end_s, second, phone.stress, core[1:]),
        ]
    return [(phone.start_s, phone.end_s, viseme_of(phone.symbol), phone.stress, phone.symbol)]


def _silences(spans: list[_Span]) -> list[_Span]:
    """The gaps between phones (and before the first, after the last) as silent
    spans: the mouth heads for rest there with silence's own dominance."""
    ordered = sorted(spans)
    gaps, reach = [(-1e3, ordered[0][0])], ordered[0][1]
    for start, end, *_ in ordered[1:]:
        if start > reach + 1e-3:
            gaps.append((reach, start))
        reach = max(reach, end)
    gaps.append((reach, 1e3))
    return [(a, b, "sil", 0, "_") for a, b in gaps]


def _hard_rules(values: np.ndarray, strongest: list[str], spans: list[_Span], fps: int, n: int) -> np.ndarray:
    """Full closure on m/b/p and the lower lip on the teeth on f/v, on the frame
    that overlaps the phone most and every frame the phone covers 30 % of. Returns those frames."""
    close, tuck = ANIMATION_NAMES.index("close"), ANIMATION_NAMES.index("tuck")
    held = np.zeros(n, dtype=bool)
    for start, end, viseme, _stress, _symbol in spans:
        if viseme not in ("PP", "FF"):
            continue
        start, end = start - LEAD_S, end - LEAD_S
        first, last = max(int(math.floor(start * fps)), 0), min(int(math.ceil(end * fps)), n)
        if first >= last:
            continue
        frames = np.arange(first, last)
        overlap = np.minimum((frames + 1) / fps, end) - np.maximum(frames / fps, start)
        chosen = set(frames[overlap >= 0.3 / fps].tolist()) | {int(frames[overlap.argmax()])}
        for f in chosen:
            values[f, close if viseme == "PP" else tuck] = 1.0
            strongest[f] = viseme
            held[f] = True
    return held


def _phone_pauses(spans: list[_Span], fps: int, n: int) -> np.ndarray:
    """Frames that show only the inside of a gap of REST_AFTER_S or more
    between phones (or before the first, after the last), ``SETTLE_S`` clear of
    the sounds on either side."""
    rest = np.zeros(n, dtype=bool)
    edges = [(-math.inf, 0.0)] + [(s, e) for s, e, *_ in sorted(spans)] + [(math.inf, math.inf)]
    reach = 0.0
    for (s0, e0), (s1, _e1) in zip(edges, edges[1:]):
        reach = max(reach, e0)
        if s1 - reach >= REST_AFTER_S - 1e-9:
            first = 0 if s0 == -math.inf else math.ceil((reach + SETTLE_S - LEAD_S) * fps - 1e-9)
            last = math.floor((s1 - SETTLE_S - LEAD_S) * fps + 1e-9) if s1 < math.inf else n
            rest[max(first, 0) : max(min(last, n), 0)] = True
    return rest


def _approach_from_rest(values: np.ndarray, rest: np.ndarray, held: np.ndarray) -> None:
    """A closure straight after rest is half met on the rest's last frame, so the lips come together over two
    frames rather than snapping shut from a smile in one (a phrase's first p or b after a pause)."""
    close = ANIMATION_NAMES.index("close")
    for f in np.flatnonzero(held[1:] & rest[:-1]):
        if values[f + 1, close] == 1.0:
            rest[f] = False
            values[f] = 0.0
            values[f, close] = 0.5


def _ease_into_rest(values: np.ndarray, rest: np.ndarray) -> None:
    """Halve the free controls on the frame either side of a rest run, so the
    mouth settles into rest and leaves it over two frames rather than one;
    closure and tuck keep their hard-rule values."""
    beside = np.zeros(len(rest), dtype=bool)
    beside[:-1] |= rest[1:]
    beside[1:] |= rest[:-1]
    beside &= ~rest
    free = np.array([ANIMATION_NAMES.index(name) for name in ANIMATION_NAMES if name not in ("close", "tuck")])
    values[np.ix_(beside, free)] *= 0.5
