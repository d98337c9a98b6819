"""What a job may use an asset for: each use takes assets of some purposes
(``portrait``, ``background``, ``logo``, ``music``, ``narration``) and kinds.
Using an asset against its purpose is a 422 ``asset_purpose_mismatch`` naming
both purposes; the refusals of the days before purposes (a narration as the
avatar: ``avatar_not_image``; a portrait as narration: ``asset_not_audio``;
an audio file as the watermark's logo: ``watermark_invalid``) keep their codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api.ownership import owned
from domain.errors import ProblemError
from domain.models import Asset


@dataclass(frozen=True)
class AssetUse:
    purposes: tuple[str, ...]
    kinds: tuple[str, ...]
    #: today's code when an asset of today's purposes (portrait, narration) is of the wrong kind
    legacy_code: str | None = None
    legacy_message: str = ""


USES = {
    "avatar": AssetUse(("portrait",), ("image",), "avatar_not_image", "avatar must name an image asset or a preset."),
    "narration": AssetUse(("narration",), ("audio",), "asset_not_audio", "audio_asset_id must name an audio asset."),
    # a logo uploaded before purposes existed was inspected as a portrait: it keeps working
    "watermark_logo": AssetUse(
        ("logo", "portrait"), ("image",), "watermark_invalid", "watermark.logo_asset_id must name an image asset."
    ),
    "background_image": AssetUse(("background",), ("image",)),
    "background_video": AssetUse(("background",), ("video",)),
    "overlay_image": AssetUse(("logo",), ("image",)),
    "music": AssetUse(("music",), ("audio",)),
    # an uploaded TTF/OTF (checked with fontTools at upload) for text overlays, captions and brand kits
    "font": AssetUse(("font",), ("font",)),
}

#: the purposes there were before assets had one, as the migration gave them to older assets
_FIRST_PURPOSES = ("portrait", "narration")


def asset_for_use(session: Session, tenant_id: str, asset_id: str, field: str, use: AssetUse) -> Asset:
    """The tenant's asset, if it serves ``use``: 404 ``asset_not_found`` naming the field, else a 422."""
    try:
        asset = owned(session, Asset, asset_id, tenant_id)
    except ProblemError as missing:  # the same 404, naming the field that points nowhere
        raise ProblemError(missing.code, f"{field}: no asset {asset_id!r} for this tenant.", 404) from None
    if use.legacy_code and asset.kind not in use.kinds and asset.purpose in _FIRST_PURPOSES:
        raise ProblemError(use.legacy_code, use.legacy_message, 422)
    if asset.purpose not in use.purposes:
        raise ProblemError(
            "asset_purpose_mismatch",
            f"{field} takes an asset of purpose {' or '.join(use.purposes)}; {asset.id} was uploaded "
            f"with purpose {asset.purpose}. Upload the file again with purpose={use.purposes[0]}.",
            422,
            errors={field: [f"purpose {asset.purpose}, not {' or '.join(use.purposes)}"]},
        )
    if asset.kind not in use.kinds:
        raise ProblemError(
            "background_invalid" if field.endswith("background.asset_id") else "asset_purpose_mismatch",
            f"{field}: {asset.id} is of kind {asset.kind}; this use takes {' or '.join(use.kinds)}.",
            422,
            errors={field: [f"kind {asset.kind}, not {' or '.join(use.kinds)}"]},
        )
    return asset


def check_composition_assets(session: Session, tenant_id: str, composition: dict[str, Any]) -> None:
    """Every asset a composition names, against its purpose (the scenes' avatars and narration are checked
    with their speech)."""
    for index, scene in enumerate(composition["scenes"]):
        background = scene["background"]
        if background["asset_id"] is not None:
            use = USES["background_video" if background["type"] == "video" else "background_image"]
            asset_for_use(session, tenant_id, background["asset_id"], f"scenes[{index}].background.asset_id", use)
        for number, overlay in enumerate(scene["overlays"]):
            if overlay["type"] == "image":
                asset_for_use(
                    session,
                    tenant_id,
                    overlay["asset_id"],
                    f"scenes[{index}].overlays[{number}].asset_id",
                    USES["overlay_image"],
                )
            elif (overlay["font"] or "").startswith("ast_"):
                asset_for_use(
                    session, tenant_id, overlay["font"], f"scenes[{index}].overlays[{number}].font", USES["font"]
                )
    captions = [("captions", composition["captions"])]
    captions += [
        (f"renditions[{n}].captions", r["captions"])
        for n, r in enumerate(composition["renditions"])
        if r["captions"] is not None
    ]
    for path, style in captions:  # an uploaded font is the tenant's own, wherever it is named
        if (style["font"] or "").startswith("ast_"):
            asset_for_use(session, tenant_id, style["font"], f"{path}.font", USES["font"])
    if composition["music"] is not None:
        asset_for_use(session, tenant_id, composition["music"]["asset_id"], "music.asset_id", USES["music"])
