"""The keyboard's focus ring stands out from the page at 3:1 or more (WCAG 1.4.11), in the light and the dark
scheme. An accessibility review measured Pico's own rings at 1.77:1 (light), 2.01:1 (dark) and 1.40:1 on a file
input."""

from __future__ import annotations

import re

import pytest

from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = pytest.mark.integration


def luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_has_three_to_one_against_the_page(page_farm, browser, scheme):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, color_scheme=scheme)
    tab = context.new_page()
    try:
        sign_in(tab, page_farm, make_key(page_farm))
        tab.goto(page_farm.url + "/jobs/new")
        rings = []
        for _ in range(40):  # by keyboard, so :focus-visible applies, through links, buttons and the file input
            tab.keyboard.press("Tab")
            ring = tab.evaluate(
                """() => { const el = document.activeElement, s = getComputedStyle(el);
                   return {tag: el.tagName, type: el.type || '', style: s.outlineStyle,
                           width: parseFloat(s.outlineWidth), color: s.outlineColor,
                           page: getComputedStyle(document.body).backgroundColor}; }"""
            )
            if ring["tag"] != "BODY":  # past the last control, the browser's own
                rings.append(ring)
            if SCREENSHOTS and ring["type"] == "file":
                tab.screenshot(path=f"{SCREENSHOTS}/focus-ring-file-{scheme}.png")
        kinds = {(r["tag"], r["type"]) for r in rings}
        assert ("A", "") in kinds and ("INPUT", "file") in kinds and ("BUTTON", "submit") in kinds, kinds
        for ring in rings:
            assert ring["style"] != "none" and ring["width"] >= 2, ring
            assert contrast(ring["color"], ring["page"]) >= 3, ring
    finally:
        context.close()
