"""The classroom display and the phone layout in a real browser: nothing overlaps, nothing runs off
the screen, type and panels are as large as the issue asks, and the results come early on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_app

# Every leaf element of the main column (no element inside it) that is drawn: pairs whose boxes
# intersect by more than 2×2 px, text that is clipped sideways, tabs past the screen's edge.
LAYOUT_JS = """() => {
  const drawn = (e) => !e.closest('details:not([open])') && e.getClientRects().length;
  const leaves = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')]
    .filter(e => !e.querySelector('[data-testid="stElementContainer"]') && drawn(e))
    .map(e => ({e, r: e.getBoundingClientRect()}))
    .filter(({r}) => r.width > 1 && r.height > 1);
  const name = (e) => `${e.firstElementChild ? e.firstElementChild.dataset.testid : ""} ` +
    `"${e.innerText.slice(0, 30).replace(/\\n/g, " ")}"`;
  const overlaps = [];
  for (let i = 0; i < leaves.length; i++) for (let j = i + 1; j < leaves.length; j++) {
    const a = leaves[i].r, b = leaves[j].r;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 2 && h > 2) overlaps.push(`${name(leaves[i].e)} × ${name(leaves[j].e)}`);
  }
  const clipped = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdownContainer"]')]
    .filter(e => drawn(e) && e.scrollWidth > e.clientWidth + 2).map(e => e.innerText.slice(0, 30));
  const offscreen = [...document.querySelectorAll('[data-testid="stMain"] [role="tab"]')]
    .filter(t => { const r = t.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth; })
    .map(t => t.innerText);
  const body = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')]
    .find(e => drawn(e) && !e.closest('[data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"], details'));
  const results = document.querySelector('.st-key-cs-results .cs-map .cs-frame, .st-key-cs-results img');
  const r = results && results.getBoundingClientRect();
  const scroller = document.querySelector('[data-testid="stMain"]');
  return {count: leaves.length, overlaps, clipped, offscreen, wider: document.documentElement.scrollWidth - innerWidth,
          body: body ? parseFloat(getComputedStyle(body).fontSize) : 0,
          panels: [...document.querySelectorAll('.st-key-cs-results [data-testid="stImage"] img, .st-key-cs-results .cs-frame')]
            .map(e => e.getBoundingClientRect().width),
          firstMap: r ? {top: r.top + scroller.scrollTop, height: r.height} : null};
}"""

VIEWS = [
    ("/?sample=astronaut&display=projector", 1920, 1080),
    ("/?sample=astronaut", 390, 844),
    ("/?sample=astronaut", 1280, 800),
    ("/inside?display=projector", 1920, 1080),
    ("/inside", 390, 844),
    ("/inside", 1280, 800),
    ("/train?display=projector", 1920, 1080),
    ("/train", 390, 844),
    ("/train", 1280, 800),
    ("/beyond?display=projector", 1920, 1080),
    ("/beyond", 390, 844),
    ("/beyond", 1280, 800),
]


def _layout(browser, url: str, width: int, height: int) -> dict:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        open_app(page, url)
        page.wait_for_selector('[data-testid="stMain"] img')
        return page.evaluate(LAYOUT_JS)
    finally:
        context.close()


@pytest.mark.parametrize(("path", "width", "height"), VIEWS)
def test_nothing_overlaps_or_runs_off_the_screen(browser, server, path, width, height):
    found = _layout(browser, server["url"] + path, width, height)
    assert found["count"] > 20  # the page was drawn
    assert found["overlaps"] == [] and found["clipped"] == [] and found["offscreen"] == []
    assert found["wider"] <= 0  # no sideways scrolling


@pytest.mark.parametrize(
    "path",
    [
        "/?sample=astronaut&display=projector",
        "/inside?display=projector",
        "/train?display=projector",
        "/beyond?display=projector",
    ],
)
def test_the_classroom_display_reads_from_the_back_row(browser, server, path):
    found = _layout(browser, server["url"] + path, 1920, 1080)
    assert found["body"] >= 24
    if path.startswith("/?"):
        assert found["panels"] and min(found["panels"]) >= 600  # two map panels to a row


def test_on_a_phone_the_first_feature_map_is_within_one_screen_of_scrolling(browser, server):
    found = _layout(browser, server["url"] + "/?sample=astronaut", 390, 844)
    first = found["firstMap"]
    assert first is not None and first["top"] + first["height"] / 2 <= 2 * 844, first
