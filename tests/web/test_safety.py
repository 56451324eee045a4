"""What keeps personal data in: the app listens on 127.0.0.1 unless told otherwise (and then warns), every browser
session's uploads live in its own temporary folder that is removed when the session ends, and nothing is left when
the server stops."""

import os
import subprocess
import sys
import time

from tests.web.conftest import DATA, Server, free_port, upload


def test_another_host_is_warned_about(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cocreate.cli", "serve", "--host", "0.0.0.0", "--port", str(port),
                             "--no-browser"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(15)
    assert line.startswith("warning: --host 0.0.0.0 lets other computers on the network reach the app")


def test_a_session_folder_is_removed_when_the_session_ends(browser, tmp_path, monkeypatch):
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "1s")
    server = Server()
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url + "/")
        upload(page, "upload-pool", DATA / "example_pool.csv")
        page.wait_for_selector(".uploaded-pool")
        held = list(temp.glob("cocreate-web-*/session-*/draw-pool/example_pool.csv"))
        assert len(held) == 1, list(temp.rglob("*"))
        assert held[0].read_bytes() == (DATA / "example_pool.csv").read_bytes()
        context.close()  # the tab is closed: the session ends after the cull timeout
        deadline = time.monotonic() + 30
        while held[0].parent.parent.exists() and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not held[0].parent.parent.exists(), "the session's folder outlived the session"
    finally:
        server.stop()
    assert not list(temp.glob("cocreate-web-*")), os.listdir(temp)  # nothing left once the server stopped
