"""C2PA content credentials for finished videos.

``sign_mp4`` embeds a signed manifest saying the video was created by a
trained algorithm (IPTC digital source type ``trainedAlgorithmicMedia`` on a
``c2pa.created`` action), and which model, voice, tenant and job made it (a
``dev.talkfarm.generation`` assertion). ``read_manifest`` reads it back and says
whether the signature and the hashes of the video still validate.

The library cannot embed a manifest in WebM. ``sign_sidecar`` writes the same
manifest as an external manifest store (C2PA's "sidecar", ``<name>.c2pa``)
that binds to the video by a hash of its every byte (``c2pa.hash.data``), the
video itself untouched; ``read_manifest(video, sidecar=...)`` checks the pair.

Signing uses c2pa-python's ``Signer.from_info`` with an ES256 certificate
chain (end-entity first, then intermediates) and its PEM private key; no
timestamp authority is contacted, so nothing here needs the network.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

import c2pa

from domain.errors import JobFailure

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATION_ASSERTION = "dev.talkfarm.generation"
MP4 = "video/mp4"
WEBM = "video/webm"
#: the media type of a C2PA manifest store on its own (a sidecar)
MANIFEST_STORE = "application/c2pa"


def _talkfarm_version() -> str:
    try:
        return metadata.version("talkfarm")
    except metadata.PackageNotFoundError:
        return "unknown"


def manifest_definition(
    *, title: str, model: str, voice: str, tenant: str, job_id: str, mime: str = MP4, draft: bool = False
) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "talkfarm", "version": _talkfarm_version()}],
        "title": title,
        "format": mime,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": {"name": "talkfarm", "version": _talkfarm_version()},
                            "description": "Talking-head video synthesised from a script and a portrait.",
                        }
                    ]
                },
            },
            {
                "label": GENERATION_ASSERTION,
                "data": {"model": model, "voice": voice, "tenant": tenant, "job_id": job_id, "draft": draft},
            },
        ],
    }


def sign_mp4(
    src: Path,
    dest: Path,
    *,
    cert_pem: bytes,
    key_pem: bytes,
    model: str,
    voice: str,
    tenant: str,
    job_id: str,
    mime: str = MP4,
    draft: bool = False,
) -> None:
    """Write ``src`` with an embedded, signed C2PA manifest to ``dest``.

    ``dest`` appears whole or not at all (written beside it, then renamed), so
    a retried stage overwrites instead of leaving a half-written file. Bad
    credentials or an unsupported file raise ``JobFailure("c2pa_sign_failed")``.
    ``mime``: ``video/quicktime`` signs a MOV the same way (both are ISO BMFF); ``image/jpeg`` or ``image/png`` a
    poster. ``draft``: the manifest says the job was a draft (a preview, not the approved final).
    """
    src, dest = Path(src), Path(dest)
    definition = manifest_definition(
        title=dest.name, model=model, voice=voice, tenant=tenant, job_id=job_id, mime=mime, draft=draft
    )
    partial = dest.with_name(f".{dest.name}.c2pa-partial")
    try:
        _sign(src, partial, definition, cert_pem, key_pem, mime, embed=True)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def sign_sidecar(
    video: Path,
    sidecar: Path,
    *,
    cert_pem: bytes,
    key_pem: bytes,
    model: str,
    voice: str,
    tenant: str,
    job_id: str,
    mime: str = WEBM,
    draft: bool = False,
) -> None:
    """Write the signed manifest of ``video`` to ``sidecar`` (a ``.c2pa`` manifest store), leaving the video as
    it is: for containers the library cannot embed into (WebM). The manifest's hard binding is a hash of the
    whole file, so the sidecar holds for these bytes only. Atomic and failing as ``sign_mp4``."""
    video, sidecar = Path(video), Path(sidecar)
    definition = manifest_definition(
        title=video.name, model=model, voice=voice, tenant=tenant, job_id=job_id, mime=mime, draft=draft
    )
    copy = sidecar.with_name(f".{sidecar.name}.asset-partial")  # the library writes the asset out again; unused
    partial = sidecar.with_name(f".{sidecar.name}.partial")
    try:
        partial.write_bytes(_sign(video, copy, definition, cert_pem, key_pem, mime, embed=False))
        os.replace(partial, sidecar)
    finally:
        copy.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _sign(
    src: Path, dest: Path, definition: dict[str, Any], cert_pem: bytes, key_pem: bytes, mime: str, *, embed: bool
) -> bytes:
    """Sign ``src`` into ``dest``; returns the manifest store's bytes. ``embed=False``: ``dest`` is a plain copy."""
    try:
        signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, cert_pem, key_pem, None))
        with signer, c2pa.Builder(definition) as builder:
            if not embed:
                builder.set_no_embed()
            with open(src, "rb") as source, open(dest, "w+b") as target:
                return bytes(builder.sign(signer, mime, source, target))
    except (c2pa.C2paError, ValueError) as exc:
        raise JobFailure("c2pa_sign_failed", f"could not sign content credentials: {exc}") from exc


def read_manifest(
    path: Path, *, trust_anchors_pem: bytes | None = None, sidecar: Path | None = None, mime: str = MP4
) -> dict[str, Any]:
    """What the video's content credentials say, and whether they hold.

    ``sidecar``: read the manifest from this ``.c2pa`` file instead of the video, and check that it binds to
    the video's bytes (``mime``: the video's type, e.g. ``video/webm``).

    Returns ``{"present": False}`` for a video without credentials; otherwise
    ``present``, ``signature_valid`` (signature and every hash check out:
    the video was not altered after signing), ``trusted`` (the signer chains
    to one of ``trust_anchors_pem``), ``validation_state``, ``failures`` (C2PA
    status codes), ``digital_source_type``, ``actions``, ``generation``
    (model, voice, tenant, job_id, and ``draft`` for files signed since it was added), ``signer`` and ``claim_generator``.
    """
    context = None
    if trust_anchors_pem:
        settings = c2pa.Settings.from_dict({"trust": {"trust_anchors": trust_anchors_pem.decode()}})
        context = c2pa.Context(settings=settings)
    try:
        with open(path, "rb") as stream:
            manifest_data = Path(sidecar).read_bytes() if sidecar is not None else None
            reader = c2pa.Reader.try_create(mime, stream, manifest_data, context=context)
            if reader is None:
                return {"present": False}
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        return {
            "present": True,
            "signature_valid": False,
            "trusted": False,
            "validation_state": "Invalid",
            "failures": [f"unreadable: {exc}"],
        }
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    state = store.get("validation_state")
    assertions = {a.get("label"): a.get("data", {}) for a in manifest.get("assertions", [])}
    actions = (assertions.get("c2pa.actions.v2") or assertions.get("c2pa.actions") or {}).get("actions", [])
    created: dict[str, Any] = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    failures = [s.get("code") for s in store.get("validation_status", []) or []]
    failures += [s.get("code") for s in _active_results(store).get("failure", [])]
    return {
        "present": True,
        "signature_valid": state in ("Valid", "Trusted"),
        "trusted": state == "Trusted",
        "validation_state": state,
        "failures": sorted(set(c for c in failures if c)),
        "digital_source_type": created.get("digitalSourceType"),
        "actions": actions,
        "generation": assertions.get(GENERATION_ASSERTION),
        "signer": manifest.get("signature_info", {}),
        "claim_generator": manifest.get("claim_generator_info", []),
    }


def _active_results(store: dict[str, Any]) -> dict[str, Any]:
    return (store.get("validation_results") or {}).get("activeManifest") or {}
