"""The web app in a real browser: the tests start `cocreate serve` themselves on a free port (one per test module,
stopped after it; each test has its own browser session), and drive Debian's headless chromium with Playwright
(never a browser a test tool downloads; `make test` installs chromium).

Screenshots of every page go to the test's temporary folder; with COCREATE_SCREENSHOT_DIR set, the README's two
(``web-draw.png``, ``web-explore.png``) are copied there too (`docs/img`)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "selection" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`cocreate serve --no-browser` on a free port, in its own process group."""

    def __init__(self, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "TMPDIR": os.environ.get("TMPDIR", "/tmp")}
        self.proc = subprocess.Popen([sys.executable, "-m", "cocreate.cli", "serve", "--port", str(self.port),
                                      "--no-browser", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cocreate serve ended: {self.proc.stdout.read()}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("cocreate serve did not start within 60 s")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.stdout.read() if self.proc.stdout else ""


@pytest.fixture(scope="module")
def server():
    """One server per test module (each test gets its own browser context, so its own session)."""
    s = Server()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    try:
        yield page
    finally:
        context.close()


TALLEST = "Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))"


def shoot(page, tmp_path: Path, name: str, readme: bool = False, readme_height: int = 1500,
          readme_scale: float = 0.75) -> Path:
    """A screenshot of the whole page in the test's folder (the app scrolls inside its layout, so the viewport is
    made as tall as the content first); for the README's, its top ``readme_height`` pixels also go to
    COCREATE_SCREENSHOT_DIR, scaled by ``readme_scale``."""
    path = tmp_path / name
    size = page.viewport_size
    height = min(int(page.evaluate(TALLEST)) + 40, 9000)
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    target = os.environ.get("COCREATE_SCREENSHOT_DIR")
    if readme and target:
        from PIL import Image

        with Image.open(path) as im:
            top = im.crop((0, 0, im.width, min(im.height, readme_height)))
            top = top.resize((int(top.width * readme_scale), int(top.height * readme_scale)), Image.LANCZOS)
            top.save(Path(target) / name, optimize=True)
    return path


def upload(page, slot_class: str, path: Path) -> None:
    """Choose a file in the upload zone whose container has ``slot_class``."""
    page.locator(f".{slot_class} input[type=file]").set_input_files(str(path))
