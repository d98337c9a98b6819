"""What drawing a title costs, per script: CPU milliseconds per ``render_text`` call.

    python benchmarks/text_draw.py [--draws 50] [--repeat 3]

A title at 1080p's title size (57 px, on a box, up to 1,500 px wide), in Latin, in Chinese with the symbols the
CJK subset lacks (drawn from Noto Sans since 2026-12-06's seventh session), in Arabic and in Devanagari, and
(since 2026-12-07) in Hebrew with punctuation and digits from Noto Sans, in Thai without spaces (broken into lines
by ICU) and in Bengali. Each row
is the best of ``--repeat`` runs of ``--draws`` draws, after one draw to load the fonts. A composed job draws a
text once per change (a caption page, a word's highlight), not once per frame. To compare with older code, run
this script from a checkout of it (``PYTHONPATH=<checkout> python benchmarks/text_draw.py``). Last, the API's
checks of a script: for characters no font draws, on the longest script with none drawable, and for letters its
voice would read out by name, on the longest script of Chinese characters given to the English voice.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from media.compose import TextStyle, render_text, undrawable  # noqa: E402

TITLES = {
    "Latin": "Breaking: council approves the river bridge after a long debate",
    "Chinese, with · and °": "市议会批准新桥 · 東京の新しい橋 · 北京 25°C",
    "Arabic, with ±": "درجة الحرارة ± 2 في المدينة الليلة",
    "Devanagari": "नगर परिषद ने नए पुल को मंज़ूरी दी",
    # since 2026-12-07: fonts shipped for every script a voice speaks; Thai broken into lines by ICU's dictionary
    "Hebrew, with : and 2025": "חדשות: מועצת העיר אישרה את הגשר החדש ב-2025",
    "Thai, no spaces": "สภาเมืองอนุมัติสะพานข้ามแม่น้ำแห่งใหม่หลังการอภิปรายอันยาวนาน",
    "Bengali": "নগর পরিষদ নতুন সেতু অনুমোদন করেছে",
    # since 2026-12-07 (eleventh session): colour emoji, drawn at 109 px and scaled
    "Latin with four emoji": "🔴 LIVE: council approves the river bridge 🌉 👍🏽 🇬🇧",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    style = TextStyle(size=57, colour=(255, 255, 255), box=(20, 30, 40, 200), max_lines=2)
    print(f"code: {ROOT}")
    print(f"{'title':<26}{'ms per draw':>12}")
    for name, title in TITLES.items():
        render_text(title, style, 1500)
        best = float("inf")
        for _ in range(args.repeat):
            started = time.process_time()
            for _ in range(args.draws):
                render_text(title, style, 1500)
            best = min(best, (time.process_time() - started) / args.draws)
        print(f"{name:<26}{best * 1000:>12.2f}")
    # the API's check of a script with burned-in captions: the longest script, every character one no font has
    hostile = "".join(chr(0xE000 + i % 6400) for i in range(20_000))
    undrawable("x")
    started = time.process_time()
    found = undrawable(hostile)
    spent = time.process_time() - started
    print(f"undrawable() on 20,000 characters ({len(found):,} distinct, none drawable): {spent * 1000:.1f} ms")
    from media.errors import MediaError
    from media.tts.script_check import check_readable

    chinese = "".join(chr(0x4E00 + i) for i in range(20_000))
    started = time.process_time()
    try:
        check_readable(chinese, "en-us", "joe")
    except MediaError:
        pass
    spent = time.process_time() - started
    print(f"check_readable() on 20,000 Chinese characters for the English voice: {spent * 1000:.1f} ms")


if __name__ == "__main__":
    main()
