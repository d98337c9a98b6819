"""The farm's watermark key, and the keyed tenant code carried in the payload."""

from __future__ import annotations

import hashlib
import hmac

from domain.config import Settings
from domain.secrets import local_secret


def watermark_key(settings: Settings) -> str:
    return settings.watermark_key or local_secret(settings, "watermark-key").hex()


def tenant_code(tenant_id: str, key: str) -> int:
    """16 bits naming the tenant in the payload (keyed, so it reveals nothing without the key)."""
    return int.from_bytes(hmac.new(key.encode(), tenant_id.encode(), hashlib.sha256).digest()[:2], "big")
