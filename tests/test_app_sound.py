"""The Beyond images page through AppTest: a sound as a picture, through the playground's layer, and the rule of thumb."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP_TIMEOUT, ROOT
from tests.sound.hostile_sounds import corpus, encoded, tone
from tests.test_app_inspector import open_page, prediction
from viz.sound.generated import SOUND_SAMPLES

PAGE = str(ROOT / "tests" / "app_pages" / "sound.py")


def open_sound(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return " ".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [e.value for e in at.error]
        + [i.value for i in at.info]
    )


def said(at: AppTest) -> str:
    return [m.value for m in at.markdown if m.value.startswith("### It says:")][0].split("**")[1]


def panel_shapes(at: AppTest) -> list[str]:
    """The playground's panel shapes in order: input, feature map, ReLU, pooled."""
    return [m.value.split("`")[1] for m in at.markdown if re.match(r"\*\*[1-4] · ", m.value)]


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key}")


def test_the_generated_chirp_is_shown_as_a_spectrogram_and_classified_rising():
    at = open_sound()
    assert said(at) == "rising"
    assert "2.00 s at 16 kHz, 512-sample windows (32 ms), hop 128 → 257 × 247" in texts(at)
    heat = chart(at, "sound_spectrogram")["data"][0]
    assert heat["type"] == "heatmap" and heat["zmin"] == -80 and heat["zmax"] == 0
    assert chart(at, "sound_waveform")["data"][0]["type"] == "scattergl"
    # the playground's four panels on the spectrogram, the rising filter loaded
    assert panel_shapes(at)[:3] == ["257×247 grayscale", "253×243", "253×243"]
    assert at.session_state["playground_filter"] == "sound_rising"
    assert "Explain a pixel" in [s.value for s in at.subheader]
    assert at.session_state["playground_mode"] == "grayscale"
    assert dict(at.query_params) == {"filter": "sound_rising", "sound": "rising"}  # the generated sample, by name


@pytest.mark.parametrize("key", [k for k, s in SOUND_SAMPLES.items() if s.sound_class])
def test_every_labelled_sample_is_named(key):
    at = open_sound(sound_sound_sample=key)
    assert said(at) == SOUND_SAMPLES[key].sound_class


def test_window_hop_and_mel_change_the_shape_as_stated():
    at = open_sound(sound_window=1024, sound_hop=256, sound_mel=True)
    assert "1024-sample windows (64 ms), hop 256, pooled into 64 mel bands → 64 × 122" in texts(at)
    assert panel_shapes(at)[0] == "64×122 grayscale"


def test_an_uploaded_wav_gives_a_spectrogram_a_feature_map_and_the_honest_note():
    at = open_sound(sound_sound_source="Upload")
    at.file_uploader(key="sound_sound_upload").upload(
        "whistle.wav", encoded(tone(3.0, 44_100, 880.0), 44_100), "audio/wav"
    ).run()
    assert not at.exception, [e.message for e in at.exception]
    words = texts(at)
    assert "3.00 s at 16 kHz" in words and "resampled from 44.1 to 16 kHz" in words
    assert panel_shapes(at)[:2] == ["257×372 grayscale", "253×368"]
    assert "learned from generated sounds only" in words
    assert said(at) == "steady"


def test_a_recording_is_read_like_an_upload():
    at = open_sound(sound_sound_source="Record")
    at.audio_input(key="sound_sound_record").upload(
        "rec.wav", encoded(tone(2.0, 48_000, 500.0), 48_000), "audio/wav"
    ).run()
    assert not at.exception
    assert "2.00 s at 16 kHz" in texts(at) and "learned from generated sounds only" in texts(at)


@pytest.mark.parametrize("name", list(corpus()))
def test_hostile_sound_files_get_a_message_and_the_page_keeps_working(name):
    data, says = corpus()[name]
    at = open_sound(sound_sound_source="Upload")
    at.file_uploader(key="sound_sound_upload").upload("sound.wav", data, "audio/wav").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(says in e.value for e in at.error), [e.value for e in at.error]
    at.radio(key="sound_sound_source").set_value("Generated sample").run()
    assert said(at) == "rising"


def test_a_long_sound_at_a_short_hop_is_cut_for_the_layer_and_said():
    at = open_sound(sound_sound_source="Upload", sound_hop=32)
    at.file_uploader(key="sound_sound_upload").upload(
        "long.flac", encoded(tone(20.0, 16_000), 16_000, "FLAC"), "audio/flac"
    ).run()
    assert not at.exception
    assert "the layer reads the first 1024 columns" in texts(at)
    assert panel_shapes(at)[0] == "257×1024 grayscale"


def test_a_link_opens_the_sound_its_spectrogram_and_its_filters_and_the_page_writes_its_own():
    at = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT)
    for key, value in {"sound": "chord", "frame": "1024", "hop": "64", "mel": "1", "filter": "sound_steady"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.warning
    assert "1024-sample windows (64 ms), hop 64, pooled into 64 mel bands → 64 × 485" in texts(at)
    assert at.session_state["playground_filter"] == "sound_steady" and said(at) == "chord"
    assert {k: at.query_params[k] for k in ("sound", "frame", "hop", "mel", "filter")} == {
        "sound": "chord",
        "frame": "1024",
        "hop": "64",
        "mel": "1",
        "filter": "sound_steady",
    }
    assert "sample" not in at.query_params and "size" not in at.query_params


def test_a_silly_link_opens_with_notes_and_the_defaults():
    at = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT)
    for key, value in {"sound": "[log in](https://example.org)", "frame": "7", "k": "a;b"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert "`[log in](https://exampl…`" in notes and "frame `7`" in notes and "kernel cell" in notes
    assert said(at) == "rising"


def test_the_rule_of_thumb_shows_a_shuffled_digit_and_the_four_figures():
    at = open_sound()
    words = texts(at)
    assert "Before: 28×28, as MNIST" in words and "After the shuffle" in words
    assert "The fully connected network scores" in words and "The CNN drops from" in words
    bars = chart(at, "shuffle_accuracies")["data"]
    assert [b["name"] for b in bars] == ["original pixels", "shuffled pixels"]
    assert [b["text"] for b in bars] == [["98.6%", "92.5%"], ["93.5%", "92.5%"]]


def test_sound_net_opens_layer_by_layer_on_a_generated_sound():
    at = open_page("sound-net", inspector_sound_sample="falling")
    assert prediction(at) == "falling"
    labels = " ".join(m.value for m in at.markdown)
    for layer in ("conv1", "pool3", "fc1"):
        assert f"**{layer}**" in labels


def test_sound_net_on_an_uploaded_sound_carries_the_note():
    at = open_page("sound-net", inspector_sound_source="Upload")
    at.file_uploader(key="inspector_sound_upload").upload(
        "a.ogg", encoded(tone(1.0, 22_050, 300.0), 22_050, "OGG", "VORBIS"), "audio/ogg"
    ).run()
    assert not at.exception
    assert prediction(at) in ("steady", "chord", "rising", "falling", "clicks", "noise")
    assert any("learned from generated sounds only" in i.value for i in at.info)
