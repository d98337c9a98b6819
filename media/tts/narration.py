"""Narration's timing, decided in one place: which language it is in, and how
its phones and words are found.

- The language is the job's, else the one detected in the transcript, else English.
- English with a transcript: pocketsphinx aligns the transcript to the whole narration.
- Another language with a transcript: espeak-ng reads the transcript and the
  reading is warped onto the narration (``synthesis_alignment``); pocketsphinx
  knows English only.
- No transcript, or one that does not fit: each stretch is recognised when it
  is asked for (pocketsphinx is best on stretches of ``RECOGNITION_CHUNK_S``),
  with a note saying why the transcript was not used.

A worker calls ``time_narration`` once per job and ``segment`` per segment, so
recognition runs ahead of the renderer a segment at a time, as script speech does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from media.phonemes import PhoneTrack
from media.tts.alignment import align_transcript, recognize_narration
from media.tts.language import detect_language
from media.tts.synthesis_alignment import align_through_speech


@dataclass
class NarrationTiming:
    """One narration, with the decisions ``time_narration`` made about it."""

    samples: np.ndarray
    sample_rate: int
    #: the narration's language tag (``en``, ``cmn``…)
    language: str
    #: the whole narration's phones and words, aligned to its transcript; None: recognise each stretch
    aligned: PhoneTrack | None = None
    #: why the transcript was not used, when one was given and did not fit
    note: str = ""

    @property
    def english(self) -> bool:
        return self.language.split("-")[0] == "en"

    def segment(self, start: int, end: int) -> PhoneTrack:
        """Phones and words of samples ``start:end``, times from ``start``."""
        if self.aligned is not None:
            return self.aligned.window(start / self.sample_rate, end / self.sample_rate)
        stretch = self.samples[start:end].astype(np.float32)
        return recognize_narration(stretch, self.sample_rate, self.note, english=self.english)

    def whole(self) -> PhoneTrack:
        """Phones and words of the whole narration."""
        return self.segment(0, len(self.samples))


def narration_language(transcript: str | None, language: str | None) -> str:
    """The narration's language: the one asked for, else its transcript's (detected), else English."""
    if language:
        return language.lower()
    detected = detect_language(transcript) if transcript else None
    return detected.language if detected is not None else "en"


def time_narration(
    samples: np.ndarray, sample_rate: int, transcript: str | None = None, language: str | None = None
) -> NarrationTiming:
    """Decide how ``samples`` are timed, and align the transcript now if there is one.
    Never fails for bad words: a transcript that does not fit means recognition, with a note."""
    timing = NarrationTiming(samples, sample_rate, narration_language(transcript, language))
    if transcript and transcript.strip():
        if timing.english:
            aligned = align_transcript(samples, sample_rate, transcript)
        else:
            aligned = align_through_speech(samples, sample_rate, transcript, timing.language)
        if isinstance(aligned, PhoneTrack):
            timing.aligned = aligned
        else:
            timing.note = aligned
    return timing
