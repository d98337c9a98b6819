"""What the page says when the API refuses: sentences for a person, in one place.

The API's problem+json is written for a program (a stable ``code``, a detail,
and for schema errors marshmallow's "Length must be between 1 and 64."). The
page turns each into what to do next: by the form field concerned (a schema
error on ``avatar`` means no portrait was chosen), else by the code, else the
API's own detail, which is already a sentence. The code stays on the element
(``data-code``) for tests and for support, not in the text a person reads.
"""

from __future__ import annotations

#: schema errors (validation_error, field_too_long, …) by the form field they concern
BY_FIELD = {
    "avatar": "Choose a portrait or a preset.",
    "script": "Write what the presenter says.",
    "voice": "Choose a voice from the list.",
    "title": "Give the video a title of at most 200 characters.",
    "canvas": "Choose an aspect ratio.",
    "character": "Place the presenter with a size between 0.1 and 2, and a position between −1 and 1.",
    "character.scale": "The presenter's size is a number between 0.1 and 2.",
    "character.offset": "The presenter's position is a pair of numbers between −1 and 1.",
    "background": "Choose a background: a colour, an uploaded image, the portrait, or transparent.",
    "background.color": "A colour is written like #1f2937.",
    "overlays": "The lower third needs a line of text.",
    "captions": "Choose a caption style: none, subtitles or word by word.",
    "music": "Upload the music first, or choose no music.",
    "webhook_url": "Give the address as https://… .",
    "url": "Give the address as https://… .",
    "name": "Give it a name.",
}
#: the API's codes that have a clearer sentence than its detail
BY_CODE = {
    "avatar_unknown": "That portrait is not one the farm knows. Choose a portrait or a preset.",
    "preset_not_found": "That preset portrait does not exist. Choose one from the list.",
    "asset_not_found": "That file is no longer on the farm. Upload it again.",
    "avatar_not_image": "A portrait is a picture (JPEG, PNG or WebP).",
    "avatar_no_face": "No face was found in that picture. Choose a photo with one face clearly visible.",
    "avatar_too_small": "The face in that picture is too small. Choose a closer or larger photo.",
    "script_empty": "Write what the presenter says.",
    "voice_unknown": "Choose a voice from the list.",
    "voice_unavailable": "That voice is not installed on this farm. Choose another.",
    "voice_language_mismatch": "That voice speaks another language than the script. Choose a voice for the "
    "script's language, or leave the default.",
    "language_unknown": "The farm has no voice for the script's language.",
    "voice_with_audio": "A narration speaks for itself: leave the voice on the default.",
    "model_unknown": "Choose a model from the list.",
    "no_compatible_pool": "No part of this farm can render with that model. Choose another.",
    "asset_empty": "Choose a file first.",
    "asset_unsupported_type": "The farm cannot use that kind of file.",
    "asset_purpose_mismatch": "That file was uploaded for another use. Upload it here again.",
    "background_invalid": "Choose a background: a colour, an uploaded image, the portrait, or transparent.",
    "too_many_jobs_in_flight": "Too many videos are being made at once. Wait for some to finish, then submit again.",
    "batch_file_missing": "Choose the filled spreadsheet (CSV) to upload.",
    "batch_empty": "The spreadsheet has no rows under its header.",
    "batch_invalid": "Some rows have problems, listed below by their line in the file; nothing was made.",
    "variable_missing": "Fill in every required column.",
    "variable_unknown": "The spreadsheet has a column the template does not use.",
    "text_overflow": "A text is too long to fit its place on the picture. Shorten it.",
    "template_variable_unused": "Every variable must appear somewhere in the design.",
    "character_invalid": "Place the presenter with a size from 0.1 to 2, across and down from −1 to 1.",
    "canvas_invalid": "Choose an aspect ratio.",
    "captions_invalid": "Choose a caption style: none, subtitles or word by word.",
    "music_invalid": "Upload the music again, or choose no music.",
    "overlay_invalid": "The lower third takes one or two lines of text.",
    "overlay_timing": "A text's end comes after its start.",
    "text_undrawable": "The lower third has characters the farm has no font for (a script such as Khmer or "
    "Tibetan, or a rare symbol): they would show as boxes. Take them out.",
    "transparent_needs_webm": "A transparent background needs a WebM video.",
}
#: codes said otherwise beside another field than the one BY_CODE speaks of (the lower third)
BY_FIELD_AND_CODE = {
    ("title_overlay", "overlay_invalid"): "The title takes a few lines of text at most.",
    ("title_overlay", "text_undrawable"): "The title has characters the farm has no font for (a script such as "
    "Khmer or Tibetan, or a rare symbol): they would show as boxes. Take them out.",
    ("logo", "overlay_invalid"): "Choose the logo's corner from the list.",
    ("logo", "asset_not_found"): "That logo is no longer on the farm. Upload it again.",
}
#: a template's value refused, said beside the value's own field (so "this" is the field)
BY_VALUE_CODE = {
    "variable_missing": "Fill this in: the template has no default for it.",
    "text_undrawable": "This has characters the farm has no font for (a script such as Khmer or Tibetan, or a "
    "rare symbol): they would show as boxes. Take them out.",
    "text_overflow": "This is too long to fit its place on the picture. Shorten it.",
    "script_empty": "Write what the presenter says.",
    "voice_language_mismatch": "That voice speaks another language than the script. Choose a voice for the "
    "script's language, or leave the default.",
}
#: a value of the wrong kind (``variable_type``), by the variable's type
BY_VALUE_TYPE = {
    "voice": "Choose a voice from the list.",
    "color": "A colour is written like #1f2937.",
    "image": "Give the id (ast_…) of an uploaded picture.",
    "video": "Give the id (ast_…) of an uploaded video.",
    "audio": "Give the id (ast_…) of an uploaded sound file.",
    "text": "Write it as text.",
}
#: schema codes whose detail is marshmallow's wording: the field's sentence replaces it
SCHEMA_CODES = frozenset({"validation_error", "unknown_field", "field_too_long", "param_out_of_range"})


def sentence(code: str, field: str, detail: str) -> str:
    """What to tell a person about ``code`` on ``field`` (``detail`` is the API's wording)."""
    if (field, code) in BY_FIELD_AND_CODE:
        return BY_FIELD_AND_CODE[field, code]
    if code in SCHEMA_CODES:
        for name in (field, field.split(".")[0]):
            if name in BY_FIELD:
                return BY_FIELD[name]
    if code in BY_CODE:
        return BY_CODE[code]
    return detail


#: what the API tells a program a script's language needs (a ``language`` field the page does not show)
_LANGUAGE_ADVICE = " Set language if the detection is wrong."


def no_voice_for_script(detail: str) -> str:
    """Beside the script, when no voice was chosen and none speaks the script's language (``voice_unknown``): the
    API's own detail, which names the language it detected ("The script is in Khmer (km), as detected. No voice
    speaks 'km'."), without its advice to set a field the page has none of, and what a person can do instead."""
    said = detail.replace(_LANGUAGE_ADVICE, "").strip()
    return f"{said} The voice list shows the languages this farm speaks."


def value_sentence(code: str, variable: dict | None, detail: str) -> str:
    """What to tell a person beside a template's value field (``variable``; None: the form as a whole) about
    ``code``; ``detail`` is the API's wording, with no field path left in it."""
    if variable is not None:
        if code == "variable_type" and variable.get("type") in BY_VALUE_TYPE:
            return BY_VALUE_TYPE[variable["type"]]
        if code in BY_VALUE_CODE:
            return BY_VALUE_CODE[code]
    return sentence(code, variable["name"] if variable else "render", detail)
