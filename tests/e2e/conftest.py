"""A real app server and a real headless Chromium (Debian's; never a browser download)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("CONVSCOPE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
STARTUP_SECONDS = 180
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    """`streamlit run app.py`, headless, on localhost:port."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
    ]


def start_server(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py --server.headless true` on a free localhost port; returns once it is healthy."""
    port = free_port()
    proc = subprocess.Popen(
        streamlit_command(port),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, **(extra_env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the app did not start: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.5)


def stop_server(proc: subprocess.Popen) -> str:
    """Stop the server's process group; returns what it wrote to stderr (its log)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return err.decode(errors="replace")


@pytest.fixture(scope="session")
def server():
    """One app server shared by the browser tests, stopped afterwards."""
    proc, url = start_server()
    yield {"url": url, "pid": proc.pid}
    stop_server(proc)


def outside_requests(context) -> list[str]:
    """Record every request the browser makes to a host other than this machine (there must be none)."""
    seen: list[str] = []

    def check(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname not in LOCAL_HOSTS:
            seen.append(request.url)

    context.on("request", check)
    return seen


@pytest.fixture(scope="session")
def chromium_present() -> None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium chromium-driver (CI does)")


@pytest.fixture(scope="session")
def browser(chromium_present):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser session at 1280×800; fails the test if Streamlit shows an exception box
    or the browser asks any host but this machine for anything."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    outside = outside_requests(context)
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    SCREENSHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
    exceptions = pg.locator('[data-testid="stException"]').count()
    context.close()
    assert exceptions == 0, "Streamlit showed an exception box"
    assert not outside, f"the page made requests outside this machine: {outside[:5]}"
