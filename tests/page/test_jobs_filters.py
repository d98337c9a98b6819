"""The jobs list's search and filters show their words whole: the search field's placeholder and each filter's
choice fit inside their boxes (they read "Title or meta", "Any template o", "Any batch or nc") on a laptop, a
wide screen, a tablet and a phone."""

from __future__ import annotations

import os

import pytest

from tests.page.conftest import make_key, sign_in

pytestmark = pytest.mark.integration

#: for each search field and filter: its label, the text it shows, and the room inside its box for that text
MEASURE = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('form.filters input, form.filters select')].map((el) => {
    const style = getComputedStyle(el);
    ctx.font = style.font;
    const text = el.tagName === 'SELECT' ? el.options[el.selectedIndex].text : (el.value || el.placeholder);
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {label: el.labels[0].textContent.trim(), text, width: ctx.measureText(text).width, room};
  });
}"""


@pytest.mark.parametrize("width", [1366, 1100, 768, 390])
def test_the_filters_words_are_not_cut_off(page_farm, tab, width):
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    tab.set_viewport_size({"width": width, "height": 900})
    tab.reload()
    fields = tab.evaluate(MEASURE)
    assert [f["label"] for f in fields] == ["Search", "Status", "Template", "Batch"]
    cut = [f for f in fields if f["width"] > f["room"]]
    assert cut == [], cut
    if width == 1366 and (folder := os.environ.get("TALKFARM_PAGE_REVIEW")):
        tab.screenshot(path=f"{folder}/jobs-filters-{width}.png", clip={"x": 0, "y": 0, "width": width, "height": 330})
