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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    return browser.new_page(viewport={"width": 1400, "height": 1600})


def _wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }", arg=[selector, text], timeout=TIMEOUT_MS
    )


def test_ask_edit_apply_in_a_browser(ui_url, page, tmp_path):
    page.goto(ui_url)
    page.fill("#question textarea", "How many leave days do staff get?")
    page.click("#ask")
    _wait_text(page, "#answers .arm-rag .passage", "Staff get 27 days of leave.")
    assert page.locator("#answers .arm").count() == 6  # base, rag, lora, raft, hybrid, context side by side

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


def test_which_to_pick_gives_the_call_with_its_reasoning_and_refuses_in_a_sentence(ui_url, page, tmp_path):
    page.goto(ui_url)
    page.get_by_role("tab", name="Which to pick").click()
    page.fill("#advice-description textarea", "<script>window.pwned = 2</script> answers from a specific document, citation needed")
    page.click("#advice-ask")
    _wait_text(page, "#advice-answer", "Call:")
    answer = page.inner_text("#advice-answer")
    assert 'read from "specific document"' in answer and 'read from "citation needed"' in answer  # which words set which trait
    assert "keyword rule calls it RAG" in answer and "arms.rag.attribution" in answer  # the field each number is
    assert "<script>window.pwned = 2</script>" in answer and page.evaluate("window.pwned") is None  # shown as text
    page.screenshot(path=str(tmp_path / "workshop-which-to-pick.png"), full_page=True)

    page.click("#advice-removal input")  # a trait this run did not measure: not decided, with the command
    page.click("#advice-ask")
    _wait_text(page, "#advice-answer", "not decided by this evidence")
    assert "updates.deletions on" in page.inner_text("#advice-answer")

    page.fill("#advice-description textarea", "x" * 2001)
    page.click("#advice-ask")
    _wait_text(page, "#advice-message", "at most 2000 characters")
    assert "Traceback" not in page.inner_text("body")


def test_a_room_cannot_make_the_server_write_and_every_refusal_is_a_sentence(ui_url, browser, loaded_run, tmp_path, monkeypatch):
    """Save a round (the file is offered for download; nothing appears where a browser names a path,
    through the page or the API), ask an over-long question, delete every document and ask again,
    and two sessions at once that do not see each other's edits."""
    import hashlib
    import json
    import urllib.request

    def files(root):
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}

    monkeypatch.chdir(tmp_path)  # a relative path would land here
    run_before = files(loaded_run.run_dir)
    a = browser.new_page(viewport={"width": 1400, "height": 1600})
    b = browser.new_page(viewport={"width": 1400, "height": 1600})
    for page in (a, b):
        page.goto(ui_url)
    # two sessions at once: both ask, then only A edits; B still reads the old text
    for page in (a, b):
        page.fill("#question textarea", "How many leave days do staff get?")
        page.click("#ask")
    for page in (a, b):
        _wait_text(page, "#answers .arm-rag .passage", "Staff get 27 days of leave.")
    a.click("#fact input")
    a.click("li[role=option][aria-label^='f1:']")
    a.fill("#new-value input, #new-value textarea", "30")
    a.click("#apply-fact")
    _wait_text(a, "#answers .arm-rag .passage", "Staff get 30 days of leave.")
    b.click("#ask")
    _wait_text(b, "#message", "asked every arm")
    assert "Staff get 27 days of leave." in b.inner_text("#answers .arm-rag")

    a.click("#save-round")
    _wait_text(a, "#message", "for download below")
    with a.expect_download() as download:
        a.click("#saved-round a[download]")
    assert download.value.suggested_filename.endswith(".zip")

    # the API: the save endpoint takes no path, and paths sent anyway write nothing anywhere
    info = json.load(urllib.request.urlopen(f"{ui_url}/gradio_api/info"))
    save_api = next(name for name in info["named_endpoints"] if "save" in name)
    assert info["named_endpoints"][save_api]["parameters"] == []
    for path in ("/tmp/ragvsft-evil-abs", "../../ragvsft-evil-rel", "ragvsft-evil-here"):
        body = json.dumps({"data": [path]}).encode()
        request = urllib.request.Request(f"{ui_url}/gradio_api/call{save_api}", data=body, headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request).read()
        except urllib.error.HTTPError:
            pass  # refused is as good as ignored
    for evil in ("/tmp/ragvsft-evil-abs", tmp_path.parent.parent / "ragvsft-evil-rel", tmp_path / "ragvsft-evil-here"):
        assert not os.path.exists(evil)
    assert list(tmp_path.iterdir()) == [] and files(loaded_run.run_dir) == run_before

    a.fill("#question textarea", "How many days? " * 100)
    a.click("#ask")
    _wait_text(a, "#message", "at most 1,000 are accepted")

    for n, doc in enumerate(loaded_run.corpus.documents, start=2):  # delete every document: the next one is shown each time
        a.click("#delete")  # the over-long question still in the box: the deletion is made, the question not asked again
        _wait_text(a, "#message", f"change {n}: {doc.title} deleted; RAG dropped its chunks")
    assert "the question was not asked again: the question is 1,499 characters long" in a.inner_text("#message")
    assert a.input_value("#document-text textarea") == ""  # nothing left to show
    a.fill("#question textarea", "How many leave days do staff get?")
    a.click("#ask")
    _wait_text(a, "#answers .arm-rag", "nothing to retrieve")
    body = a.inner_text("body")
    assert "internal error" not in body and "Traceback" not in body
    a.screenshot(path=str(tmp_path.parent / "workshop-every-document-deleted.png"), full_page=True)
