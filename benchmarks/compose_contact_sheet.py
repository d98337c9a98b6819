"""A contact sheet of composed jobs: 16:9, 9:16 and 1:1 on both preset portraits.

    python benchmarks/compose_contact_sheet.py [--out docs/compose/contact-sheet.png]

Two jobs (the astronaut on an image background, the cameraman on a colour),
each with a logo, a title, a lower third, word captions and two renditions (9:16 and 1:1), run
whole as a worker runs them; one frame of each cut, taken mid-sentence, laid
out in a grid with its label.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCRIPTS = {
    "astronaut": "Good evening. The council approved the new bridge tonight after years of debate.",
    "cameraman": "From the river bank, here is how the crossing will look when it opens.",
}
NAMES = {"astronaut": "Jane Doe · City reporter", "cameraman": "Ravi Kumar · Camera"}
TITLES = {"astronaut": "Bridge approved after three years", "cameraman": "The new river crossing"}
#: the 16:9 cut's presenter: the cameraman's photo shows much more of him around a smaller face, so a
#: newsroom would place him smaller; he is never cut out (``domain.presets.NOT_CUT_OUT``), as the API has it
MAIN_CHARACTERS = {
    "astronaut": {"scale": 0.8, "offset": {"x": 0.4, "y": 0.1}},
    "cameraman": {"scale": 0.5, "offset": {"x": 0.45, "y": -0.1}, "matting": False},
}
CUTS = [("16:9", None), ("9:16", {"width": 720, "height": 1280}), ("1:1", {"width": 720, "height": 720})]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "compose" / "contact-sheet.png"))
    args = parser.parse_args()

    from benchmarks.compose import background_png
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from media.compose import load_font
    from storage import open_storage
    from tests.unit.compose.jobs import Services, add_asset, composition, new_tenant, run_job, scene
    from tests.unit.compose.viewing import frame_at

    tiles: list[tuple[str, np.ndarray]] = []
    with tempfile.TemporaryDirectory(prefix="talkfarm-sheet-") as tmp:
        root = Path(tmp)
        settings = Settings.from_env({}, data_dir=root / "data", pools=("cpu",))
        upgrade(settings)
        services = Services(settings, session_factory(settings), open_storage(settings))
        tenant = new_tenant(services)
        add_asset(services, tenant, "ast_background", background_png(1280, 720), "image", "image/png")
        add_asset(services, tenant, "ast_logo", logo_png(), "image", "image/png")
        for n, (portrait, script) in enumerate(SCRIPTS.items()):
            background = (
                {"type": "image", "asset_id": "ast_background", "fit": "cover"}
                if portrait == "astronaut"
                else {"type": "color", "color": "#0f766e"}
            )
            lower_third = {
                "type": "text",
                "text": NAMES[portrait],
                "role": "lower_third",
                "start": 0.0,
                "end": None,
                "font": None,
                "size": None,
                "color": None,
                "background_color": None,
                "position": None,
            }
            title = {**lower_third, "text": TITLES[portrait], "role": "title"}
            logo = {
                "type": "image",
                "asset_id": "ast_logo",
                "anchor": "top_left",
                "scale": 0.08,
                "start": 0.0,
                "end": None,
            }
            main = scene(
                script,
                avatar={"preset": portrait},
                background=background,
                overlays=[logo, title, lower_third],
                character=MAIN_CHARACTERS[portrait],
            )
            renditions = [
                # each rendition's presenter laid out again for its shape by the farm, as a job that gives none gets
                {"canvas": canvas, "character": None, "captions": None}
                for _, canvas in CUTS
                if canvas is not None
            ]
            comp = composition(1280, 720, [main], captions={"burn_in": True, "style": "word"}, renditions=renditions)
            output = run_job(services, tenant, comp, fps=10, watermark=True, wm_code=100 + n)
            keys = [output["key"]] + [r["key"] for r in output["renditions"]]
            for (name, _), key in zip(CUTS, keys):
                path = root / Path(key).name
                services.storage.get_file(key, path)
                tiles.append((f"{portrait} · {name}", frame_at(path, 1.6)))
    sheet = _grid(tiles, load_font("noto-sans", 22))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out} ({sheet.width}x{sheet.height})")
    return 0


def logo_png() -> bytes:
    """A newsroom's wordmark: white letters on a red rounded bar, transparent around it."""
    import io

    from media.compose import load_font

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 299, 99), 18, fill=(200, 30, 40, 255))
    draw.text((150, 50), "CITY NEWS", fill=(255, 255, 255, 255), font=load_font("noto-sans", 40), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _grid(tiles: list[tuple[str, np.ndarray]], font: object) -> Image.Image:
    """Each portrait a row: its 16:9, 9:16 and 1:1 frames at one height, labelled."""
    height, gap, label = 400, 16, 34
    rows = [tiles[i : i + 3] for i in range(0, len(tiles), 3)]
    scaled = [
        [
            (
                name,
                Image.fromarray(f).resize((round(f.shape[1] * height / f.shape[0]), height), Image.Resampling.LANCZOS),
            )
            for name, f in row
        ]
        for row in rows
    ]
    width = max(sum(im.width for _, im in row) + gap * (len(row) + 1) for row in scaled)
    sheet = Image.new("RGB", (width, len(scaled) * (height + label + gap) + gap), (245, 245, 245))
    draw = ImageDraw.Draw(sheet)
    y = gap
    for row in scaled:
        x = gap
        for name, im in row:
            draw.text((x, y), name, fill=(30, 30, 30), font=font)
            sheet.paste(im, (x, y + label))
            x += im.width + gap
        y += height + label + gap
    return sheet


if __name__ == "__main__":
    raise SystemExit(main())
