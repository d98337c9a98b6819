"""Provenance on a real farm output: the invisible payload survives a
re-encode, a downscale and a crop and names the job — to its own tenant
only; the MP4 carries a C2PA manifest whose signature validates."""

from __future__ import annotations

import dataclasses
import subprocess

import imageio_ffmpeg
import pytest
import requests

from tests.credentials import c2pa_credentials

pytestmark = pytest.mark.integration

SCRIPT = (
    "Tonight on the programme: the harbour reopens after the storm, the orchestra plays in the park, "
    "and a new bakery wins the city's bread prize. Stay with us."
)


def attack(src, dest, *vf_and_codec: str) -> None:
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(src), *vf_and_codec, str(dest)],
        check=True,
    )


def test_farm_output_is_traceable_after_platform_attacks_and_carries_credentials(real_settings, farm_factory, tmp_path):
    from media.watermark.c2pa_manifest import read_manifest

    chain, key, ca = c2pa_credentials()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    settings = dataclasses.replace(
        real_settings, c2pa_cert=str(tmp_path / "chain.pem"), c2pa_key=str(tmp_path / "key.pem")
    )
    farm = farm_factory(settings)
    owner = farm.client(farm.create_key("owner"))
    stranger = farm.client(farm.create_key("stranger"))
    job = owner.post("/v1/jobs", json={"script": SCRIPT, "avatar": "astronaut", "params": {"resolution": 512}}).json()
    job = farm.wait_job(owner, job["id"], timeout_s=300)
    assert job["status"] == "succeeded", job
    video = tmp_path / "farm.mp4"
    video.write_bytes(requests.get(job["output"]["url"], timeout=60).content)

    manifest = read_manifest(video, trust_anchors_pem=ca)
    assert manifest["present"] and manifest["signature_valid"] and manifest["trusted"], manifest
    assert manifest["digital_source_type"].endswith("trainedAlgorithmicMedia")
    assert manifest["generation"]["job_id"] == job["id"] and manifest["generation"]["voice"] == "joe"
    assert manifest["generation"]["draft"] is False
    poster = tmp_path / "poster.jpg"
    poster.write_bytes(requests.get(job["output"]["files"]["poster"]["url"], timeout=60).content)
    poster_manifest = read_manifest(poster, trust_anchors_pem=ca, mime="image/jpeg")
    assert poster_manifest["trusted"] and poster_manifest["generation"] == manifest["generation"], poster_manifest

    attacked = {
        "reencode_crf28": ["-c:v", "libx264", "-crf", "28", "-preset", "veryfast", "-c:a", "copy"],
        "downscale_75": ["-vf", "scale=384:384", "-c:v", "libx264", "-crf", "23", "-c:a", "copy"],
        "crop_10": ["-vf", "crop=iw*0.8:ih*0.8", "-c:v", "libx264", "-crf", "23", "-c:a", "copy"],
    }
    for name, args in attacked.items():
        clip = tmp_path / f"{name}.mp4"
        attack(video, clip, *args)
        with open(clip, "rb") as fh:
            mine = owner.post("/v1/verify", files={"file": (clip.name, fh)}).json()
        assert mine["found"] and mine["your_job"] and mine["job_id"] == job["id"], (name, mine)
        with open(clip, "rb") as fh:
            theirs = stranger.post("/v1/verify", files={"file": (clip.name, fh)}).json()
        assert theirs["found"] and theirs["ours"] and theirs["job_id"] is None and not theirs["your_job"], (
            name,
            theirs,
        )
