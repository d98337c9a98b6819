import pytest

from media.phonemes import Phone, PhoneTrack, TimingSource, Word


def _track(source=TimingSource.PIPER, note=""):
    return PhoneTrack(source, (Phone("m", 0.1, 0.2), Phone("a", 0.2, 0.4, 1)), (Word("ma", 0.1, 0.4),), note)


def test_a_track_survives_its_json_form_unchanged():
    track = _track(note="why")
    assert PhoneTrack.from_dict(track.to_dict()) == track


def test_anything_else_is_not_read_as_a_track():
    with pytest.raises(ValueError):
        PhoneTrack.from_dict({"source": "guesswork", "phones": []})
    with pytest.raises(ValueError):
        PhoneTrack.from_dict({"phones": [["m", 0, 1, 0]]})


def test_joined_tracks_land_at_their_offsets():
    joined = PhoneTrack.joined([(0.0, _track()), (1.0, _track())])
    assert [(p.symbol, p.start_s) for p in joined.phones] == [
        ("m", 0.1),
        ("a", 0.2),
        ("m", 1.1),
        ("a", pytest.approx(1.2)),
    ]
    assert joined.words[1] == Word("ma", 1.1, 1.4) and joined.source == TimingSource.PIPER and joined.note == ""


def test_a_sentence_that_fell_back_to_loudness_does_not_hide_the_others_timing():
    joined = PhoneTrack.joined([(0.0, _track()), (1.0, PhoneTrack(TimingSource.LOUDNESS, note="no alignments"))])
    assert joined.source == TimingSource.PIPER
    assert "no alignments" in joined.note and "mixed sources: loudness, piper" in joined.note


def test_clipped_cuts_phones_to_the_span_and_drops_those_outside():
    clipped = _track().clipped(0.15, 0.3)
    assert clipped.phones == (Phone("m", 0.15, 0.2), Phone("a", 0.2, 0.3, 1))
    assert _track().clipped(0.5, 1.0).phones == ()


def test_the_document_names_the_source_and_why_it_fell_back():
    from media.phonemes import timing_summary

    assert timing_summary([_track(), _track()]) == {"source": "piper"}
    narration = PhoneTrack(TimingSource.RECOGNIZED, (Phone("m", 0.0, 0.1),), note="the transcript does not match")
    assert timing_summary([narration, narration]) == {"source": "recognized", "note": "the transcript does not match"}
    assert timing_summary([]) == {"source": "loudness"}
