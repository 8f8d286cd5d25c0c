"""Two replicas behind nginx (deploy/nginx.conf): every browser sticks to one replica and sees only its own results.

The test runs a copy of deploy/nginx.conf with its own port, replicas and paths (the plain string replacements
the file's header documents), opens several browser sessions through it and reads nginx's access log, which
names the replica (`upstream=`) that served every request and the affinity key it was routed by.
"""

from __future__ import annotations

import gzip
import http.client
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT
from tests.e2e.conftest import SCREENSHOTS, STARTUP_SECONDS, free_port, streamlit_command
from tests.e2e.helpers import choose_radio, main_text, nudge_slider, open_app, panel_shapes, settle, wait_for_text

NGINX = os.environ.get("CONVSCOPE_NGINX", "/usr/sbin/nginx")
CONF = ROOT / "deploy" / "nginx.conf"
REPLICAS = 2
COOKIE = "convscope_replica"
LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) .*upstream=(?P<upstream>\S+) affinity=(?P<key>\S+)'
    r"(?:.* cache=(?P<cache>\S+))?"
)
# One session each: (stride, pool stride, uploaded image (height, width) or None for the sample photo).
# The last two are routed on purpose, one to each replica, so both replicas are always used.
SESSIONS = [(2, 2, None), (4, 2, None), (2, 3, (70, 110)), (3, 3, (84, 126))]
SAMPLE = (300, 451)  # the default sample photo; the default filter is 3×3 and pooling a 2×2 window


def expected_shapes(stride: int, pool_stride: int, size: tuple[int, int] | None) -> list[str]:
    h, w = size or SAMPLE
    fh, fw = (h - 3) // stride + 1, (w - 3) // stride + 1
    ph, pw = (fh - 2) // pool_stride + 1, (fw - 2) // pool_stride + 1
    return [f"{h}×{w} grayscale", f"{fh}×{fw}", f"{fh}×{fw}", f"{ph}×{pw}"]


def nginx_config(workdir: Path, port: int, replica_ports: list[int]) -> str:
    """deploy/nginx.conf with this test's port, replicas and paths: the replacements its header documents."""
    text = CONF.read_text()
    for old, new in [
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("/run/nginx.pid", f"{workdir}/nginx.pid"),
        ("/var/log/nginx/", f"{workdir}/"),
        ("/var/lib/nginx/", f"{workdir}/"),
    ]:
        assert old in text, f"deploy/nginx.conf no longer contains {old!r}"
        text = text.replace(old, new)
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in replica_ports)
    text, count = re.subn(
        r"# replicas:begin\n.*?# replicas:end", f"# replicas:begin\n{servers}        # replicas:end", text, flags=re.S
    )
    assert count == 1, "deploy/nginx.conf lost its '# replicas:begin' / '# replicas:end' lines"
    return text


def wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url} did not become healthy: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.fixture(scope="module")
def proxy():
    """Two `streamlit run app.py` replicas (one cookie secret) behind nginx on free ports; all stopped afterwards."""
    if not (Path(NGINX).exists() or shutil.which(NGINX)):
        pytest.skip(f"no nginx at {NGINX}: apt-get install nginx (Debian's package; CI installs it)")
    # Readable by nginx's worker user (www-data when the test runs as root).
    workdir = Path(tempfile.mkdtemp(prefix="convscope-proxy-"))
    workdir.chmod(0o755)
    # One cookie secret for all replicas (Streamlit 1.67 takes it from the environment, not the command line).
    # No file watcher, as in production (deploy/Dockerfile): an edit in the working tree mid-test changes nothing.
    env = dict(
        os.environ,
        PYTHONDONTWRITEBYTECODE="1",
        STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_hex(16),
        STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
    )
    procs: list[subprocess.Popen] = []
    try:
        ports = [free_port() for _ in range(REPLICAS)]
        for port in ports:
            with open(workdir / f"replica-{port}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        streamlit_command(port),
                        cwd=ROOT,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        listen = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_config(workdir, listen, ports))
        with open(workdir / "nginx.out", "wb") as out:
            nginx = subprocess.Popen(
                [NGINX, "-c", str(conf), "-g", "daemon off;"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        procs.append(nginx)
        for port, proc in zip(ports, procs, strict=False):
            wait_healthy(f"http://127.0.0.1:{port}", proc, workdir / f"replica-{port}.log")
        url = f"http://127.0.0.1:{listen}"
        wait_healthy(url, nginx, workdir / "nginx.out")
        yield {
            "url": url,
            "replica_url": f"http://127.0.0.1:{ports[0]}",
            "workdir": workdir,
            "log": workdir / "convscope-access.log",
            "upstreams": [f"127.0.0.1:{p}" for p in ports],
            "pids": dict(zip([f"127.0.0.1:{p}" for p in ports], [p.pid for p in procs], strict=False)),
        }
    finally:
        for proc in reversed(procs):
            stop(proc)
        # Kept for a look after a failure: nginx's logs and the replicas' output (never image data).
        kept = SCREENSHOTS / "proxy-logs"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(
            workdir,
            kept,
            ignore=shutil.ignore_patterns("body", "proxy", "fastcgi", "uwsgi", "scgi", "convscope-static"),
        )
        shutil.rmtree(workdir, ignore_errors=True)


def access_log(proxy) -> list[dict[str, str]]:
    lines = proxy["log"].read_text().splitlines()
    return [m.groupdict() for m in map(LOG_LINE.search, lines) if m]


def cookie_for_each_replica(proxy) -> dict[str, str]:
    """A fresh affinity key for every replica: cookie-less requests, each routed by its new key."""
    found: dict[str, str] = {}
    for _ in range(40):
        with urllib.request.urlopen(f"{proxy['url']}/", timeout=10) as response:
            key = re.search(rf"{COOKIE}=([0-9a-f]{{32}})", response.headers["Set-Cookie"]).group(1)
        time.sleep(0.05)  # the log line is written after the response
        upstream = next(e["upstream"] for e in reversed(access_log(proxy)) if e["key"] == key)
        found.setdefault(upstream, key)
        if len(found) == REPLICAS:
            return found
    pytest.fail(f"40 new keys all went to {sorted(found)}")


def png(height: int, width: int, seed: int) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def wait_for_shapes(page, expected: list[str], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while panel_shapes(page) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    settle(page)
    if panel_shapes(page) != expected:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "proxy_failure.png"))
    assert panel_shapes(page) == expected, main_text(page)[:500]


def new_session(browser, proxy, key: str | None):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    if key:
        context.add_cookies([{"name": COOKIE, "value": key, "url": proxy["url"]}])
    page = context.new_page()
    page.set_default_timeout(90_000)
    return context, page


def set_up_session(page, proxy, i: int) -> None:
    stride, pool_stride, size = SESSIONS[i]
    open_app(page, proxy["url"])
    if size:
        choose_radio(page, "Upload")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            {"name": f"session{i}.png", "mimeType": "image/png", "buffer": png(*size, seed=i)}
        )
        wait_for_text(page, f"{size[0]}×{size[1]} grayscale")
    nudge_slider(page, "Stride", stride - 1)
    nudge_slider(page, "Pool stride", pool_stride - 2)
    wait_for_shapes(page, expected_shapes(*SESSIONS[i]))


def test_sessions_stay_on_their_replica_and_see_only_their_own_results(proxy, browser, record_property):
    started = time.monotonic()
    idle = {upstream: resident_mb(pid) for upstream, pid in proxy["pids"].items()}
    seeded = list(cookie_for_each_replica(proxy).values())
    sessions = []
    try:
        # The first sessions get their key from nginx; the last ones bring one (a returning browser).
        for i in range(len(SESSIONS)):
            key = seeded[i - (len(SESSIONS) - REPLICAS)] if i >= len(SESSIONS) - REPLICAS else None
            sessions.append(new_session(browser, proxy, key))
            set_up_session(sessions[-1][1], proxy, i)
        # Everyone has changed their settings: each page still shows its own.
        for i, (_, page) in enumerate(sessions):
            assert panel_shapes(page) == expected_shapes(*SESSIONS[i]), f"session {i} shows someone else's result"
            assert page.locator('[data-testid="stException"]').count() == 0, f"session {i}: an exception box"
        # Reload the sample-photo sessions: a new WebSocket and a new Streamlit session, on the same replica,
        # restored from the link. Rerun the upload sessions with one more setting: their photo lives in
        # their replica's memory, so the new result needs the same replica.
        for i, (_, page) in enumerate(sessions):
            stride, pool_stride, size = SESSIONS[i]
            if size:
                nudge_slider(page, "Pool stride", 1)
                pool_stride += 1
            else:
                page.reload()
                page.wait_for_selector('[data-testid="stMain"]')
                assert f"stride={stride}" in page.url
            wait_for_shapes(page, expected_shapes(stride, pool_stride, size))
        keys = {}
        for i, (context, page) in enumerate(sessions):
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"proxy_session_{i}.png"))
            assert page.locator('[data-testid="stException"]').count() == 0, f"session {i}: an exception box"
            keys[i] = next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
    except BaseException:
        SCREENSHOTS.mkdir(exist_ok=True)
        for i, (_, page) in enumerate(sessions):
            page.screenshot(path=str(SCREENSHOTS / f"proxy_failure_{i}.png"))
            print(f"session {i} at {page.url}:\n{main_text(page)[:300]}")
        raise
    finally:
        for context, _ in sessions:
            context.close()
    elapsed = time.monotonic() - started
    time.sleep(1)  # closed WebSockets are logged when nginx sees them close

    entries = access_log(proxy)
    by_key: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e["upstream"] != "-":
            by_key[e["key"]].add(e["upstream"])
    # (a) Every affinity key went to exactly one replica: page, static files, WebSockets, uploads.
    assert all(len(ups) == 1 for ups in by_key.values()), {k: v for k, v in by_key.items() if len(v) > 1}
    # Every session has its own key, and its WebSockets (two after a reload) went through it.
    assert len(set(keys.values())) == len(SESSIONS)
    for i, key in keys.items():
        streams = [e for e in entries if e["key"] == key and e["path"].startswith("/_stcore/stream")]
        assert streams and all(e["status"] == "101" for e in streams), f"session {i}: {streams}"
        if SESSIONS[i][2]:
            uploads = [e for e in entries if e["key"] == key and e["path"].startswith("/_stcore/upload_file/")]
            assert uploads and all(e["status"] in {"200", "204"} for e in uploads), f"session {i}: {uploads}"
    # (b) Both replicas served sessions.
    served = {next(iter(by_key[key])) for key in keys.values()}
    assert served == set(proxy["upstreams"])
    # The rate limits never throttled a normal page load.
    assert not [e for e in entries if e["status"] in {"429", "503"}]

    for upstream, pid in proxy["pids"].items():
        sessions_there = sum(next(iter(by_key[k])) == upstream for k in keys.values())
        rss = resident_mb(pid)
        record_property(f"rss_mb_{upstream}", round(rss))
        print(
            f"\nreplica {upstream}: {sessions_there} sessions, resident memory {idle[upstream]:.0f} MB -> {rss:.0f} MB"
        )
    page_loads = sum(1 for e in entries if e["path"].split("?")[0] == "/")
    first = [e for e in entries if e["key"] == keys[0]]
    loads = [n for n, e in enumerate(first) if e["path"].split("?")[0] == "/"]
    print(
        f"{len(entries)} requests through nginx ({page_loads} page loads); session 0 made {len(first)}, "
        f"{loads[1] if len(loads) > 1 else len(first)} before its reload; sessions took {elapsed:.0f} s"
    )


def test_upload_size_and_rate_limits(proxy):
    host, port = proxy["url"].removeprefix("http://").split(":")
    key = secrets.token_hex(16)

    def put(length: int, body: bytes = b"") -> int:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.putrequest("PUT", "/_stcore/upload_file/no-session/no-file")
            conn.putheader("Cookie", f"{COOKIE}={key}")
            conn.putheader("Content-Type", "application/octet-stream")
            conn.putheader("Content-Length", str(length))
            conn.endheaders(body or None)
            return conn.getresponse().status
        finally:
            conn.close()

    # Over 26 MB: refused by nginx from the header alone, before a byte reaches a replica.
    assert put(27 * 1024 * 1024) == 413
    # A burst of uploads from one browser: the first ones pass (the replica answers), then 429.
    statuses = [put(4, b"data") for _ in range(16)]
    assert 429 not in statuses[:10] and statuses[-1] == 429, statuses


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def test_static_files_come_from_the_cache_compressed_and_nothing_else_is_cached(proxy):
    """Streamlit's own files are served by nginx after the first request, gzip-compressed and byte for byte
    the replica's; pages, media and uploads are never cached. (Runs after the sessions above, so their
    feature maps, photos and uploads are in the access log.)"""
    page, headers = fetch(f"{proxy['url']}/")
    page = gzip.decompress(page) if headers.get("content-encoding") == "gzip" else page
    script = re.search(rb'src="\.?/?(static/js/index\.[^"]+\.js)"', page)
    assert script, page[:500]
    path = "/" + script.group(1).decode()
    original, _ = fetch(proxy["replica_url"] + path)  # straight from a replica, not compressed
    for _ in range(2):
        body, headers = fetch(proxy["url"] + path)
        assert headers.get("content-encoding") == "gzip", headers
        assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2
    time.sleep(0.2)  # the log line is written after the response
    served = [e for e in access_log(proxy) if e["path"] == path]
    assert served[-1]["cache"] == "HIT" and served[-1]["upstream"] == "-", served

    entries = access_log(proxy)
    assert any(e["path"].startswith("/media/") for e in entries), "the sessions above showed no pictures"
    cached = [e for e in entries if e["cache"] not in (None, "-")]
    assert cached and all(e["path"].startswith("/static/") for e in cached), [
        e for e in cached if not e["path"].startswith("/static/")
    ]
    # On disk, nginx's cache holds Streamlit's static files and nothing else: each file names its key.
    keys = [
        re.search(rb"\nKEY: (\S+)\n", f.read_bytes()).group(1).decode()
        for f in (proxy["workdir"] / "convscope-static").rglob("*")
        if f.is_file()
    ]
    assert keys and all(k.startswith("/static/") for k in keys), keys
