"""The farm's own Noto fonts, served to the page as web fonts: a job's title in Chinese, Japanese, Korean or an
Indian script reads on a machine without such system fonts (Debian's Chromium without fonts-noto-cjk drew
empty boxes).

They are the files the farm already ships for its videos (media/compose/fonts/ and the fontpkg-noto-* wheels,
all OFL-1.1), served by this process and never from the internet. page.css declares each in its own family
with a ``unicode-range``, after the system's fonts, so a browser fetches one only for a page that shows its
characters and only when no font before it has them. Cacheable for 30 days (with an ETag): the CJK face is
9.8 MB, fetched once.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import abort, send_file

import media.compose
from api.web.blueprint import page

#: how long a browser keeps a font before asking again (it then gets a 304 while the file is the same)
MAX_AGE_S = 30 * 24 * 3600
_SHIPPED = Path(media.compose.__file__).with_name("fonts")


@functools.cache
def web_fonts() -> dict[str, Path]:
    """The files the page may fetch, by the name page.css gives them."""
    import fontpkg_noto_sans_devanagari
    import fontpkg_noto_sans_tamil
    import fontpkg_noto_sans_telugu

    def variable(package, prefix: str) -> Path:
        return next(p for p in sorted(Path(package.ROOT).rglob(f"{prefix}*.ttf")) if "Italic" not in p.name)

    fonts = {
        "cjk.otf": _SHIPPED / "NotoSansCJK-Bold-subset.otf",
        "devanagari.ttf": variable(fontpkg_noto_sans_devanagari, "NotoSansDevanagari["),
        "tamil.ttf": variable(fontpkg_noto_sans_tamil, "NotoSansTamil["),
        "telugu.ttf": variable(fontpkg_noto_sans_telugu, "NotoSansTelugu["),
    }
    for script in (
        "Bengali",
        "Gurmukhi",
        "Gujarati",
        "Oriya",
        "Kannada",
        "Malayalam",
        "Sinhala",
        "Thai",
        "Myanmar",
        "Georgian",
        "Armenian",
        "Ethiopic",
        "Hebrew",
    ):
        fonts[f"{script.lower()}.ttf"] = _SHIPPED / f"NotoSans{script}-Bold.ttf"
    return fonts


@page.route("/page-fonts/<name>")
def font(name: str):
    path = web_fonts().get(name)
    if path is None:
        abort(404)
    mimetype = "font/otf" if name.endswith(".otf") else "font/ttf"
    response = send_file(path, mimetype=mimetype, max_age=MAX_AGE_S, conditional=True, etag=True)
    response.cache_control.public = False
    response.cache_control.private = True  # behind the page's sign-in, as every page address is
    return response
