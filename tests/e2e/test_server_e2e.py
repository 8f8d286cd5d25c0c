"""A fresh server, watched from outside: uploads never touch a disk, first visits never race."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image, PngImagePlugin

from tests.e2e.conftest import outside_requests, start_server, stop_server
from tests.e2e.helpers import choose_radio, open_app, wait_for_text

# Opened for writing or created: these flags in an open() call mean a file may receive bytes.
WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TMPFILE")
# Filesystems in memory, where a written byte never reaches a disk.
MEMORY_FS = {"tmpfs", "proc", "sysfs", "devtmpfs", "devpts", "cgroup2", "mqueue", "ramfs"}


def marked_png(marker: str) -> bytes:
    """A ~3 MB PNG (noise does not compress) carrying a unique marker in a text chunk."""
    rgb = np.random.default_rng(7).integers(0, 256, (1000, 1000, 3), dtype=np.uint8)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", marker)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG", pnginfo=info, compress_level=1)
    return buf.getvalue()


def filesystem_of(path: str) -> str:
    """The type of the filesystem holding path (its nearest existing folder), from /proc/mounts."""
    path = os.path.realpath(path.removesuffix(" (deleted)"))
    best, kind = "", "unknown"
    for line in Path("/proc/mounts").read_text().splitlines():
        _, mount, fstype, *_ = line.split()
        if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
            best, kind = mount, fstype
    return kind


def disk_writes(trace: str, cwd: Path) -> list[str]:
    """open() calls in an strace log that could write to a file on a disk-backed filesystem."""
    found = []
    for line in trace.splitlines():
        match = re.search(r'open(?:at|at2)?\((?:[A-Z_]+|\d+), "([^"]*)", ([^)]*)\)', line) or re.search(
            r'creat\("([^"]*)"', line
        )
        if not match or (len(match.groups()) > 1 and not WRITE_FLAGS.search(match.group(2))):
            continue
        path = match.group(1)
        path = path if path.startswith("/") else str(cwd / path)
        if filesystem_of(path) not in MEMORY_FS:
            found.append(line.strip())
    return found


def marked_wav(marker: str) -> bytes:
    """A ~3 MB WAV (20 s of noise at 44.1 kHz) carrying a unique marker in its comment."""
    buffer = io.BytesIO()
    with soundfile.SoundFile(buffer, "w", 44_100, 2, format="WAV", subtype="PCM_16") as file:
        file.comment = marker
        file.write(np.random.default_rng(7).uniform(-0.5, 0.5, (20 * 44_100, 2)))
    return buffer.getvalue()


UPLOADS = {
    # what is uploaded: the page, the file, and what the page shows once it has read it
    "photo": ("", marked_png, "private.png", "image/png", "1000×1000"),
    "sound": ("/beyond", marked_wav, "private.wav", "audio/wav", "20.00 s at 16 kHz"),
}


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is missing: apt-get install strace (CI does)")
@pytest.mark.parametrize("kind", list(UPLOADS))
def test_an_upload_never_touches_a_disk(browser, kind):
    """Every thread of the server is traced while a 3 MB photo or sound is uploaded and shown. Before
    uploads were kept in memory, Starlette spooled them into an O_TMPFILE in /tmp (on the disk here)."""
    path, make, name, mime, shown = UPLOADS[kind]
    proc, url = start_server({"PYTHONDONTWRITEBYTECODE": "1"})
    trace_path = Path(f"/dev/shm/convscope-strace-{uuid.uuid4().hex}.log")
    tracer = None
    marker = f"convscope-marker-{uuid.uuid4().hex}"
    data = make(marker)
    assert len(data) > 2_500_000
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        open_app(page, url + path)
        choose_radio(page, "Upload")  # every import and first-run file is done before tracing starts
        threads = [f"-p{tid}" for tid in os.listdir(f"/proc/{proc.pid}/task")]
        tracer = subprocess.Popen(
            ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2,creat", "-o", str(trace_path), *threads],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2)  # attached
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            {"name": name, "mimeType": mime, "buffer": data}
        )
        wait_for_text(page, shown)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        if tracer:
            tracer.terminate()
            tracer.wait(timeout=20)
        context.close()
        log = stop_server(proc)
    trace = trace_path.read_text(errors="replace")
    trace_path.unlink()
    assert "open" in trace, "strace recorded nothing: it did not attach"
    assert not disk_writes(trace, Path.cwd()), disk_writes(trace, Path.cwd())[:5]
    assert marker not in log  # and nothing of the upload reaches the server's log


def test_disk_writes_are_recognised():
    """The check above would have caught Starlette's spool file and ordinary files; not /proc or /dev/shm."""
    trace = "\n".join(
        [
            '101 openat(AT_FDCWD, "/tmp", O_RDWR|O_EXCL|O_CLOEXEC|O_TMPFILE, 0600) = 31',
            '102 openat(AT_FDCWD, "notes.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 32',
            '103 openat(AT_FDCWD, "/proc/self/status", O_RDONLY|O_CLOEXEC) = 33',
            '104 openat(AT_FDCWD, "/dev/shm/x", O_RDWR|O_CREAT, 0600) = 34',
            '105 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 35',
        ]
    )
    found = disk_writes(trace, Path("/work"))
    assert [line.split()[0] for line in found] == (
        ["101", "102"] if filesystem_of("/tmp") not in MEMORY_FS else ["102"]
    )


def test_first_visits_to_a_fresh_server_do_not_race(browser):
    """Six visitors open a server that has not yet run the app, all at once: all get the page, none an error."""
    proc, url = start_server()
    contexts, pages, outside = [], [], []
    try:
        for _ in range(6):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            outside.append(outside_requests(context))
            page = context.new_page()
            page.set_default_timeout(180_000)
            page.goto(url, wait_until="commit")  # do not wait: the six first runs overlap
            contexts.append(context)
            pages.append(page)
        for page in pages:
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stMain\"]')?.innerText.includes('Feature map')"
                " || document.querySelector('[data-testid=\"stException\"]')"
                " || document.querySelector('[data-testid=\"stAlert\"]')"
            )
        errors = [
            page.locator('[data-testid="stException"]').count() + page.locator('[data-testid="stAlert"]').count()
            for page in pages
        ]
    finally:
        for context in contexts:
            context.close()
        log = stop_server(proc)
    assert errors == [0] * 6, log[-3000:]
    assert not any(outside), outside
    assert "partially initialized" not in log and "Traceback" not in log, log[-3000:]
