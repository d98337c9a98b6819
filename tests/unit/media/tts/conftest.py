import numpy as np
import pytest

from domain.config import Settings
from media.tts.synthesize import synthesize
from media.tts.voices import resolve_voice

#: Ten bilabials (m, b, p) in one sentence, as the issue's lip-closure count uses.
BILABIAL_SENTENCE = "Maybe both people bump a mop."


@pytest.fixture(scope="session")
def joe():
    return resolve_voice("joe", None, Settings.from_env({}))


@pytest.fixture(scope="session")
def piper_bilabials(joe):
    """Piper speech of two sentences, shaped as the farm shapes it (no cache)."""
    return synthesize(BILABIAL_SENTENCE + " My mom bought a big blue map.", joe, None)


def rms(samples: np.ndarray, rate: int, start_s: float, end_s: float) -> float:
    piece = samples[int(start_s * rate) : int(end_s * rate)]
    return float(np.sqrt(np.mean(piece.astype(np.float64) ** 2))) if len(piece) else 0.0
