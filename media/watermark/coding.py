"""Channel coding of the invisible watermark's payload.

The 64 payload bits get a CRC-16 (so a decode is either exactly right or
rejected) and then a rate-1/3, constraint-length-7 convolutional code (the LTE
generators) decoded with soft-decision Viterbi. Soft decisions matter here:
each coded bit arrives as a correlation score whose size says how sure the
channel is, and a soft decoder turns that into about 2 dB of extra margin over
majority votes.
"""

from __future__ import annotations

import numpy as np

PAYLOAD_BITS = 64
CRC_BITS = 16
MESSAGE_BITS = PAYLOAD_BITS + CRC_BITS

CONSTRAINT_LENGTH = 7
#: LTE's rate-1/3 generators (octal 133, 171, 165), newest bit in the MSB.
GENERATORS = (0o133, 0o171, 0o165)
TAIL_BITS = CONSTRAINT_LENGTH - 1
CODED_BITS = (MESSAGE_BITS + TAIL_BITS) * len(GENERATORS)

_STATES = 1 << (CONSTRAINT_LENGTH - 1)


def crc16(bits: np.ndarray) -> int:
    """CRC-16/CCITT-FALSE over a bit array (MSB first)."""
    crc = 0xFFFF
    for bit in bits:
        crc ^= int(bit) << 15
        crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def int_to_bits(value: int, width: int) -> np.ndarray:
    return np.array([(value >> (width - 1 - i)) & 1 for i in range(width)], dtype=np.uint8)


def bits_to_int(bits: np.ndarray) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def message_bits(payload_value: int) -> np.ndarray:
    """The 80 message bits: 64 payload bits then their CRC-16."""
    payload = int_to_bits(payload_value, PAYLOAD_BITS)
    return np.concatenate([payload, int_to_bits(crc16(payload), CRC_BITS)])


def check_message(bits: np.ndarray) -> int | None:
    """The 64-bit payload value if the CRC holds, else None."""
    payload, crc = bits[:PAYLOAD_BITS], bits[PAYLOAD_BITS:MESSAGE_BITS]
    if crc16(payload) != bits_to_int(crc):
        return None
    return bits_to_int(payload)


def _parity(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    for shift in (4, 2, 1):
        x ^= x >> shift
    return x & 1


def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """For every (state, input bit): the next state and the coded bits (as ±1).

    The register holds the input bit in its MSB followed by the state's six
    bits, newest first.
    """
    states = np.arange(_STATES)
    next_state = np.empty((_STATES, 2), dtype=np.int64)
    outputs = np.empty((_STATES, 2, len(GENERATORS)), dtype=np.float32)
    for bit in (0, 1):
        register = (bit << (CONSTRAINT_LENGTH - 1)) | states
        next_state[:, bit] = register >> 1
        for g, generator in enumerate(GENERATORS):
            outputs[:, bit, g] = 1.0 - 2.0 * _parity(register & generator)
    return next_state, outputs


_NEXT_STATE, _OUTPUTS = _trellis()


def encode(bits: np.ndarray) -> np.ndarray:
    """Convolutional encoding with a zero tail; returns coded bits as ±1 floats."""
    padded = np.concatenate([bits.astype(np.int64), np.zeros(TAIL_BITS, dtype=np.int64)])
    state = 0
    coded = np.empty((len(padded), len(GENERATORS)), dtype=np.float32)
    for i, bit in enumerate(padded):
        coded[i] = _OUTPUTS[state, bit]
        state = _NEXT_STATE[state, bit]
    return coded.reshape(-1)


def viterbi_decode(soft: np.ndarray) -> np.ndarray:
    """Maximum-likelihood message bits for soft values (positive means +1 was sent)."""
    steps = len(soft) // len(GENERATORS)
    soft = soft[: steps * len(GENERATORS)].reshape(steps, len(GENERATORS)).astype(np.float32)
    metric = np.full(_STATES, -np.inf, dtype=np.float32)
    metric[0] = 0.0
    # Predecessor tables: for each next state, the two (state, bit) that reach it.
    flat_next = _NEXT_STATE.reshape(-1)
    order = np.argsort(flat_next, kind="stable")
    pred_state = (order // 2).reshape(_STATES, 2)
    pred_bit = (order % 2).reshape(_STATES, 2)
    branch_out = _OUTPUTS[pred_state, pred_bit]  # (next_state, 2, n_generators)
    choices = np.empty((steps, _STATES), dtype=np.int8)
    for t in range(steps):
        candidates = metric[pred_state] + branch_out @ soft[t]
        best = np.argmax(candidates, axis=1)
        choices[t] = best
        metric = candidates[np.arange(_STATES), best]
    state = 0  # the tail drives the encoder back to zero
    bits = np.empty(steps, dtype=np.uint8)
    for t in range(steps - 1, -1, -1):
        which = choices[t, state]
        bits[t] = pred_bit[state, which]
        state = pred_state[state, which]
    return bits[: steps - TAIL_BITS]
