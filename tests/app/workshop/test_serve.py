"""`ragvsft ui` as a process: its temp folder (every session's copy of the run, Gradio's copies of
the files it offers) is gone after it stops, whether by Ctrl-C or by a TERM signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "Ctrl-C"])
def test_stopping_the_ui_removes_its_temp_folder(tiny_run_dir, tmp_path, stop):
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ui", "--run", str(tiny_run_dir), "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # A shell without job control starts a background job (`pytest ... &`) with SIGINT ignored, and
        # the UI process would inherit that: Ctrl-C is what the test sends, so it gets the usual disposition.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.time() + 180
        while True:  # until it serves the page
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, proc.stdout.read() if proc.poll() is not None else "no page in 180 s"
                time.sleep(1)
        made = [p.name for p in tmp_path.iterdir() if p.name.startswith("ragvsft-ui-")]
        assert made, "the UI made no temp folder where TMPDIR points"
        proc.send_signal(stop)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("ragvsft-ui-")]
