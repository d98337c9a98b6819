"""`talkfarm up` prints the page's address and a one-time sign-in link that
works once, in a real browser, on the embedded farm (no servers)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.services import free_port, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def up_log(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
    env.update(TALKFARM_DATA_DIR=str(tmp_path / "data"), TALKFARM_API_URL=f"http://127.0.0.1:{port}")
    log_path = tmp_path / "up.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "up", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(
            lambda: "Web page:" in log_path.read_text(errors="replace") or proc.poll() is not None,
            120,
            "talkfarm up to print the page",
        )
        assert proc.poll() is None, log_path.read_text()
        yield log_path.read_text(errors="replace"), port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # nothing to drain: no job was submitted
            proc.wait(timeout=30)


def test_talkfarm_up_prints_the_page_and_a_link_that_signs_in_once(up_log, browser):
    text, port = up_log
    line = next(line for line in text.splitlines() if line.startswith("Web page:"))
    assert f"http://127.0.0.1:{port}/" in line
    link = re.search(r"(http://\S+/sign-in/link/\S+)", line).group(1)
    for attempt in ("first", "second"):
        context = browser.new_context()
        try:
            tab = context.new_page()
            tab.goto(link)
            if attempt == "first":  # the local key is operator-scoped: the person at the machine runs the farm
                expect(tab.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
                expect(tab.get_by_role("link", name="Workers")).to_be_visible()
            else:
                expect(tab.locator('[data-code="sign_in_link_invalid"]')).to_be_visible()
        finally:
            context.close()
