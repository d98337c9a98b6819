"""The client commands against a real HTTP server (the API app on SQLite, in a
thread): `jobs list|events|retry|cancel`, `keys list|revoke`, `catalog`,
`usage`, `workers`; `--json` prints the API's own document; the API's
problems become `error: <code>` on stderr and exit 1."""

from __future__ import annotations

import json

import pytest


def test_submit_json_then_jobs_list_cancel_events_and_retry(talkfarm, keys):
    submitted = talkfarm(keys["alpha"], "submit", "Hello there.", "--avatar", "astronaut", "--json")
    assert submitted.exit_code == 0, submitted.stderr
    job = json.loads(submitted.stdout)  # stdout is the document alone; the chatter went to stderr
    assert job["status"] == "queued" and "submitted" in submitted.stderr

    listed = talkfarm(keys["alpha"], "jobs", "list", "--json")
    assert [j["id"] for j in json.loads(listed.stdout)["items"]] == [job["id"]]
    table = talkfarm(keys["alpha"], "jobs", "list", "--status", "queued")
    assert job["id"] in table.stdout and "queued" in table.stdout
    assert "no jobs" in talkfarm(keys["beta"], "jobs", "list").stdout

    canceled = talkfarm(keys["alpha"], "jobs", "cancel", job["id"])
    assert canceled.exit_code == 0 and f"{job['id']} is canceled" in canceled.stdout
    retried = talkfarm(keys["alpha"], "jobs", "retry", job["id"], "--json")
    assert json.loads(retried.stdout)["status"] == "queued"
    events = talkfarm(keys["alpha"], "jobs", "events", job["id"], "--json")
    assert [e["kind"] for e in json.loads(events.stdout)["items"]] == ["created", "canceled", "retried"]
    assert "retried" in talkfarm(keys["alpha"], "jobs", "events", job["id"]).stdout


@pytest.mark.parametrize(
    "args, code",
    [
        (["jobs", "retry", "job_00000000000000000000000000"], "job_not_found"),
        (["jobs", "cancel", "job_00000000000000000000000000"], "job_not_found"),
        (["jobs", "events", "job_00000000000000000000000000"], "job_not_found"),
        (["keys", "revoke", "key_00000000000000000000000000"], "key_not_found"),
        (["workers"], "forbidden_scope"),
        (["usage", "--tenant", "beta"], "forbidden_scope"),
        (["keys", "list", "--tenant", "beta"], "forbidden_scope"),
    ],
)
def test_the_apis_problems_are_printed_with_their_code_and_exit_1(talkfarm, keys, args, code):
    result = talkfarm(keys["alpha"], *args)
    assert result.exit_code == 1 and f"error: {code}:" in result.stderr and result.stdout == ""


def test_retrying_a_queued_job_says_409_job_not_retryable(talkfarm, keys):
    job = json.loads(talkfarm(keys["alpha"], "submit", "Hi.", "--avatar", "astronaut", "--json").stdout)
    result = talkfarm(keys["alpha"], "jobs", "retry", job["id"])
    assert result.exit_code == 1 and "job_not_retryable" in result.stderr


def test_keys_list_and_revoke(talkfarm, keys):
    listed = json.loads(talkfarm(keys["ops"], "keys", "list", "--json").stdout)["items"]
    beta = next(k for k in listed if k["tenant"] == "beta")
    revoked = talkfarm(keys["ops"], "keys", "revoke", beta["id"])
    assert revoked.exit_code == 0 and f"revoked {beta['id']}" in revoked.stdout
    refused = talkfarm(keys["beta"], "jobs", "list")
    assert refused.exit_code == 1 and "invalid_api_key" in refused.stderr
    active = json.loads(talkfarm(keys["ops"], "keys", "list", "--active", "--json").stdout)["items"]
    assert beta["id"] not in {k["id"] for k in active}
    table = talkfarm(keys["alpha"], "keys", "list").stdout
    assert "alpha" in table and "beta" not in table


def test_catalog_workers_and_usage_for_people_and_as_json(talkfarm, keys):
    catalog = talkfarm(keys["alpha"], "catalog")
    assert "astronaut" in catalog.stdout and "resolution" in catalog.stdout and "128–2048" in catalog.stdout
    assert json.loads(talkfarm(keys["alpha"], "catalog", "--json").stdout)["params"]
    assert "no workers" in talkfarm(keys["ops"], "workers").stdout
    assert json.loads(talkfarm(keys["ops"], "workers", "--all", "--json").stdout) == {"items": []}
    usage = talkfarm(keys["ops"], "usage", "--days", "7")
    assert all(name in usage.stdout for name in ("alpha", "beta", "ops"))
    assert [t["tenant"] for t in json.loads(talkfarm(keys["alpha"], "usage", "--json").stdout)["tenants"]] == ["alpha"]


def test_no_key_and_no_farm_are_told_apart(talkfarm, sqlite_settings, monkeypatch):
    no_key = talkfarm("", "jobs", "list")
    assert no_key.exit_code == 2 and "no_api_key" in no_key.stderr
    monkeypatch.setenv("TALKFARM_API_URL", "http://127.0.0.1:9")
    down = talkfarm("tfk_x", "jobs", "list")
    assert down.exit_code == 2 and "api_unreachable" in down.stderr


def test_submit_draft_then_approve_it(talkfarm, keys, sessions):
    from domain import lifecycle
    from tests.unit.api.test_job_history_retry import claim

    draft = json.loads(talkfarm(keys["alpha"], "submit", "Hi.", "--avatar", "astronaut", "--draft", "--json").stdout)
    assert draft["draft"] is True
    early = talkfarm(keys["alpha"], "jobs", "approve", draft["id"])
    assert early.exit_code == 1 and "draft_not_succeeded" in early.stderr
    token = claim(sessions, draft["id"])
    with sessions() as session, session.begin():
        lifecycle.succeed(session, token, {"key": "k", "duration_s": 1.0}, {})
    approved = talkfarm(keys["alpha"], "jobs", "approve", draft["id"])
    assert approved.exit_code == 0 and f"approved {draft['id']}: final job job_" in approved.stdout
    table = talkfarm(keys["alpha"], "jobs", "list").stdout
    assert "draft" in table and "final" in table


def _narration(path):
    import numpy as np

    from media.encode.wav import wav_bytes

    t = np.arange(24000 * 2) / 24000
    path.write_bytes(wav_bytes((0.3 * np.sin(2 * np.pi * 180 * t)).astype(np.float32), 24000))
    return path


def test_submit_a_narration_file_with_its_transcript_from_a_file(talkfarm, keys, tmp_path, sessions):
    from domain.models import Job

    audio = _narration(tmp_path / "narration.wav")
    words = tmp_path / "words.txt"
    words.write_text("Good evening from the newsroom.", encoding="utf-8")

    done = talkfarm(
        keys["alpha"], "submit", "--audio", str(audio), "--transcript", str(words), "--avatar", "astronaut", "--json"
    )

    assert done.exit_code == 0, done.stderr
    job = json.loads(done.stdout)
    assert "uploaded narration.wav as ast_" in done.stderr
    with sessions() as session:
        spec = session.get(Job, job["id"]).spec
    assert spec["audio_asset_id"].startswith("ast_") and spec.get("script") is None
    assert spec["transcript"] == "Good evening from the newsroom."


def test_submit_refuses_a_script_with_audio_or_a_transcript_without_audio_before_sending_anything(
    talkfarm, keys, tmp_path, sessions, sqlite_settings
):
    from tests.unit.api.test_requests import nothing_stored

    audio = _narration(tmp_path / "narration.wav")
    for args in (["Hello.", "--audio", str(audio)], ["Hello.", "--transcript", "Hello."], []):
        refused = talkfarm(keys["alpha"], "submit", *args, "--avatar", "astronaut")
        assert refused.exit_code == 2, refused.output
        assert "SCRIPT or --audio" in refused.output or "--transcript goes with --audio" in refused.output
    nothing_stored(sessions, sqlite_settings)


def test_submit_refuses_an_avatar_file_that_is_no_picture_before_uploading_it(
    talkfarm, keys, tmp_path, sessions, sqlite_settings
):
    from tests.unit.api.test_requests import nothing_stored

    tone = _narration(tmp_path / "tone.wav")
    refused = talkfarm(keys["alpha"], "submit", "Hi.", "--avatar", str(tone), "--canvas", "1280x720")
    assert refused.exit_code == 2, refused.output
    assert "tone.wav is not a picture" in refused.output and "uploaded tone.wav" not in refused.output
    nothing_stored(sessions, sqlite_settings)
    # a 4 GB file given by mistake is judged by its first megabyte, not read whole (it is sparse here)
    huge = tmp_path / "footage.mov"
    with huge.open("wb") as f:
        f.truncate(4 << 30)
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused = talkfarm(keys["alpha"], "submit", "Hi.", "--avatar", str(huge))
    assert refused.exit_code == 2 and "footage.mov is not a picture" in refused.output
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 512 * 1024  # KiB: far below 4 GB


def test_submit_uploads_audio_as_narration_so_a_picture_is_refused_and_not_kept(
    talkfarm, keys, tmp_path, sessions, sqlite_settings
):
    from tests import composition_files as files
    from tests.unit.api.test_requests import nothing_stored

    picture = tmp_path / "face.png"
    picture.write_bytes(files.portrait())
    refused = talkfarm(keys["alpha"], "submit", "--audio", str(picture), "--avatar", "astronaut")
    assert refused.exit_code == 1 and "error: asset_purpose_invalid: Narration is audio" in refused.stderr
    nothing_stored(sessions, sqlite_settings)


def test_submit_narration_by_an_asset_id_that_does_not_exist_is_the_apis_problem(talkfarm, keys):
    missing = talkfarm(keys["alpha"], "submit", "--audio", "ast_01m0000000000000000000000", "--avatar", "astronaut")
    assert missing.exit_code == 1 and "error:" in missing.stderr


def test_a_batchs_refusals_print_their_characters_not_escapes(talkfarm, keys, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text('script,avatar,language\n"Hola.",astronaut,es\n"北京からこんにちは。",astronaut,en\n', "utf-8")
    refused = talkfarm(keys["alpha"], "batch", str(rows))
    assert refused.exit_code == 1 and "script_unreadable" in refused.stderr
    assert "(北 京)" in refused.stderr and "\\u5317" not in refused.stderr  # the row's detail, readable


def test_keys_create_prints_the_key_or_with_json_its_document(talkfarm, keys):
    """`keys create` had no --json, though every client command takes one: a script minting keys for a CMS had to
    parse a bare line and had no id to revoke the key by."""
    plain = talkfarm(keys["ops"], "keys", "create", "--tenant", "gamma")
    assert plain.exit_code == 0 and plain.stdout.strip().startswith("tf")
    made = talkfarm(keys["ops"], "keys", "create", "--tenant", "gamma", "--expires", "30d", "--json")
    assert made.exit_code == 0, made.output
    document = json.loads(made.stdout)
    assert document["tenant"] == "gamma" and document["scope"] == "tenant" and document["expires_at"]
    assert document["prefix"] == document["key"][:12]
    listed = json.loads(talkfarm(document["key"], "keys", "list", "--json").stdout)["items"]
    assert document["id"] in {k["id"] for k in listed}  # the key works, and is the one listed by its id
