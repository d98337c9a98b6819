"""Phoneme timing: what sound is spoken when, and who said so.

The one currency between speech (``media.tts``), which finds the timing, and
the face (``media.render``), which turns it into visemes. Every source brings
its own alphabet (Piper speaks IPA, pocketsphinx ARPAbet, espeak-ng its own
mnemonics); each source converts to IPA here, so the viseme map has one
alphabet to know.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class TimingSource(str, enum.Enum):
    """Where a job's phoneme timing came from; shown on the job's document."""

    #: Piper's own per-phoneme alignments (script jobs, Piper voices)
    PIPER = "piper"
    #: espeak-ng's phoneme events (script jobs in espeak-ng languages)
    ESPEAK = "espeak"
    #: pocketsphinx forced alignment to the caller's transcript (narration)
    ALIGNED = "aligned"
    #: pocketsphinx phone recognition (narration without a usable transcript)
    RECOGNIZED = "recognized"
    #: no phonemes: the mouth follows loudness only (the last fallback)
    LOUDNESS = "loudness"


@dataclass(frozen=True)
class Phone:
    """One sound: an IPA symbol (stress marks stripped) and its span in seconds.

    ``symbol`` is one IPA segment whatever the source: length marks and
    diacritics stay on it (``iː``, ``tʰ``, ``ã``); affricates and diphthongs
    are one segment (``tʃ``, ``dʒ``, ``tɕʰ``, ``aɪ``, ``oʊ``); stress marks
    and tone letters or digits never appear. Pauses are gaps between phones,
    not phones.
    """

    symbol: str
    start_s: float
    end_s: float
    #: 0 unstressed, 1 primary, 2 secondary (from the source's stress marks)
    stress: int = 0


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class PhoneTrack:
    """The phones (and, where known, the words) of one stretch of speech,
    with times relative to that stretch's first sample."""

    source: TimingSource
    phones: tuple[Phone, ...] = ()
    words: tuple[Word, ...] = field(default=())
    #: why this source and not a better one, for the job's document
    #: ("the transcript did not match the narration…"); empty when nothing fell back
    note: str = ""

    def shifted(self, offset_s: float) -> PhoneTrack:
        """The same track, ``offset_s`` seconds later (for concatenation)."""
        return PhoneTrack(
            self.source,
            tuple(Phone(p.symbol, p.start_s + offset_s, p.end_s + offset_s, p.stress) for p in self.phones),
            tuple(Word(w.text, w.start_s + offset_s, w.end_s + offset_s) for w in self.words),
            self.note,
        )

    def window(self, start_s: float, end_s: float) -> PhoneTrack:
        """The phones overlapping [start_s, end_s), re-timed to start at 0."""
        return PhoneTrack(
            self.source,
            tuple(
                Phone(p.symbol, p.start_s - start_s, p.end_s - start_s, p.stress)
                for p in self.phones
                if p.end_s > start_s and p.start_s < end_s
            ),
            tuple(
                Word(w.text, w.start_s - start_s, w.end_s - start_s)
                for w in self.words
                if w.end_s > start_s and w.start_s < end_s
            ),
            self.note,
        )

    def clipped(self, start_s: float, end_s: float) -> PhoneTrack:
        """Only what lies inside [start_s, end_s), cut to it; times unchanged."""
        return PhoneTrack(
            self.source,
            tuple(
                Phone(p.symbol, max(p.start_s, start_s), min(p.end_s, end_s), p.stress)
                for p in self.phones
                if p.end_s > start_s and p.start_s < end_s
            ),
            tuple(
                Word(w.text, max(w.start_s, start_s), min(w.end_s, end_s))
                for w in self.words
                if w.end_s > start_s and w.start_s < end_s
            ),
            self.note,
        )

    @staticmethod
    def joined(parts: list[tuple[float, PhoneTrack]]) -> PhoneTrack:
        """Tracks placed at their offsets (seconds) one after another.

        The source is the parts' common one; where they differ (one sentence
        fell back to loudness) the one spoken longest, with a note saying so.
        """
        if not parts:
            return PhoneTrack(TimingSource.LOUDNESS)
        phones: list[Phone] = []
        words: list[Word] = []
        spoken: dict[TimingSource, float] = {}
        notes: list[str] = []
        for offset, track in parts:
            moved = track.shifted(offset)
            phones += moved.phones
            words += moved.words
            spoken[track.source] = spoken.get(track.source, 0.0) + sum(p.end_s - p.start_s for p in track.phones)
            if track.note and track.note not in notes:
                notes.append(track.note)
        source = max(spoken, key=lambda s: (spoken[s], s != TimingSource.LOUDNESS))
        if len(spoken) > 1:
            notes.append("mixed sources: " + ", ".join(sorted(s.value for s in spoken)))
        return PhoneTrack(source, tuple(phones), tuple(words), "; ".join(notes))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (the TTS cache's sidecar, a segment's record)."""
        return {
            "source": self.source.value,
            "phones": [[p.symbol, round(p.start_s, 5), round(p.end_s, 5), p.stress] for p in self.phones],
            "words": [[w.text, round(w.start_s, 5), round(w.end_s, 5)] for w in self.words],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhoneTrack:
        """The inverse of ``to_dict``; raises ``ValueError`` on anything else."""
        try:
            return cls(
                TimingSource(data["source"]),
                tuple(Phone(str(s), float(a), float(b), int(st)) for s, a, b, st in data.get("phones", ())),
                tuple(Word(str(t), float(a), float(b)) for t, a, b in data.get("words", ())),
                str(data.get("note", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a phone track: {exc}") from exc


def timing_summary(tracks: list[PhoneTrack]) -> dict[str, str]:
    """What a job's document says about its timing: ``source`` (a
    ``TimingSource`` value) and, when something fell back, a ``note`` why."""
    joined = PhoneTrack.joined([(0.0, track) for track in tracks])
    summary = {"source": joined.source.value}
    if joined.note:
        summary["note"] = joined.note
    return summary
