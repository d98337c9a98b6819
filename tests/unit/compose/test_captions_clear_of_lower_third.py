"""Burned-in captions and a lower third kept apart for the lines each really takes: a foreign desk's 9:16 cut
with word captions and its 16:9 cut with subtitles, judged on the delivered frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from media.compose import caption_band, caption_track, text_layer
from media.compose.captions import caption_words
from tests.unit.compose.test_overlay_layout import _drawn

#: (language, script, lower third): each lower third takes two lines on 9:16 and on 16:9
DESK = {
    "ja": (
        "政府は2025年度の補正予算案を閣議決定し、国会に提出する方針です。",
        "山田花子（NHK記者）、東京の首相官邸から",
    ),
    "zh": (
        "国务院总理今天主持召开常务会议，部署进一步扩大国内消费需求和稳定就业形势的政策措施。",
        "王小红（新华社记者）、张伟，北京报道",
    ),
    "en": (
        "The council approved the new bridge tonight after three years of debate and many long meetings.",
        "Jane Doe-Montgomery, Senior City Hall Correspondent",
    ),
}
#: the words as speech times them: Japanese a phrase at a time, Chinese a character at a time
SPOKEN = {
    "ja": ["政府は", "2025年度の", "補正", "予算", "案を", "閣議", "決定し、", "国会に", "提出する", "方針です。"],
}


def _rows_of(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box (x0, y0, x1, y1) of a mask's blobs of letters, not the few pixels two encodes of a mouth differ in."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    kept = np.isin(labels, [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= 30])
    ys, xs = np.nonzero(kept)
    if not ys.size:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("language", ["ja", "zh", "en"])
@pytest.mark.parametrize(("canvas", "style"), [((1080, 1920), "word"), ((1920, 1080), "subtitle")])
def test_every_caption_page_stands_below_a_two_line_lower_third(language, canvas, style):
    """The room kept for the captions is the lines their widest page takes: a Japanese subtitle page of 23
    characters took two lines where one was kept, and lay over the lower third's second line."""
    width, height = canvas
    script, name = DESK[language]
    words = SPOKEN.get(language) or caption_words(script)
    timed = [(w, 0.3 * i, 0.3 * i + 0.3) for i, w in enumerate(words)]
    captions = {"burn_in": True, "style": style, "position": "bottom"}
    band = caption_band(captions, width, height, script)
    lower = text_layer({"type": "text", "text": name, "role": "lower_third"}, width, height, band)
    ink = np.flatnonzero(lower.pixels[..., 3].any(axis=1))
    lower_bottom = lower.y + int(ink[-1]) + 1
    track = caption_track(timed, captions, width, height)
    for page in track.pages:
        pixels, _, y = track.layer_at(page.start)
        shown = np.flatnonzero(pixels[..., 3].any(axis=1))
        assert lower_bottom <= y + shown[0], ("".join(w[0] for w in page.words), lower_bottom, y + shown[0])


def test_in_the_video_a_two_line_lower_third_keeps_clear_of_every_caption_page(tmp_path):
    """The producer's case on the delivered frames: Japanese, a 9:16 cut with word captions and its 16:9 cut with
    subtitles, the lower third in two lines on both. Before, a two-line caption page ("2025年度の補正予算 / 案を"
    on 9:16; the sentence's first 23 characters on 16:9) covered the lower third's second line ("から")."""
    from domain.composition import normalise_composition
    from tests.unit.compose.jobs import new_tenant, run_job
    from tests.unit.compose.test_composed_jobs import make_services
    from tests.unit.compose.viewing import fetch, frames_of

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    script, name = DESK["ja"]
    lower = {"type": "text", "role": "lower_third", "text": name}
    cuts: dict[str, list[tuple[float, np.ndarray]]] = {}
    for code, (kind, overlays, burn_in) in enumerate(
        (("bare", [], False), ("captions", [], True), ("both", [lower], True)), start=1
    ):
        body = {
            "script": script,
            "avatar": "astronaut",
            "language": "ja",
            "canvas": {"width": 540, "height": 960},
            "background": {"type": "color", "color": "#e5e7eb"},
            "overlays": overlays,
            "captions": {"burn_in": burn_in, "style": "word"},
            "renditions": [{"canvas": {"width": 960, "height": 540}, "captions": {"burn_in": burn_in}}],
        }
        output = run_job(services, tenant, normalise_composition(body), wm_code=code)
        cuts[f"{kind}-9:16"] = frames_of(fetch(services, output["key"], tmp_path / f"{kind}.mp4"))
        rendition = output["renditions"][0]["key"]
        cuts[f"{kind}-16:9"] = frames_of(fetch(services, rendition, tmp_path / f"{kind}-r.mp4"))
    for shape in ("9:16", "16:9"):
        checked = 0
        frames = zip(cuts[f"bare-{shape}"], cuts[f"captions-{shape}"], cuts[f"both-{shape}"])
        for (t, bare), (_, captioned), (_, both) in frames:
            # the lower third, where the captions' room put it; the captions, which stand where they would without it
            third = _rows_of(_drawn(both, captioned, 24))
            captions = _rows_of(_drawn(captioned, bare, 24))
            if third is None or captions is None:
                continue
            checked += 1
            if _overlap(third, captions):
                cv2.imwrite(str(tmp_path / f"overlap-{shape.replace(':', 'x')}.png"), both[..., ::-1])
            assert not _overlap(third, captions), (shape, round(t, 2), third, captions)
        assert checked > 10, (shape, checked)
