"""Burned-in subtitles and the delivered VTT/SRT as a subtitle reviewer checks them (BBC, Netflix): the same cues,
at the same frames, with the same words; one letter size from cue to cue."""

from __future__ import annotations

import types

import numpy as np
import pytest

from media.compose import caption_track
from media.compose.text import block_height
from media.phonemes import PhoneTrack, TimingSource, Word
from workers.attempt import SegmentPlan, SpokenSegment
from workers.composed import segment_words
from workers.stages.finish import speech_track, write_extras

FPS = 25
SUBTITLES = {"burn_in": True, "style": "subtitle"}
NEWS = [
    "Breaking news tonight.",
    "The government has announced new rules for accessible public services, where ministers say more than twelve"
    " thousand residents are affected.",
    "Everyone is asked to follow the instructions of local authorities and to avoid travelling unless absolutely"
    " necessary.",
    "More updates at ten.",
]


def _spoken(sentences: list[str]) -> SpokenSegment:
    """A segment as a voice speaks it: each sentence's cue starts a breath (0.12 s) before its first word."""
    cues, words, t = [], [], 0.3
    for sentence in sentences:
        start = t
        t += 0.12
        for word in sentence.split():
            length = 0.06 * len(word) + 0.08
            words.append(Word(word, round(t, 4), round(t + length, 4)))
            t += length + 0.03
        t += 0.1
        cues.append((start, t, sentence))
        t += 0.25
    track = PhoneTrack(TimingSource.PIPER, (), tuple(words))
    frames = int(np.ceil((t + 0.5) * FPS))
    return SpokenSegment(SegmentPlan(0, sentences), np.zeros(frames * 960, np.float32), 24000, frames, cues, track)


def _delivered(tmp_path, spoken: SpokenSegment) -> list[tuple[float, float, list[str]]]:
    """The cues of the VTT file the job delivers, read back."""
    attempt = types.SimpleNamespace(tmp=tmp_path, fps=FPS)
    _, cues = speech_track(attempt, [spoken])
    vtt = write_extras(attempt, tmp_path / "poster.jpg", cues)["captions_vtt"]["path"]
    screen = []
    for block in vtt.read_text().split("\n\n")[1:]:
        times, *lines = block.strip().splitlines()
        start, end = (_seconds(t) for t in times.split(" --> "))
        screen.append((start, end, lines))
    return screen


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _track(spoken: SpokenSegment, width: int, height: int, **kwargs):
    starts = [cue[0] for cue in spoken.cues]
    return caption_track(segment_words(spoken), SUBTITLES, width, height, starts, fps=FPS, **kwargs)


@pytest.mark.parametrize("canvas", [(1280, 720), (1920, 1080)])
def test_burned_in_subtitles_are_the_caption_files_cues_to_the_frame_with_the_same_words_and_lines(tmp_path, canvas):
    """The reviewer's job: burned-in cue 2 started at 1.48 s where the file said 1.360 (the file's cue began with its
    sentence's audio, a breath before the first word; a long sentence's later cues were timed by a share of its
    length, the pages by the words), and the two cut "…follow the instructions / of local authorities and to avoid"
    and "…follow the / instructions of local authorities and to"."""
    spoken = _spoken(NEWS)
    screen = _delivered(tmp_path, spoken)
    pages = _track(spoken, *canvas).pages
    frame = lambda t: round(t * FPS)  # noqa: E731
    assert [(frame(p.start), frame(p.end)) for p in pages] == [(frame(s), frame(e)) for s, e, _ in screen]
    assert [" ".join(w[0] for w in p.words) for p in pages] == [" ".join(lines) for _, _, lines in screen]
    assert [p.lines for p in pages] == [lines for _, _, lines in screen]
    for start, end, _ in screen:
        assert start * FPS == pytest.approx(frame(start), abs=0.03) and end * FPS == pytest.approx(frame(end), abs=0.03)


@pytest.mark.parametrize("canvas", [(1280, 720), (1080, 1920), (1080, 1080)])
def test_subtitles_keep_one_letter_size_and_take_more_pages_instead_of_smaller_letters(canvas):
    """ "Breaking news tonight." was drawn 37 px high and a long two-line cue 22-24 px: a page that did not fit two
    lines shrank. Every page is now one or two lines at the captions' own size; what does not fit is more pages."""
    spoken = _spoken(NEWS)
    track = _track(spoken, *canvas)
    size = track.text_style.size
    heights = {block_height("noto-sans", size, lines) for lines in (1, 2)}
    drawn = [track.layer_at(page.start)[0].shape[0] for page in track.pages]
    assert set(drawn) <= heights, (drawn, heights)
    said = " ".join(NEWS)
    assert " ".join(" ".join(w[0] for w in page.words) for page in track.pages) == said


def test_pages_keep_to_the_lines_the_layout_kept_room_for():
    """The room kept above the lower third is a prediction from the script: a page that wrapped more reached it."""
    spoken = _spoken(NEWS)
    track = _track(spoken, 1280, 720, max_lines=1)
    size = track.text_style.size
    one_line = block_height("noto-sans", size, 1)
    assert len(track.pages) > 6
    assert all(track.layer_at(page.start)[0].shape[0] == one_line for page in track.pages)


def test_a_later_segments_cues_are_its_pages_moved_by_the_frames_before_it(tmp_path):
    """Each segment is whole frames: the file's cues of the second are its burned-in pages moved by the first's
    length, on the frame grid, and no two cues are under two frames apart across the join."""
    first, second = _spoken(NEWS[:2]), _spoken(NEWS[2:])
    attempt = types.SimpleNamespace(tmp=tmp_path, fps=FPS)
    _, cues = speech_track(attempt, [first, second])
    shift = first.frames / FPS
    pages = _track(first, 1280, 720).pages + [
        types.SimpleNamespace(start=p.start + shift, end=p.end + shift, words=p.words)
        for p in _track(second, 1280, 720).pages
    ]
    frame = lambda t: round(t * FPS)  # noqa: E731
    assert [(frame(s), frame(e), text) for s, e, text in cues] == [
        (frame(p.start), frame(p.end), " ".join(w[0] for w in p.words)) for p in pages
    ]
    for (_, end, _), (start, _, _) in zip(cues, cues[1:]):
        assert frame(start) - frame(end) == 0 or frame(start) - frame(end) >= 2
