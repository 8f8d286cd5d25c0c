"""Inside the CNN · Probe it in a real browser: fool the cat, download the PNG, upload it again."""

from __future__ import annotations

from tests.e2e.helpers import choose_select, main_text, nudge_slider, settle, wait_for_text
from tests.e2e.test_inspector_e2e import open_inspector, said


def open_probe(page, server, network: str, probe: str) -> None:
    open_inspector(page, server)
    choose_select(page, "Network", network)
    page.get_by_role("tab", name="Probe it").click()
    settle(page, 1500)
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text=probe).first.click()
    settle(page, 1500)


def test_the_four_maps_of_where_it_looked_are_drawn(page, server):
    open_probe(page, server, "TinyVGG: photos (CIFAR-10)", "Where it looked")
    wait_for_text(page, "The most damaging places")
    text = main_text(page)
    for title in ("Saliency", "SmoothGrad", "Grad-CAM · conv6", "Occlusion"):
        assert title in text
    pictures = page.locator('[data-testid="stTabs"] [data-testid="stImage"] img')
    assert pictures.count() >= 5
    assert all(pictures.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(5))


def test_a_fooled_png_downloaded_and_uploaded_again_still_fools_it(page, server, tmp_path):
    open_probe(page, server, "TinyVGG: photos (CIFAR-10)", "Fool it")
    wait_for_text(page, "Fooled: no pixel moved by more than 4/255")
    fooled_as = main_text(page).split("it now says ")[1].split(" (")[0]
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the changed picture (PNG)").click()
    png = tmp_path / "fooled.png"
    info.value.save_as(png)
    # Back to every layer, with the downloaded picture as the upload.
    page.get_by_role("tab", name="All layers").click()
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(has_text="Upload").first.click()
    settle(page)
    page.locator('[data-testid="stSidebar"] input[type="file"][accept*=".png"]').set_input_files(str(png))
    wait_for_text(page, f"It says: {fooled_as}")
    assert said(page) == fooled_as


def test_the_budget_slider_turns_the_verdict(page, server):
    open_probe(page, server, "TinyVGG: photos (CIFAR-10)", "Fool it")
    wait_for_text(page, "Fooled")
    nudge_slider(page, "Budget", -4)
    wait_for_text(page, "budget of 0")
