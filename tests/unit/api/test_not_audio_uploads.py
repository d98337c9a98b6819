"""A file tried as audio that is none (a PDF sent as narration or music, or with no purpose) is refused
saying what the upload takes and what the file is, never with FFmpeg's errno, and stores nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from api.file_kinds import file_kind
from tests import composition_files as files
from tests.unit.api.test_compositions import upload
from tests.unit.api.test_requests import assert_problem, nothing_stored

FFMPEG_WORDS = ("Errno", "FFmpeg", "Invalid data", "<none>", "audio that can be decoded")
NARRATION = "Narration is audio (WAV, MP3, M4A, Ogg or FLAC)"


def word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "Good evening. " * 200 + "</w:document>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name, purpose, status, code, detail",
    [
        (files.document, "script.pdf", "narration", 422, "asset_purpose_invalid", f"{NARRATION}; this file is a PDF document."),
        (files.document, "bed.pdf", "music", 422, "asset_purpose_invalid", "Music is audio (WAV, MP3, M4A, Ogg or FLAC); this file is a PDF document."),
        (word_document, "script.docx", "narration", 422, "asset_purpose_invalid", f"{NARRATION}; this file is a Word document."),
        (lambda: bytes(range(256)) * 8, "noise.bin", "narration", 422, "asset_purpose_invalid", f"{NARRATION}; this file is none of those."),
        (files.video, "silent.mp4", "narration", 422, "asset_purpose_invalid", f"{NARRATION}; this file is a video without sound."),
        (files.document, "script.pdf", None, 415, "asset_unsupported_type", "audio (WAV, MP3, M4A, Ogg or FLAC) or a font (TTF or OTF); this file is a PDF document."),
        (lambda: b"Good evening. Here is the news.\n" * 20, "script.txt", None, 415, "asset_unsupported_type", "; this file is plain text."),
        # a GIF cut short: Pillow reads no header from it, and FFmpeg took it for a video ("this file is a video")
        (lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "x.gif", "logo", 415, "asset_unsupported_type", "GIF images are not accepted; send JPEG, PNG or WebP."),
    ],
    ids=["PDF as narration", "PDF as music", "Word as narration", "noise as narration", "silent video as narration", "PDF, no purpose", "text, no purpose", "GIF cut short as a logo"],
)  # fmt: skip
def test_a_file_that_is_not_audio_is_refused_saying_what_it_is_not_what_ffmpeg_made_of_it(
    alpha, sessions, sqlite_settings, data, name, purpose, status, code, detail
):
    refused = assert_problem(upload(alpha, data(), name, purpose), status, code)
    assert refused["detail"].endswith(detail)
    assert not any(word in refused["detail"] for word in FFMPEG_WORDS)
    nothing_stored(sessions, sqlite_settings)


def test_audio_cut_short_is_still_taken_for_what_it_holds(alpha):
    taken = upload(alpha, files.music()[:20_000], "cut.wav", "narration")
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["kind"] == "audio"


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (word_document(), "a Word document"),
        (b"PK\x03\x04" + b"\0" * 40, "a ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40, "a Word, Excel or PowerPoint document"),
        (b"{\\rtf1\\ansi Good evening.}", "an RTF document"),
        (b"<!DOCTYPE html>\n<html><body>Good evening.</body></html>", "a web page (HTML)"),
        ("Bonsoir. Voici les nouvelles de la soirée.\n".encode() * 200, "plain text"),
        (bytes(range(256)), None),
    ],
)
def test_a_file_that_is_no_media_is_named_by_its_first_bytes(data, kind):
    assert file_kind(data) == kind
