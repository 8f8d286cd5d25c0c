"""Waiting for and reading a Streamlit page in Playwright."""

from __future__ import annotations

import re

from playwright.sync_api import Page

IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && document.querySelector('[data-testid="stMain"]') !== null"""


def settle(page: Page, quiet_ms: int = 700) -> None:
    """Wait until the script has finished running and the page has stopped changing."""
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS)
    page.wait_for_timeout(quiet_ms)
    page.wait_for_function(IDLE_JS)


def open_app(page: Page, url: str) -> None:
    """Open a page and wait until its first run has drawn it (the title is there and the script has stopped)."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1')
    settle(page, 1500)


def panel_shapes(page: Page) -> list[str]:
    """The playground's shape labels in order: input, feature map, ReLU, pooled."""
    shapes = []
    for block in page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts():
        match = re.match(r"^\d · .*\n(\S+(?: (?:grayscale|RGB))?)$", block.strip())
        if match:
            shapes.append(match.group(1))
    return shapes


def choose_radio(page: Page, label: str) -> None:
    page.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(f"^{re.escape(label)}$")).first.click()
    settle(page)


def choose_select(page: Page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page)


def nudge_slider(page: Page, label: str, steps: int) -> None:
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).first.get_by_role("slider")
    slider.focus()
    for _ in range(abs(steps)):
        slider.press("ArrowRight" if steps > 0 else "ArrowLeft")
    settle(page)


def main_text(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def wait_for_text(page: Page, text: str, timeout_ms: int = 90_000) -> None:
    """Wait until the main area shows `text` (a rerun has delivered the new result), then settle."""
    page.wait_for_function(
        "t => document.querySelector('[data-testid=\"stMain\"]')?.innerText.includes(t)", arg=text, timeout=timeout_ms
    )
    settle(page)
