"""At upload, refuse narration the worker would refuse: decode its first
seconds exactly as the worker will (PyAV, resampled to the speech rate, mono)
and check that sound comes out, at a rate that can carry speech. Bounded:
only ``DECODE_SECONDS`` of audio are decoded, whatever the file's length."""

from __future__ import annotations

import io

import av
import numpy as np

from media.errors import MediaError
from media.tts.audio_input import UNDECODABLE, NotAudio
from media.tts.speech import SPEECH_SAMPLE_RATE

#: audio decoded at upload, from the start
DECODE_SECONDS = 5.0
#: below this a stream holds no intelligible speech (telephone audio is 8 kHz); above, no codec we read goes
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 4000, 384_000
MAX_CHANNELS = 16


def check_narration(data: bytes) -> None:
    """``MediaError`` (``audio_sample_rate_unsupported``, ``audio_undecodable``,
    ``asset_unreadable``) if the worker could not turn this into speech."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise NotAudio("The file holds no sound track.")
            stream = container.streams.audio[0]
            if stream.codec_context is None:  # a header naming no codec FFmpeg has (found by fuzzing)
                raise MediaError("asset_unreadable", "The audio is in a format no decoder here reads.")
            rate = stream.codec_context.sample_rate or stream.rate or 0
            if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
                raise MediaError(
                    "audio_sample_rate_unsupported",
                    f"The audio is sampled at {rate} Hz; speech needs {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz.",
                )
            channels = stream.codec_context.channels or 0
            if channels > MAX_CHANNELS:
                raise MediaError(
                    "audio_undecodable", f"The audio has {channels} channels; at most {MAX_CHANNELS} are read."
                )
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SPEECH_SAMPLE_RATE)
            wanted = int(DECODE_SECONDS * SPEECH_SAMPLE_RATE)
            decoded, peak = 0, 0.0
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    decoded += samples.size
                    if samples.size:
                        peak = max(peak, float(np.nanmax(np.abs(samples))))
                if decoded >= wanted:
                    break
            else:
                for out in resampler.resample(None):
                    decoded += out.samples
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OverflowError) as exc:
        raise MediaError("asset_unreadable", UNDECODABLE) from exc
    if decoded == 0:
        raise MediaError("audio_undecodable", "The audio stream decodes to no sound at all.")
    if not np.isfinite(peak):
        raise MediaError("audio_undecodable", "The audio decodes to samples that are not numbers.")
