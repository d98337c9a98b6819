"""`talkfarm verify` reads a file's content credentials (C2PA) on this machine, from the whole file: the API reads
only the invisible watermark, and a file cut to its first frames carries none of the manifest. Before, verify said
"not checked" and an editor had to find a C2PA reader. An MP4 or MOV embeds its credentials; a WebM's are in the
``.c2pa`` file beside it, which ``talkfarm submit --output`` now saves there."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest

from cli.verify import credentials
from media.watermark.c2pa_manifest import WEBM, sign_mp4, sign_sidecar
from tests.credentials import c2pa_credentials

SIGNED_BY = {"model": "builtin", "voice": "joe", "tenant": "acme", "job_id": "job_123"}


@pytest.fixture(scope="module")
def keys():
    return c2pa_credentials()


def _clip(path, codec: str):
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi"]
    cmd += ["-i", "testsrc=size=96x96:rate=25:duration=1", "-c:v", codec, "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


def test_a_signed_mp4_reads_as_signed_whole_and_by_whom(tmp_path, keys):
    chain, key, ca = keys
    signed = tmp_path / "news.mp4"
    sign_mp4(_clip(tmp_path / "plain.mp4", "libx264"), signed, cert_pem=chain, key_pem=key, **SIGNED_BY)
    found = credentials(signed)
    assert found["present"] and found["signature_valid"] and found["failures"] == [], found
    assert found["generation"]["job_id"] == "job_123" and found["signer"] == "talkfarm test signer"
    # the one field that says the clip is AI-made, which `verify --json` left out (compliance review)
    assert found["digital_source_type"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert found["trusted"] is None  # no anchors given: not judged
    anchors = tmp_path / "ca.pem"
    anchors.write_bytes(ca)
    assert credentials(signed, trust_anchors=anchors)["trusted"] is True


def test_a_byte_changed_after_signing_reads_as_invalid_and_an_unsigned_file_as_absent(tmp_path, keys):
    chain, key, _ = keys
    plain = _clip(tmp_path / "plain.mp4", "libx264")
    signed = tmp_path / "news.mp4"
    sign_mp4(plain, signed, cert_pem=chain, key_pem=key, **SIGNED_BY)
    data = bytearray(signed.read_bytes())
    data[-200] ^= 0xFF  # in the last frame's picture
    signed.write_bytes(bytes(data))
    found = credentials(signed)
    assert found["present"] and found["signature_valid"] is False and found["failures"], found
    assert credentials(plain) == {"present": False, "read_from": str(plain)}


def test_a_webms_credentials_are_read_from_the_file_beside_it_or_the_one_given(tmp_path, keys):
    chain, key, _ = keys
    video = _clip(tmp_path / "news.webm", "libvpx-vp9")
    beside = tmp_path / "news.webm.c2pa"
    assert credentials(video)["present"] is False and "news.webm.c2pa is not there" in credentials(video)["why"]
    sign_sidecar(video, beside, cert_pem=chain, key_pem=key, mime=WEBM, **SIGNED_BY)
    assert credentials(video)["signature_valid"] is True
    elsewhere = tmp_path / "downloaded-manifest.c2pa"
    beside.rename(elsewhere)
    assert credentials(video, sidecar=elsewhere)["signature_valid"] is True


def test_a_file_of_a_type_the_farm_does_not_sign_is_not_read(tmp_path):
    other = tmp_path / "clip.avi"
    other.write_bytes(b"RIFF")
    found = credentials(other)
    assert found["present"] is None and ".avi is not an MP4, MOV or WebM" in found["why"]
