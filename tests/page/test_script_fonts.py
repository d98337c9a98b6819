"""A job titled in Chinese, Japanese and Hindi reads in the jobs list of Debian's Chromium on a machine with no
CJK or Devanagari system font: the page's web fonts (the farm's own Noto files, served by the farm) draw it,
where the system's fonts draw boxes (tofu). Judged on what the browser draws: the fonts it fetched for the
characters shown, and the title's width against the same text in the system's fonts alone."""

from __future__ import annotations

from pathlib import Path

from tests.page.conftest import make_key, sign_in

TITLE = "北京新闻 東京 नमस्ते"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "page"

MEASURE = """async (link) => {
  await document.fonts.ready;
  // each word's width in ems: a CJK glyph is one em wide; the system's box for a missing one is not
  const ems = (element) => {
    const text = element.firstChild, size = parseFloat(getComputedStyle(element).fontSize), range = document.createRange();
    let at = 0;
    return text.textContent.split(" ").map(word => {
      range.setStart(text, at); range.setEnd(text, at + word.length); at += word.length + 1;
      return range.getBoundingClientRect().width / size;
    });
  };
  const probe = document.createElement("span");
  probe.textContent = link.textContent;
  probe.style.font = getComputedStyle(link).font;
  probe.style.fontFamily = "system-ui, sans-serif";  // the system's fonts alone: boxes for what they lack
  link.parentElement.appendChild(probe);
  const shown = ems(link), boxes = ems(probe);
  probe.remove();
  const loaded = [...document.fonts].filter(f => f.status === "loaded").map(f => f.family.replaceAll('"', ""));
  return {shown, boxes, loaded};
}"""


def test_a_chinese_japanese_and_hindi_title_is_drawn_not_boxes(page_farm, tab):
    key = make_key(page_farm)
    client = page_farm.client(key)
    job = client.post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut", "title": TITLE})
    assert job.status_code == 202, job.text

    sign_in(tab, page_farm, key)
    link = tab.get_by_role("link", name=TITLE)
    link.wait_for()
    tab.wait_for_function(
        """() => [...document.fonts].filter(f => f.status === "loaded").length >= 2""", timeout=30_000
    )
    drawn = link.evaluate(MEASURE)
    # the browser fetched the farm's CJK and Devanagari faces for the title's characters, and no other
    assert {"talkfarm noto cjk", "talkfarm noto devanagari"} <= set(drawn["loaded"]), drawn
    assert "talkfarm noto thai" not in drawn["loaded"], drawn  # unicode-range: nothing on the page is Thai
    # glyphs, not boxes: 北京新闻 and 東京 are four and two ems (CJK glyphs are square); the system's boxes are
    # not, and नमस्ते (six code points, one conjunct) is narrower drawn than as six boxes
    cjk4, cjk2, hindi = drawn["shown"]
    assert abs(cjk4 - 4) < 0.05 and abs(cjk2 - 2) < 0.05, drawn
    assert abs(drawn["boxes"][0] - 4) > 0.3 and hindi < drawn["boxes"][2] * 0.9, drawn
    tab.screenshot(path=str(SHOTS / "jobs-script-fonts.png"), clip=link.bounding_box() and _row_box(link))

    font = page_farm.url + "/page-fonts/cjk.otf"
    response = tab.request.get(font)
    assert response.status == 200 and response.headers["content-type"] == "font/otf"
    assert "max-age=2592000" in response.headers["cache-control"] and response.headers.get("etag")


def _row_box(link) -> dict:
    row = link.locator("xpath=ancestor::tr").bounding_box()
    assert row is not None
    return {"x": row["x"], "y": row["y"], "width": row["width"], "height": row["height"]}
