"""Beyond images in a real browser: the chirp heard as rising, an uploaded WAV drawn and filtered,
hostile files explained, the rule of thumb shown, and sound-net opened in Inside the CNN."""

from __future__ import annotations

from tests.e2e.helpers import choose_radio, choose_select, main_text, open_app, settle, wait_for_text
from tests.sound.hostile_sounds import encoded, png, tone


def open_beyond(page, server) -> None:
    open_app(page, server["url"] + "/beyond")
    wait_for_text(page, "It says: rising")


def upload(page, name: str, data: bytes, mime: str = "audio/wav") -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )


def test_the_chirp_is_a_rising_line_and_the_layer_runs_on_it(page, server):
    open_beyond(page, server)
    text = main_text(page)
    assert "2.00 s at 16 kHz, 512-sample windows (32 ms), hop 128 → 257 × 247" in text
    assert "257×247 grayscale" in text and "253×243" in text  # the playground's panels on the spectrogram
    assert page.locator('[data-testid="stPlotlyChart"] .heatmaplayer, [data-testid="stPlotlyChart"] .hm').count() >= 1
    assert "Explain a pixel" in text


def test_an_uploaded_wav_is_drawn_and_filtered_and_a_renamed_image_is_explained(page, server):
    open_beyond(page, server)
    choose_radio(page, "Upload")
    upload(page, "whistle.wav", encoded(tone(3.0, 44_100, 880.0), 44_100))
    wait_for_text(page, "3.00 s at 16 kHz")
    text = main_text(page)
    assert "257×372 grayscale" in text and "253×368" in text
    assert "learned from generated sounds only" in text
    upload(page, "holiday.wav", png())
    wait_for_text(page, "is not a sound ConvScope can read")
    choose_radio(page, "Generated sample")
    wait_for_text(page, "It says: rising")


def test_a_ten_minute_file_is_refused_with_its_length(page, server):
    open_beyond(page, server)
    choose_radio(page, "Upload")
    upload(page, "lecture.wav", encoded(tone(600.0, 4_000, 300.0), 4_000, subtype="PCM_U8"))
    wait_for_text(page, "This sound lasts 10:00")


def test_the_rule_of_thumb_tab(page, server):
    open_beyond(page, server)
    page.get_by_role("tab", name="Shuffled pixels: the rule of thumb").click()
    settle(page)
    text = main_text(page)
    assert "Before: 28×28, as MNIST" in text and "The CNN drops from" in text
    images = page.locator('[data-testid="stTabs"] [data-testid="stImage"] img')
    assert images.count() >= 2


def test_sound_net_opens_in_inside_the_cnn_with_the_same_sound(page, server):
    open_beyond(page, server)
    choose_select(page, "Generated sound", "Falling chirp (5 kHz → 200 Hz in 2 s)")
    wait_for_text(page, "It says: falling")
    page.get_by_role("button", name="Open sound-net layer by layer in Inside the CNN").click()
    wait_for_text(page, "Inside the CNN")
    wait_for_text(page, "It says: falling")
    assert "conv1" in main_text(page)


def test_two_students_uploading_at_once_each_see_their_own_sound(browser, server):
    """Two sessions, two different recordings, uploaded together: each page shows its own length and
    pitch, never the other's (the caches are keyed on every sample, issue 10)."""
    sessions = []
    for seconds, hz in ((3.0, 440.0), (5.0, 2000.0)):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(90_000)
        open_beyond(page, server)
        choose_radio(page, "Upload")
        sessions.append((context, page, seconds, hz))
    for _, page, seconds, hz in sessions:
        upload(page, f"mine-{seconds:g}.wav", encoded(tone(seconds, 16_000, hz), 16_000))
    try:
        for _, page, seconds, _ in sessions:
            wait_for_text(page, f"{seconds:.2f} s at 16 kHz")
        for (_, page, seconds, _), (_, _, other, _) in zip(sessions, sessions[::-1], strict=True):
            text = main_text(page)
            assert f"{seconds:.2f} s at 16 kHz" in text and f"{other:.2f} s at 16 kHz" not in text
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        for context, *_ in sessions:
            context.close()
