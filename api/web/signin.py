"""Signing in with an API key (or a one-time link) and out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from api.context import ctx
from api.web.blueprint import page
from api.web.session import end_session, principal_for, redeem_sign_in_link, safe_next, start_session

REASONS = {"revoked": "You were signed out: your API key was revoked or is no longer valid."}


@page.route("/")
def home():
    return redirect(url_for("page.jobs"))


@page.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    errors = {}
    next_path = safe_next(request.values.get("next") or "")
    if request.method == "POST":
        key = request.form.get("api_key", "").strip()
        principal = principal_for(key) if key else None
        if principal is not None:
            start_session(principal)
            return redirect(next_path or url_for("page.jobs"), 303)
        errors["api_key"] = (
            {"code": "api_key_missing", "message": "Paste your API key."}
            if not key
            else {"code": "invalid_api_key", "message": "That API key is not valid or was revoked."}
        )
    status = 401 if errors else 200
    return render_template(
        "sign_in.html",
        title="Sign in",
        errors=errors,
        next=next_path,
        reason=REASONS.get(request.args.get("reason", "")),
    ), status


@page.route("/sign-in/link/<token>")
def sign_in_link(token):
    key = redeem_sign_in_link(ctx().settings, token)
    principal = principal_for(key) if key else None
    if principal is None:
        return render_template(
            "sign_in.html",
            title="Sign in",
            errors={
                "api_key": {
                    "code": "sign_in_link_invalid",
                    "message": "That sign-in link was already used or has expired; paste an API key instead.",
                }
            },
            next=None,
            reason=None,
        ), 401
    start_session(principal)
    return redirect(url_for("page.jobs"), 303)


@page.route("/sign-out", methods=["POST"])
def sign_out():
    end_session()
    flash("You are signed out.")
    return redirect(url_for("page.sign_in"), 303)
