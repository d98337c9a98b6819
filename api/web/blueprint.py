"""The page's blueprint and its CSRF protection, which every page module registers with."""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFProtect

page = Blueprint("page", __name__, template_folder="templates", static_folder="static", static_url_path="/page-static")
csrf = CSRFProtect()
