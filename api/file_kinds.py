"""What an upload is when it is no picture, video, audio or font, as a refusal names it ("this file is a PDF
document"), from its first bytes: the files a newsroom has at hand and sends by mistake. None when it is
none of these: the refusal then says only what the farm takes."""

from __future__ import annotations

import io
import zipfile

#: leading bytes -> what a file beginning with them is
_SIGNATURES = (
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Word, Excel or PowerPoint document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
)
#: a ZIP's first folder -> the Office document it makes
_OFFICE_FOLDERS = {"word": "a Word document", "xl": "an Excel spreadsheet", "ppt": "a PowerPoint presentation"}
#: bytes read as text to tell text from binary
_TEXT_PROBE = 4096


def file_kind(data: bytes) -> str | None:
    """'a PDF document', 'a Word document', 'plain text', …; None for bytes none of these begin as."""
    if b"%PDF-" in data[:1024]:  # a PDF may have a little before its header
        return "a PDF document"
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data.startswith(b"PK\x03\x04"):
        return _zipped(data)
    text = _as_text(data[:_TEXT_PROBE])
    if text is None:
        return None
    start = text.lstrip().lower()
    if start.startswith(("<!doctype html", "<html")):
        return "a web page (HTML)"
    if "<svg" in start[:1024]:
        return "an SVG drawing"
    if start.startswith("<?xml"):
        return "an XML document"
    return "plain text"


def _zipped(data: bytes) -> str:
    """A Word, Excel or PowerPoint file or an OpenDocument is a ZIP: named by what it holds (its directory)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            for name in names:
                if name.split("/")[0] in _OFFICE_FOLDERS and "/" in name:
                    return _OFFICE_FOLDERS[name.split("/")[0]]
            if "mimetype" in names:
                with archive.open("mimetype") as member:  # streamed: a bomb of a member is read 100 bytes deep
                    if member.read(100).startswith(b"application/vnd.oasis.opendocument"):
                        return "an OpenDocument file"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError):
        pass  # a ZIP cut short or of a method Python lacks: still a ZIP
    return "a ZIP archive"


def _as_text(head: bytes) -> str | None:
    """The bytes as UTF-8 text with no control character but tab, newline, return and form feed; else None."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut by the probe's end
            return None
        text = head[: exc.start].decode("utf-8-sig")
    if not text.strip() or any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return None
    return text
