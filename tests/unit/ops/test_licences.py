"""Licences hold together: talkfarm is GPL-3.0-or-later (Piper and espeak-ng,
both GPL-3.0-or-later, run in its process), every runtime dependency's licence
may be combined with that, the notices list them all, and the files vendored
into the repository carry their licences."""

from __future__ import annotations

import email.message
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("third_party_notices", REPO / "ops" / "third_party_notices.py")
notices = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = notices
spec.loader.exec_module(notices)


@pytest.fixture(scope="module")
def runtime_dependencies():
    return notices.dependencies()


def test_talkfarm_declares_gpl_3_or_later_and_ships_the_licence_text():
    with open(REPO / "pyproject.toml", "rb") as f:
        assert tomllib.load(f)["project"]["license"] == "GPL-3.0-or-later"
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007")
    assert "TERMS AND CONDITIONS" in text and "END OF TERMS AND CONDITIONS" in text and len(text) > 30000


def test_every_runtime_dependency_may_be_combined_with_gpl_3_or_later(runtime_dependencies):
    names = {d.name for d in runtime_dependencies}
    assert {"piper-tts", "onnxruntime", "celery", "mediapipe"} <= names  # the closure, not just the top level
    assert {"certifi", "kombu", "botocore"} <= names
    refused = [
        f"{d.name} {d.version}: {d.licence or 'no licence found'} ({d.source}) is {d.verdict}"
        for d in runtime_dependencies
        if d.verdict != "compatible"
    ]
    assert not refused, (
        "runtime dependencies whose licence is not known to be compatible with GPL-3.0-or-later "
        "(review it and add it to REVIEWED in ops/third_party_notices.py with a reason, or drop it):\n"
        + "\n".join(refused)
    )


def test_third_party_notices_lists_every_runtime_dependency(runtime_dependencies):
    listed = notices.listed_names((REPO / "THIRD_PARTY_NOTICES.md").read_text())
    missing = sorted({d.name for d in runtime_dependencies} - listed)
    assert not missing, f"THIRD_PARTY_NOTICES.md lacks {missing}: run python ops/third_party_notices.py"


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("MIT", "compatible"),
        ("Apache-2.0 OR BSD-3-Clause", "compatible"),
        ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", "compatible"),
        ("LGPL-3.0-only", "compatible"),
        ("MPL-2.0", "compatible"),
        ("GPL-2.0+", "compatible"),
        ("Apache-2.0 WITH LLVM-exception", "compatible"),
        ("(MIT OR GPL-2.0-only) AND BSD-2-Clause", "compatible"),
        ("GPL-2.0-only", "incompatible"),
        ("MIT AND GPL-2.0-only", "incompatible"),
        ("CC-BY-NC-4.0", "incompatible"),
        ("Apache-1.1", "incompatible"),
        ("LicenseRef-Custom", "unknown"),
        ("MIT AND LicenseRef-Custom", "unknown"),
        ("GPL-2.0-only OR LicenseRef-Custom", "unknown"),
        ("(MIT", "unknown"),
        ("", "unknown"),
    ],
)
def test_spdx_expressions_are_judged_by_and_or_with(expression, expected):
    assert notices.verdict(expression) == expected


class FakeDistribution:
    def __init__(self, name, license_expression=None, license=None, classifiers=()):
        self.metadata = email.message.Message()
        self.metadata["Name"] = name
        if license_expression:
            self.metadata["License-Expression"] = license_expression
        if license:
            self.metadata["License"] = license
        for classifier in classifiers:
            self.metadata["Classifier"] = classifier


@pytest.mark.parametrize(
    "dist, expected",
    [
        (
            FakeDistribution(
                "a", license_expression="MIT OR Apache-2.0", classifiers=["License :: OSI Approved :: BSD License"]
            ),
            ("MIT OR Apache-2.0", "License-Expression"),
        ),
        (FakeDistribution("b", license="3-Clause BSD License"), ("BSD-3-Clause", "License: 3-Clause BSD License")),
        (
            FakeDistribution(
                "c",
                license="Copyright (c) 2001 Somebody\nAll rights reserved...",
                classifiers=["License :: OSI Approved", "License :: OSI Approved :: BSD License"],
            ),
            ("BSD-OSI", "classifiers"),
        ),
        (
            FakeDistribution(
                "d",
                license="Dual License",
                classifiers=[
                    "License :: OSI Approved :: Apache Software License",
                    "License :: OSI Approved :: BSD License",
                ],
            ),
            ("Apache-2.0 AND BSD-OSI", "classifiers"),
        ),
        (FakeDistribution("e", license="UNKNOWN"), ("", "nothing usable in the metadata")),
    ],
)
def test_a_licence_is_read_from_the_expression_then_the_licence_field_then_the_classifiers(dist, expected):
    assert notices.licence_of(dist) == expected


def test_an_unknown_licence_fails_naming_the_package_unless_reviewed_with_a_reason(monkeypatch):
    dist = FakeDistribution("oddball", license="The Oddball Licence v2")
    expression, source = notices.licence_of(dist)
    assert notices.verdict(expression) == "unknown"
    monkeypatch.setitem(notices.REVIEWED, "oddball", ("MIT", "its LICENSE file is the MIT text, checked 2026-11-29"))
    assert notices.licence_of(dist) == ("MIT", "reviewed: its LICENSE file is the MIT text, checked 2026-11-29")
    assert notices.verdict("MIT") == "compatible"


def test_an_unknown_classifier_is_not_taken_for_a_licence():
    dist = FakeDistribution("f", classifiers=["License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)"])
    expression, _ = notices.licence_of(dist)
    assert notices.verdict(expression) == "unknown" and "Eclipse" in expression


# --- files vendored into the repository ------------------------------------------------------
ASSET = re.compile(r"\.(png|jpe?g|gif|webp|svg|ico|ttf|otf|woff2?|onnx|tflite|wav|mp3|mp4|js|css)$", re.IGNORECASE)
#: assets that are talkfarm's own work, with where that is shown
OWN_WORK = {
    "media/render/builtin/builtin_lipsync.onnx": "exported from media/render/builtin/model.py (no learned weights)",
    "api/web/static/page.css": "the web page's own style sheet",
    "api/web/static/page.js": "the web page's own script",
}
#: folders whose files are renders talkfarm made of the preset portraits (licences in their ATTRIBUTION.md)
OWN_RENDERS = ("docs/",)


def tracked_files() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return [line for line in done.stdout.splitlines() if (REPO / line).exists()]


def test_every_preset_portrait_is_attributed_with_its_licence():
    folder = REPO / "domain" / "presets" / "portraits"
    attribution = (folder / "ATTRIBUTION.md").read_text()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+)`.*$", attribution, re.MULTILINE)}
    for image in sorted(p.name for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")):
        assert image in rows, f"{image} is not in ATTRIBUTION.md"
        assert re.search(r"public domain|CC0", rows[image]), f"{image}: its ATTRIBUTION.md row names no licence"


def test_vendored_files_sit_beside_their_licence_and_nothing_else_is_unaccounted_for():
    unaccounted = []
    for path in tracked_files():
        if not ASSET.search(path) or path in OWN_WORK or path.startswith(OWN_RENDERS):
            continue
        folder = (REPO / path).parent
        if path.startswith("domain/presets/portraits/"):
            continue  # checked row by row above
        if not any(p.name.upper().startswith(("LICENSE", "LICENCE", "COPYING")) for p in folder.iterdir()):
            unaccounted.append(path)
    assert not unaccounted, f"assets with no licence file beside them and not marked as talkfarm's own: {unaccounted}"
    assert (REPO / "ops" / "compose-spec" / "LICENSE").is_file()
    fonts = [p for p in tracked_files() if re.search(r"\.(ttf|otf|woff2?)$", p, re.IGNORECASE)]
    notices = (REPO / "THIRD_PARTY_NOTICES.md").read_text()
    unlisted = [p for p in fonts if f"`{p}`" not in notices]
    assert unlisted == [], "a font file is vendored: give it its licence and a row in THIRD_PARTY_NOTICES.md"


def test_the_image_build_carries_the_licence_files_the_wheel_lists():
    """pyproject's license-files must reach the Docker build context, or the wheel build fails there."""
    with open(REPO / "pyproject.toml", "rb") as f:
        licence_files = tomllib.load(f)["project"]["license-files"]
    assert {"LICENSE", "THIRD_PARTY_NOTICES.md"} <= set(licence_files)
    copied = " ".join(
        line
        for line in (REPO / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
    ).split()
    allowed = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    for name in licence_files:
        assert name in copied, f"the Dockerfile does not copy {name} into the build"
        assert f"!{name}" in allowed, f".dockerignore keeps {name} out of the build context"
