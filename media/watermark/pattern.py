"""The keyed watermark tile: which frequencies carry what, and its pixels.

The watermark is one square tile, repeated over the frame and identical in
every frame (a static pattern cannot flicker). It is defined by Fourier
coefficients at whole cycles-per-tile in a mid-frequency ring: low enough to
survive a 50% downscale and heavy H.264, high enough to stay out of the
smooth shading the eye notices. Because the tile is defined by its spectrum,
it can be drawn at any tile size and stays exactly periodic, so cropping only
shifts its phase and scaling only changes its period: the detector measures
both and undoes them.

A few of the ring's frequencies hold a pilot (keyed phases, a quarter of the
energy, the same for every payload) that the detector uses to find the tile's
offset (its period shows in all the ring's frequencies); every other
frequency holds two coded bits, one in its real part and one in its imaginary
part, each with a keyed sign. Everything is derived from the key with
HMAC-SHA-256 and SHAKE-256, never numpy's generators (their streams may change
between releases, and a key must decode the same way for years).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from media.watermark.coding import CODED_BITS

FORMAT_LABEL = b"talkfarm/watermark/v1/"
#: Tile side, in pixels, of a 512-pixel frame; larger frames get a larger tile.
CANONICAL_TILE = 128
REFERENCE_SIDE = 512
#: Smallest tile drawn: the ring's highest frequency must stay well below Nyquist.
MIN_TILE = 64
#: The ring of frequencies used, in cycles per tile.
RING_LOW, RING_HIGH = 3, 22
#: The pilot is a few strong lines rather than many weak ones, so that it
#: stands out of a fraction of a second of video on its own (the detector
#: follows a pattern dragged along by motion stretch by stretch).
PILOT_LINES = 32
PILOT_SHARE = 0.25  # of the pattern's energy


def _key_bytes(key: bytes | str) -> bytes:
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if not raw:
        raise ValueError("the watermark key is empty")
    return raw


def key_stream(key: bytes | str, label: str, length: int) -> bytes:
    seed = hmac.new(_key_bytes(key), FORMAT_LABEL + label.encode(), hashlib.sha256).digest()
    return hashlib.shake_256(seed).digest(length)


def ring_bins() -> np.ndarray:
    """(ky, kx) of one half of the ring (the other half is their conjugate), in a fixed order."""
    r = RING_HIGH
    ky, kx = np.mgrid[-r : r + 1, 0 : r + 1]
    ky, kx = ky.ravel(), kx.ravel()
    radius = np.hypot(ky, kx)
    half_plane = (kx > 0) | ((kx == 0) & (ky > 0))
    keep = half_plane & (radius >= RING_LOW) & (radius <= RING_HIGH)
    return np.stack([ky[keep], kx[keep]], axis=1)


def tile_side_for(width: int, height: int) -> int:
    return max(MIN_TILE, int(round(CANONICAL_TILE * min(width, height) / REFERENCE_SIDE)))


@dataclass(frozen=True)
class KeyedLayout:
    """Where the pilot and each coded bit live in the ring, for one key."""

    pilot_bins: np.ndarray  # (P, 2) frequencies
    pilot_phase: np.ndarray  # (P,) complex unit values
    data_bins: np.ndarray  # (D, 2) frequencies; each holds two slots
    slot_bit: np.ndarray  # (2D,) coded-bit index of slot (bin i real part, bin i imaginary part, ...)
    slot_sign: np.ndarray  # (2D,) ±1

    @classmethod
    def from_key(cls, key: bytes | str) -> KeyedLayout:
        bins = ring_bins()
        n = len(bins)
        order_keys = np.frombuffer(key_stream(key, "bin-order", 8 * n), dtype="<u8")
        bins = bins[np.lexsort((np.arange(n), order_keys))]
        n_pilot = PILOT_LINES
        pilot_bins, data_bins = bins[:n_pilot], bins[n_pilot:]
        phases = np.frombuffer(key_stream(key, "pilot-phase", 4 * n_pilot), dtype="<u4") / 2.0**32
        n_slots = 2 * len(data_bins)
        slot_order = np.frombuffer(key_stream(key, "slot-order", 8 * n_slots), dtype="<u8")
        # Every coded bit gets slots spread over the whole ring.
        slot_bit = np.empty(n_slots, dtype=np.int64)
        slot_bit[np.lexsort((np.arange(n_slots), slot_order))] = np.arange(n_slots) % CODED_BITS
        sign_bits = np.unpackbits(np.frombuffer(key_stream(key, "slot-sign", (n_slots + 7) // 8), dtype=np.uint8))
        return cls(
            pilot_bins=pilot_bins,
            pilot_phase=np.exp(2j * np.pi * phases),
            data_bins=data_bins,
            slot_bit=slot_bit,
            slot_sign=1.0 - 2.0 * sign_bits[:n_slots].astype(np.float64),
        )

    @property
    def pilot_magnitude(self) -> float:
        """Pilot amplitude per line, data bins having |±1±i| = √2."""
        data_energy = 2.0 * len(self.data_bins)
        return float(np.sqrt(PILOT_SHARE / (1 - PILOT_SHARE) * data_energy / len(self.pilot_bins)))

    @cached_property
    def all_bins(self) -> np.ndarray:
        return np.concatenate([self.pilot_bins, self.data_bins])

    def spectrum_values(self, coded: np.ndarray) -> np.ndarray:
        """Complex coefficients of all bins (pilot first) for coded bits given as ±1."""
        slots = coded[self.slot_bit] * self.slot_sign
        data = slots[0::2] + 1j * slots[1::2]
        return np.concatenate([self.pilot_magnitude * self.pilot_phase, data])

    def draw_tile(self, values: np.ndarray, side: int) -> NDArray[np.float64]:
        """The tile (side × side, float64, zero mean, unit RMS) with these coefficients."""
        spectrum = np.zeros((side, side), dtype=np.complex128)
        ky, kx = self.all_bins[:, 0], self.all_bins[:, 1]
        spectrum[ky % side, kx % side] = values
        spectrum[-ky % side, -kx % side] = np.conj(values)
        tile = np.fft.ifft2(spectrum).real
        unit_rms: NDArray[np.float64] = tile / np.sqrt(np.mean(tile**2))
        return unit_rms
