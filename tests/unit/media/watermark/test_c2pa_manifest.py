"""C2PA content credentials: signed at the end of a job, read back by anyone.

Every certificate here is made at test time (a throwaway CA and an ES256
end-entity certificate); no private key is committed.
"""

from __future__ import annotations

import io
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from domain.errors import JobFailure
from media.watermark.c2pa_manifest import WEBM, read_manifest, sign_mp4, sign_sidecar
from tests.composition_files import video as clip
from tests.credentials import c2pa_credentials


@pytest.fixture(scope="module")
def credentials():
    """(chain PEM, end-entity key PEM, CA PEM) for C2PA signing: a CA and an ES256 leaf it issued."""
    return c2pa_credentials()


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A one-second H.264 MP4 with its index first, as the farm writes them."""
    path = tmp_path_factory.mktemp("c2pa") / "plain.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=96x96:rate=25:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path


#: what ``_sign`` and ``_sign_sidecar`` say of the job, as read back
SIGNED_AS = {"model": "builtin", "voice": "joe", "tenant": "acme", "job_id": "job_123", "draft": False}


def _sign(video, dest, credentials):
    chain, key, _ = credentials
    sign_mp4(video, dest, cert_pem=chain, key_pem=key, model="builtin", voice="joe", tenant="acme", job_id="job_123")


def test_signed_video_says_it_was_made_by_a_trained_algorithm_and_by_whom(video, tmp_path, credentials):
    signed = tmp_path / "signed.mp4"
    _sign(video, signed, credentials)

    manifest = read_manifest(signed)

    assert manifest["present"] and manifest["signature_valid"], manifest["failures"]
    assert manifest["digital_source_type"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert [a["action"] for a in manifest["actions"]] == ["c2pa.created"]
    assert manifest["generation"] == SIGNED_AS
    assert manifest["signer"]["common_name"] == "talkfarm test signer"


@pytest.mark.parametrize("suffix, mime", [(".jpg", "image/jpeg"), (".png", "image/png")])
def test_a_poster_is_signed_as_its_video_is_and_a_draft_says_so(tmp_path, credentials, suffix, mime):
    """A poster is a still of the generated video: it carries the same credentials (JPEG for an opaque video, PNG
    with alpha for a transparent one), and a draft's credentials say it was a draft."""
    chain, key, ca = credentials
    poster = tmp_path / f"poster{suffix}"
    Image.fromarray(np.full((72, 128, 4 if mime == "image/png" else 3), 120, np.uint8)).save(poster)
    plain = poster.read_bytes()

    sign_mp4(
        poster,
        poster,
        cert_pem=chain,
        key_pem=key,
        model="builtin",
        voice="joe",
        tenant="acme",
        job_id="job_9",
        mime=mime,
        draft=True,
    )

    manifest = read_manifest(poster, trust_anchors_pem=ca, mime=mime)
    assert manifest["present"] and manifest["signature_valid"] and manifest["trusted"], manifest["failures"]
    assert manifest["digital_source_type"].endswith("trainedAlgorithmicMedia")
    assert manifest["generation"]["job_id"] == "job_9" and manifest["generation"]["draft"] is True
    assert read_manifest_of_bytes(plain, tmp_path / f"plain{suffix}", mime) == {"present": False}
    assert np.array_equal(np.asarray(Image.open(poster)), np.asarray(Image.open(io.BytesIO(plain))))


def read_manifest_of_bytes(data, path, mime):
    path.write_bytes(data)
    return read_manifest(path, mime=mime)


def test_signer_is_trusted_only_when_its_ca_is_a_trust_anchor(video, tmp_path, credentials):
    signed = tmp_path / "signed.mp4"
    _sign(video, signed, credentials)

    assert read_manifest(signed)["trusted"] is False
    assert read_manifest(signed, trust_anchors_pem=credentials[2])["trusted"] is True


def test_altering_the_video_after_signing_invalidates_the_credentials(video, tmp_path, credentials):
    signed = tmp_path / "signed.mp4"
    _sign(video, signed, credentials)
    data = bytearray(signed.read_bytes())
    mdat = data.rindex(b"mdat")
    data[mdat + 200] ^= 0xFF  # one byte of the coded video
    signed.write_bytes(bytes(data))

    manifest = read_manifest(signed)

    assert manifest["present"] is True
    assert manifest["signature_valid"] is False
    assert any("mismatch" in code for code in manifest["failures"]), manifest["failures"]


def test_video_without_credentials_reads_as_absent(video):
    assert read_manifest(video) == {"present": False}


def test_key_not_matching_the_certificate_fails_the_job_with_a_stable_code(video, tmp_path, credentials):
    chain, _, _ = credentials
    stranger = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    dest = tmp_path / "signed.mp4"

    with pytest.raises(JobFailure) as failure:
        sign_mp4(video, dest, cert_pem=chain, key_pem=stranger, model="m", voice="v", tenant="t", job_id="j")

    assert failure.value.code == "c2pa_sign_failed"
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def webm(tmp_path_factory):
    """A one-second VP9 WebM: a container the C2PA library cannot embed a manifest in."""
    path = tmp_path_factory.mktemp("c2pa") / "video.webm"
    path.write_bytes(clip(96, 96, "25", 1.0, "webm"))
    return path


def _sign_sidecar(video, sidecar, credentials, **kwargs):
    chain, key, _ = credentials
    args = {"model": "builtin", "voice": "joe", "tenant": "acme", "job_id": "job_123", **kwargs}
    sign_sidecar(video, sidecar, cert_pem=chain, key_pem=key, **args)


def test_a_webm_gets_a_sidecar_manifest_bound_to_its_bytes_and_is_left_as_it_was(webm, tmp_path, credentials):
    before = webm.read_bytes()
    sidecar = tmp_path / "video.c2pa"
    _sign_sidecar(webm, sidecar, credentials)

    manifest = read_manifest(webm, sidecar=sidecar, mime=WEBM, trust_anchors_pem=credentials[2])

    assert webm.read_bytes() == before
    assert manifest["signature_valid"] and manifest["trusted"], manifest["failures"]
    assert manifest["digital_source_type"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert manifest["generation"] == SIGNED_AS
    assert sorted(tmp_path.iterdir()) == [sidecar]  # no partial or copied file left beside it


def test_a_sidecar_does_not_hold_for_a_changed_or_another_video(webm, tmp_path, credentials):
    sidecar = tmp_path / "video.c2pa"
    _sign_sidecar(webm, sidecar, credentials)
    changed = bytearray(webm.read_bytes())
    changed[len(changed) // 2] ^= 0xFF  # one byte of the coded video
    (tmp_path / "changed.webm").write_bytes(bytes(changed))
    (tmp_path / "other.webm").write_bytes(clip(96, 96, "25", 2.0, "webm"))

    for name in ("changed.webm", "other.webm"):
        manifest = read_manifest(tmp_path / name, sidecar=sidecar, mime=WEBM)
        assert manifest["signature_valid"] is False, name
        assert "assertion.dataHash.mismatch" in manifest["failures"], manifest["failures"]


def test_a_sidecar_signed_with_a_wrong_key_fails_with_a_stable_code_and_leaves_nothing(webm, tmp_path, credentials):
    stranger = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(JobFailure) as failure:
        sign_sidecar(
            webm,
            tmp_path / "video.c2pa",
            cert_pem=credentials[0],
            key_pem=stranger,
            model="m",
            voice="v",
            tenant="t",
            job_id="j",
        )

    assert failure.value.code == "c2pa_sign_failed"
    assert list(tmp_path.iterdir()) == []
