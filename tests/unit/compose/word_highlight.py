"""When a delivered video's word captions light each word, read from its frames, and when Piper says each word.

Shared by the word-timing tests and ``benchmarks/word_caption_lag.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from media.compose.captions import DEFAULT_HIGHLIGHT
from media.compose.text import hex_rgb
from media.phonemes import Phone, PhoneTrack
from tests.unit.compose.viewing import frames_of

#: how far a pixel may be from the highlight colour (x264's chroma blurs thin strokes)
COLOUR_SLACK = 60
#: the lit word's left or right edge moving by more than this many pixels, or its middle by more than
#: ``OTHER_LINE_PX`` (a word on another line), is another word lit; its top alone moves with a letter's dot or
#: accent that x264 keeps in one frame and not the next ("in")
MOVED_PX, OTHER_LINE_PX = 4, 10


def highlight_changes(video: Path) -> list[float]:
    """The times of the frames in which a word is newly lit: the highlight colour's box appears or moves."""
    target = np.array(hex_rgb(DEFAULT_HIGHLIGHT), dtype=np.int16)
    changes, previous = [], None
    for at, frame in frames_of(video):
        lower = frame[frame.shape[0] // 2 :].astype(np.int16)  # captions stand at the bottom
        lit = np.abs(lower - target).max(axis=2) < COLOUR_SLACK
        rows, cols = np.nonzero(lit)
        box = (int(cols.min()), int(cols.max()), (int(rows.min()) + int(rows.max())) / 2) if len(cols) > 20 else None
        if box is not None and (
            previous is None
            or max(abs(box[0] - previous[0]), abs(box[1] - previous[1])) > MOVED_PX
            or abs(box[2] - previous[2]) > OTHER_LINE_PX
        ):
            changes.append(at)
        previous = box
    return changes


def spoken_groups(track: PhoneTrack) -> list[list[Phone]]:
    """Piper's phones in its spoken words: a new word after each gap (a word gap's or a pause's time: Piper's
    phonemes, espeak-ng's, have a space between words, and every symbol Piper says takes time)."""
    groups: list[list[Phone]] = []
    for phone in track.phones:
        if not groups or phone.start_s - groups[-1][-1].end_s > 1e-4:
            groups.append([])
        groups[-1].append(phone)
    return groups


def word_onsets(track: PhoneTrack, counts: list[int]) -> list[float]:
    """When each written word starts, given how many of Piper's spoken words each is (``counts``; 0: not said)."""
    groups = spoken_groups(track)
    if len(groups) != sum(counts):
        raise AssertionError(f"Piper said {len(groups)} words, not {sum(counts)}")
    onsets, at = [], 0
    for count in counts:
        if count:
            onsets.append(groups[at][0].start_s)
        at += count
    return onsets
