"""``If-Match`` on a save: the caller names the version it read (the ETag a GET gave), and a save of a resource
that has changed since is refused (412) rather than overwriting another editor's change. Without ``If-Match``
the last save wins, as HTTP has it."""

from __future__ import annotations

from flask import request


def version_etag(version: int) -> str:
    """The entity tag of a resource's ``version``, which every change to it bumps: ``"v3"``."""
    return f'"v{version}"'


def stale(version: int) -> bool:
    """Whether the request's ``If-Match`` names neither this version's tag nor ``*`` (weak tags never match, as
    a precondition on a write compares strongly). False without ``If-Match``."""
    if not request.headers.get("If-Match"):
        return False
    wanted = request.if_match
    return not (wanted.star_tag or wanted.contains(version_etag(version).strip('"')))


#: the ``If-Match`` request header, documented on each save that honours it
IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the version read: the save is refused (412) if it changed since. Without it the "
    "last save wins.",
}


#: a 201's header: where the new resource is read
LOCATION_HEADER = {"Location": {"description": "The new resource's path.", "schema": {"type": "string"}}}
#: a 201's headers for a resource with versions: where it is read, and the version to save over
CREATED_HEADERS = {
    **LOCATION_HEADER,
    "ETag": {"description": "Its version, for If-Match.", "schema": {"type": "string"}},
}
