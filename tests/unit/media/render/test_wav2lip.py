"""Bring-your-own Wav2Lip-style models: features in, face pasted back.

The model here is a tiny stand-in the test builds with torch: it has Wav2Lip's
inputs and output and paints the loudness of its mel window into the blue
channel (BGR index 0) of the face, keeping the reference's green and red.
"""

import json

import numpy as np
import pytest

from domain.config import Settings
from domain.presets import PRESETS
from media.render.audio_features import wav2lip_mel
from media.render.face import analyze_portrait
from media.render.loudness import frame_count
from media.render.renderer import Renderer
from media.render.wav2lip import mel_windows
from tests.unit.media.render.face_crop_regions import untouched_regions

torch = pytest.importorskip("torch")
SR = 16000


class LoudnessPainter(torch.nn.Module):
    def forward(self, audio_sequences, face_sequences):
        loudness = ((audio_sequences.amax(dim=(1, 2, 3)) + 4.0) / 5.0).clamp(0, 1)
        blue = loudness.reshape(-1, 1, 1, 1) * torch.ones_like(face_sequences[:, :1])
        return torch.cat([blue, face_sequences[:, 4:6]], dim=1)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "painter.onnx"
    torch.onnx.export(
        LoudnessPainter(),
        (torch.zeros(2, 1, 80, 16), torch.zeros(2, 6, 96, 96)),
        str(path),
        input_names=["audio_sequences", "face_sequences"],
        output_names=["out"],
        dynamic_axes={"audio_sequences": {0: "n"}, "face_sequences": {0: "n"}, "out": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return path


@pytest.fixture(scope="module")
def renderer(model_path):
    settings = Settings.from_env(
        {
            "TALKFARM_MODELS": json.dumps(
                [{"name": "painter", "path": str(model_path), "adapter": "wav2lip", "pools": ["cpu"]}]
            )
        }
    )
    return Renderer.for_model("painter", settings=settings)


@pytest.fixture(scope="module")
def clip(renderer):
    data = PRESETS["astronaut"].read_bytes()
    params = {"resolution": 256, "motion_scale": 0.0, "min_resolution": 64, "lip_sync_correction": False}
    prepared = renderer.prepare(data, analyze_portrait(data), params)
    audio = np.concatenate(
        [
            np.zeros(SR // 2, np.float32),
            0.5 * np.sin(np.arange(SR) * 2 * np.pi * 220 / SR).astype(np.float32),
            np.zeros(SR // 2, np.float32),
        ]
    )
    return prepared, list(renderer.render(prepared, audio, SR, params))


def test_mel_matches_wav2lips_shape_and_range():
    tone = 0.5 * np.sin(np.arange(SR) * 2 * np.pi * 1000 / SR)
    mel = wav2lip_mel(tone, SR)
    assert mel.shape == (80, 81)
    assert mel.min() >= -4 and mel.max() <= 4
    silence = wav2lip_mel(np.zeros(SR), SR)
    assert (silence == -4).all()
    # A 1 kHz tone lights the band around 1 kHz: Slaney's scale is linear below
    # 1 kHz (mel 15); 80 bands from 55 Hz (mel 0.83) to 7.6 kHz (mel 44.5) put it at band 25.
    assert int(mel[:, 40].argmax()) == 25


def test_mel_from_other_sample_rates_is_resampled_to_16k():
    tone = 0.5 * np.sin(np.arange(22050) * 2 * np.pi * 1000 / 22050)
    assert wav2lip_mel(tone, 22050).shape == (80, 81)


def test_one_mel_window_per_frame_starting_where_wav2lip_starts_it():
    mel = np.arange(80 * 100, dtype=np.float32).reshape(80, 100)
    windows = mel_windows(mel, 25, 30)
    assert windows.shape == (30, 1, 80, 16)
    assert windows[3, 0, 0, 0] == mel[0, int(3 * 80 / 25)]
    assert windows[29, 0, 0, 0] == mel[0, 100 - 16]  # clamped at the end
    assert mel_windows(mel, 25, 30, shift_frames=2)[3, 0, 0, 0] == mel[0, int(5 * 80 / 25)]


def test_renders_one_frame_per_frame_of_audio(clip):
    _, frames = clip
    assert len(frames) == frame_count(2 * SR, SR, 25) == 50
    assert frames[0].shape == (256, 256, 3)


def test_the_model_redraws_the_lower_face_only(renderer, clip):
    prepared, frames = clip
    still = prepared.still_frame
    outside, upper = untouched_regions(prepared)
    for frame in frames:
        assert np.array_equal(frame[outside], still[outside])
        assert np.array_equal(frame[upper], still[upper])


def test_model_output_is_pasted_in_rgb_with_the_loudness_where_it_belongs(clip):
    prepared, frames = clip
    box = prepared.mouth
    m = prepared.framing.margin
    cx, cy = box.left - m + box.size // 2, box.top - m + int(box.size * 0.8)
    loud, silent = frames[25][cy, cx], frames[3][cy, cx]
    assert loud[2] > 200 and silent[2] < 40  # blue follows the loudness
    original = prepared.still_frame[cy, cx]
    assert abs(int(loud[0]) - int(original[0])) < 25  # red kept from the reference face


def test_the_adapter_feeds_the_mel_by_shape_not_by_name(renderer):
    assert (renderer.mouth.crop.mel_input, renderer.mouth.crop.face_input) == ("audio_sequences", "face_sequences")


def test_lip_sync_correction_finds_the_stand_in_in_sync(renderer, clip):
    prepared, _ = clip
    assert renderer.correction_frames(prepared, {"fps": 25}) in (-1, 0, 1)


def test_a_wav2lip_model_of_the_wrong_shape_is_refused_at_load_naming_it_and_the_shape_expected(tmp_path):
    from media.render.adapters import ModelRefused

    path = tmp_path / "big.onnx"
    torch.onnx.export(
        LoudnessPainter(),
        (torch.zeros(2, 1, 80, 16), torch.zeros(2, 6, 128, 128)),
        str(path),
        input_names=["audio_sequences", "face_sequences"],
        output_names=["out"],
        dynamic_axes={"audio_sequences": {0: "n"}, "face_sequences": {0: "n"}, "out": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    settings = Settings.from_env(
        {"TALKFARM_MODELS": json.dumps([{"name": "big", "path": str(path), "adapter": "wav2lip", "pools": ["cpu"]}])}
    )
    with pytest.raises(
        ModelRefused,
        match=r"model 'big' \(adapter wav2lip\): input 'face_sequences' .* has shape "
        r"\[n, 6, 128, 128\]; expected \[N, 6, 96, 96\]",
    ) as caught:
        Renderer.for_model("big", settings=settings)
    assert caught.value.code == "model_invalid"
