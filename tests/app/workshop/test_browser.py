"""The workshop UI in a real browser: Debian's chromium driven by Playwright, on a tiny finished run.
Ask, edit a fact, apply: the rag column's passage shows the edited text and the change list records
the edit; bad input is a message in the page; planted markup stays text. A screenshot is kept in
the test's tmp dir."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

CHROMIUM = os.environ.get("RAGVSFT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium found: install Debian's (apt install chromium) or set RAGVSFT_CHROMIUM=/path/to/chrome"
)
TIMEOUT_MS = 120_000  # a cold page and a CPU answer on a shared machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ui_url(loaded_run):
    from app.workshop.app import serve

    port = _free_port()
    app = serve(loaded_run, host="127.0.0.1", port=port, share=False, block=False)
    yield f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser.new_page(viewport={"width": 1400, "height": 1600})
        browser.close()


def _wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }", arg=[selector, text], timeout=TIMEOUT_MS
    )


def test_ask_edit_apply_in_a_browser(ui_url, page, tmp_path):
    page.goto(ui_url)
    page.fill("#question textarea", "How many leave days do staff get?")
    page.click("#ask")
    _wait_text(page, "#answers .arm-rag .passage", "Staff get 27 days of leave.")
    assert page.locator("#answers .arm").count() == 5  # base, rag, lora, raft, hybrid side by side

    page.click("#apply-fact")  # no new value typed: a message in the page, not a stack trace
    _wait_text(page, "#message", "the new value is empty")
    assert "Traceback" not in page.inner_text("body")

    page.click("#fact input")
    page.click("li[role=option][aria-label^='f1:']")
    page.fill("#new-value input, #new-value textarea", "30")
    page.click("#apply-fact")
    _wait_text(page, "#answers .arm-rag .passage", "Staff get 30 days of leave.")
    _wait_text(page, "#changes", "f1: 27 -> 30")
    assert "Staff get 30 days" in page.input_value("#document-text textarea")  # the shown document as it now is
    changes = page.inner_text("#changes")
    assert "Leave Policy" in changes and " ms" in changes and "not yet: Retrain" in changes
    page.screenshot(path=str(tmp_path / "workshop-after-edit.png"), full_page=True)
    assert (tmp_path / "workshop-after-edit.png").stat().st_size > 10_000

    page.fill("#question textarea", "What is the mascot?")
    page.click("#ask")
    _wait_text(page, "#answers .arm-rag .passage", "<script>window.pwned = 1</script>")  # shown as text
    assert page.evaluate("window.pwned") is None
