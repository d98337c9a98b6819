"""Video out: segments encoded as frames arrive (``SegmentEncoder``), joined
and given their audio (``concat_and_mux``), described (``probe_video``), with
a poster (``write_poster``) and captions (``write_captions``); frames may come
as the encoder's own yuv420p (``rgb_to_yuv420``); a job's sound track brought
to one loudness under a true-peak ceiling first (``normalise_wav``). ffmpeg is
imageio-ffmpeg's. Callers import from here, never from the modules.
"""

from __future__ import annotations

from media.encode.captions import MIN_GAP_FRAMES, word_cues, write_captions
from media.encode.codec import available_encoders, choose_video_codec
from media.encode.loudness import Levelled, encode_opus, integrated_loudness, normalise, normalise_wav, true_peak
from media.encode.mux import concat_and_mux, encode_aac, encode_pcm
from media.encode.poster import poster_type, write_poster, write_poster_from_parts
from media.encode.probe import probe_video
from media.encode.timing import frames_for, pad_to_frames, samples_for
from media.encode.video import SegmentEncoder
from media.encode.wav import read_wav, write_wav
from media.encode.yuv import LUMA_SCALE, Rect, covering_rects, even_rect, luma_plane, rgb_to_yuv420, rgb_to_yuv420_into

__all__ = [
    "MIN_GAP_FRAMES",
    "LUMA_SCALE",
    "Levelled",
    "Rect",
    "SegmentEncoder",
    "available_encoders",
    "choose_video_codec",
    "concat_and_mux",
    "covering_rects",
    "encode_aac",
    "encode_opus",
    "encode_pcm",
    "even_rect",
    "frames_for",
    "integrated_loudness",
    "luma_plane",
    "normalise",
    "normalise_wav",
    "pad_to_frames",
    "probe_video",
    "read_wav",
    "rgb_to_yuv420",
    "rgb_to_yuv420_into",
    "samples_for",
    "true_peak",
    "word_cues",
    "write_captions",
    "poster_type",
    "write_poster",
    "write_poster_from_parts",
    "write_wav",
]
