"""Ten students at once: ten browser sessions against one server, no cross-talk, bounded memory."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.e2e.helpers import IDLE_JS

SESSIONS = 10


def resident_mb(pid: int) -> float:
    """The server's resident memory (VmRSS) in MB, read from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def photo(width: int, height: int, seed: int) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


async def wait_for_text(page, text: str) -> None:
    """Wait until this session's page shows `text`: its own rerun has come back."""
    await page.wait_for_function(
        "t => document.querySelector('[data-testid=\"stMain\"]')?.innerText.includes(t)", arg=text
    )
    await settle(page)


async def settle(page) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_function(IDLE_JS)
    await page.wait_for_timeout(800)
    await page.wait_for_function(IDLE_JS)


async def shapes(page) -> list[str]:
    texts = await page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    out = []
    for block in texts:
        match = re.match(r"^\d · .*\n(\S+(?: (?:grayscale|RGB))?)$", block.strip())
        if match:
            out.append(match.group(1))
    return out


async def student(browser, url: str, i: int) -> tuple[int, list[str], list[str]]:
    """Upload an image of a size no one else uses, set a stride; return what this session sees."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(180_000)
    await page.goto(url)
    await page.wait_for_selector('[data-testid="stMain"]')
    await settle(page)
    await page.locator('[data-testid="stRadio"] label').filter(has_text=re.compile("^Upload$")).first.click()
    await settle(page)
    width, height = 100 + 10 * i, 60 + 4 * i
    await page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": f"student{i}.png", "mimeType": "image/png", "buffer": photo(width, height, i)}
    )
    await wait_for_text(page, f"{height}×{width} grayscale")
    stride = 1 + i % 3
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Stride").first.get_by_role("slider")
    await slider.focus()
    for _ in range(stride - 1):
        await slider.press("ArrowRight")
    await wait_for_text(page, f"S = {stride}.")
    out_w, out_h = (width - 3) // stride + 1, (height - 3) // stride + 1
    expected = [f"{height}×{width} grayscale", f"{out_h}×{out_w}"]
    # The formula is drawn before the panels in the same rerun: wait for the panel itself.
    await wait_for_text(page, expected[1])
    seen = await shapes(page)
    exceptions = await page.locator('[data-testid="stException"]').count()
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"concurrent_student_{i}.png"))
    await context.close()
    return exceptions, seen[:2], expected


async def classroom(url: str) -> list[tuple[int, list[str], list[str]]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        results = await asyncio.gather(*(student(browser, url, i) for i in range(SESSIONS)))
        await browser.close()
        return results


def test_ten_sessions_at_once_see_only_their_own_results(server, chromium_present, record_property):
    before = resident_mb(server["pid"])
    results = asyncio.run(classroom(server["url"]))
    after = resident_mb(server["pid"])
    record_property("server_rss_mb_before", round(before))
    record_property("server_rss_mb_after", round(after))
    print(f"\nserver resident memory: {before:.0f} MB before, {after:.0f} MB after {SESSIONS} sessions")
    for exceptions, seen, expected in results:
        assert exceptions == 0
        assert seen == expected
    # Caches have max_entries: ten small uploads must not grow the server without bound.
    assert after < before + 800, f"the server grew from {before:.0f} MB to {after:.0f} MB"
