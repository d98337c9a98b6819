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
    """One sound: an IPA symbol (stress marks stripped) and its span in seconds."""

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

    def shifted(self, offset_s: float) -> PhoneTrack:
        """The same track, ``offset_s`` seconds later (for concatenation)."""
        return PhoneTrack(
            self.source,
            tuple(Phone(p.symbol, p.start_s + offset_s, p.end_s + offset_s, p.stress) for p in self.phones),
            tuple(Word(w.text, w.start_s + offset_s, w.end_s + offset_s) for w in self.words),
        )

    def window(self, start_s: float, end_s: float) -> PhoneTrack:
        """The phones overlapping [start_s, end_s), re-timed to start at 0."""
        return PhoneTrack(
            self.source,
            tuple(Phone(p.symbol, p.start_s - start_s, p.end_s - start_s, p.stress)
                  for p in self.phones if p.end_s > start_s and p.start_s < end_s),
            tuple(Word(w.text, w.start_s - start_s, w.end_s - start_s)
                  for w in self.words if w.end_s > start_s and w.start_s < end_s),
        )
