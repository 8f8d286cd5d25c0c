"""The playground page through Streamlit's AppTest: no browser, real widgets."""

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP_TIMEOUT, ROOT


@pytest.fixture
def page():
    at = AppTest.from_file(str(ROOT / "tests" / "app_pages" / "playground.py"), default_timeout=APP_TIMEOUT)
    at.run()
    assert not at.exception
    return at


def shapes(at) -> list[str]:
    """The shape labels the panels show, in order: input, feature map, ReLU, pooled."""
    return [m.value.split("`")[1] for m in at.markdown if m.value.startswith("**") and "`" in m.value]


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_app_opens_on_the_playground_with_a_sample_and_filter():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Filter playground"
    assert at.selectbox(key="playground_filter").value == "sobel_vertical"
    assert at.selectbox(key="playground_sample").value == "chelsea"


def test_default_render_states_every_shape(page):
    assert shapes(page) == ["300×451 grayscale", "298×449", "298×449", "149×224"]
    assert "⌊(451 − 3 + 2·0) / 1⌋ + 1 = **449**" in text(page)
    assert "ReLU zeroed" in text(page)


def test_filter_change_changes_shapes(page):
    page.selectbox(key="playground_filter").set_value("gaussian_blur").run()
    assert not page.exception
    assert shapes(page)[1] == "296×447"
    assert "1 4 6 4 1" not in page.text_area(key="playground_kernel").value  # loaded as numbers
    assert page.text_area(key="playground_kernel").value.count("\n") == 4  # a 5×5 grid


def test_stride_padding_and_pooling_change_shapes(page):
    page.slider(key="playground_stride").set_value(2).run()
    assert shapes(page)[1] == "149×225"
    page.radio(key="playground_padding").set_value("same").run()
    assert shapes(page)[1] == "150×226"
    page.slider(key="playground_window").set_value(3).run()
    page.slider(key="playground_pool_stride").set_value(3).run()
    assert shapes(page)[3] == "50×75"
    page.radio(key="playground_pool").set_value("average").run()
    assert "Average pooling" in text(page)
    assert not page.exception


def test_per_channel_mode_shows_three_maps(page):
    page.radio(key="playground_mode").set_value("per_channel").run()
    assert not page.exception
    assert shapes(page)[:2] == ["300×451 RGB", "298×449×3"]


def test_3d_kernel_gives_one_map_with_three_editable_slices(page):
    page.radio(key="playground_mode").set_value("3d").run()
    assert not page.exception
    assert shapes(page)[:2] == ["300×451 RGB", "298×449"]
    assert page.text_area(key="playground_kernel_R").value
    assert "R slice" in text(page)


def test_uploading_a_png(page, png_bytes):
    page.radio(key="playground_source").set_value("Upload").run()
    page.file_uploader(key="playground_upload").upload("photo.png", png_bytes(80, 60), "image/png").run()
    assert not page.exception and not page.error
    assert shapes(page)[:2] == ["60×80 grayscale", "58×78"]


def test_uploading_a_corrupt_file_shows_a_message(page):
    page.radio(key="playground_source").set_value("Upload").run()
    page.file_uploader(key="playground_upload").upload("photo.png", b"\x89PNG\r\n\x1a\n garbage", "image/png").run()
    assert not page.exception
    assert "damaged or truncated" in page.error[0].value
    # The page keeps working: back to a sample.
    page.radio(key="playground_source").set_value("Sample").run()
    assert not page.error and shapes(page)[1] == "298×449"


def test_custom_kernel_with_a_non_number_cell(page):
    page.text_area(key="playground_kernel").set_value("1 0 -1\n2 zero -2\n1 0 -1").run()
    assert not page.exception
    assert "row 2, column 2 is `zero`, which is not a number" in page.error[0].value
    page.text_area(key="playground_kernel").set_value("1 0 -1\n2 0 -2\n1 0 -1").run()
    assert not page.error
    assert "Your own filters, started from" in text(page)


def test_custom_kernel_nan_is_refused(page):
    page.text_area(key="playground_kernel").set_value("nan").run()
    assert "NaN and infinity" in page.error[0].value


def test_kernel_larger_than_the_image(page):
    page.selectbox(key="playground_sample").set_value("x_lesson").run()
    page.selectbox(key="playground_kernel_size").set_value(11).run()
    assert not page.exception
    assert "larger than the 9×9 image" in page.error[0].value


def test_pool_window_larger_than_the_map(page):
    page.selectbox(key="playground_sample").set_value("x_lesson").run()
    page.selectbox(key="playground_filter").set_value("curve").run()  # 9 − 7 + 1 = 3×3 map
    page.slider(key="playground_window").set_value(4).run()
    assert not page.exception
    assert "pooling window is larger than the 3×3 map" in page.error[0].value


def test_explain_a_pixel_adds_up(page):
    page.number_input(key="playground_row").set_value(10).run()
    page.number_input(key="playground_col").set_value(20).run()
    assert not page.exception
    assert "Feature map at row 10, column 20" in text(page)
    assert "**ReLU**" in text(page) and "**Pooling**" in text(page)


def test_xo_lesson_in_normalized_mode_scores_one(page):
    page.selectbox(key="playground_sample").set_value("x_lesson").run()
    page.selectbox(key="playground_filter").set_value("xo_diagonal_down").run()
    page.toggle(key="playground_normalized").set_value(True).run()
    page.number_input(key="playground_row").set_value(1).run()
    page.number_input(key="playground_col").set_value(1).run()
    assert "÷ 9 weights = 1" in text(page)


def test_settings_are_in_the_url_and_a_link_restores_them():
    at = AppTest.from_file(str(ROOT / "tests" / "app_pages" / "playground.py"), default_timeout=APP_TIMEOUT)
    at.query_params.update({"sample": "circle", "filter": "laplacian", "stride": "2", "pool": "average"})
    at.run()
    assert not at.exception
    assert at.selectbox(key="playground_filter").value == "laplacian"
    assert at.slider(key="playground_stride").value == 2
    assert shapes(at)[:2] == ["128×128 grayscale", "63×63"]
    at.slider(key="playground_window").set_value(3).run()
    assert at.query_params["window"] == ["3"] or at.query_params["window"] == "3"


def test_a_bad_link_opens_the_defaults():
    at = AppTest.from_file(str(ROOT / "tests" / "app_pages" / "playground.py"), default_timeout=APP_TIMEOUT)
    at.query_params.update({"filter": "no-such-filter", "stride": "99", "sample": "../../etc/passwd"})
    at.run()
    assert not at.exception
    assert at.selectbox(key="playground_filter").value == "sobel_vertical"
    assert at.slider(key="playground_stride").value == 1


def test_kernel_edits_follow_the_colour_mode(page):
    page.text_area(key="playground_kernel").set_value("0 0 0\n0 3 0\n0 0 0").run()
    page.radio(key="playground_mode").set_value("3d").run()
    assert page.text_area(key="playground_kernel_G").value.split()[4] == "1"  # 3 spread as 1 + 1 + 1
    page.text_area(key="playground_kernel_R").set_value("0 0 0\n0 2 0\n0 0 0").run()
    page.radio(key="playground_mode").set_value("grayscale").run()
    assert page.text_area(key="playground_kernel").value.split()[4] == "4"  # 2 + 1 + 1
    assert not page.exception


def _outside_code_spans(message: str) -> str:
    return re.sub(r"`[^`]*`", "", message)


@pytest.mark.parametrize(
    "cell", ["[Log_in_again](https://evil.example/login)", "![a](https://evil.example/x.png)", "<img/src=x>"]
)
def test_text_from_a_link_is_never_markup(cell):
    """A shared link's kernel cell is echoed as plain characters: no working link, no outside image."""
    at = AppTest.from_file(str(ROOT / "tests" / "app_pages" / "playground.py"), default_timeout=APP_TIMEOUT)
    at.query_params["k"] = f"1,0,-1;2,{cell},-2;1,0,-1"
    at.run()
    assert not at.exception
    message = at.warning[0].value
    assert "row 2, column 2" in message
    outside = _outside_code_spans(message)
    assert "](" not in outside and "http" not in outside and "<img" not in outside
    assert len(message) < 300


def test_a_huge_kernel_in_a_link_is_refused_with_a_note():
    at = AppTest.from_file(str(ROOT / "tests" / "app_pages" / "playground.py"), default_timeout=APP_TIMEOUT)
    at.query_params["k"] = "1," * 50_000
    at.run()
    assert not at.exception and not at.error
    assert "100,000 characters long" in at.warning[0].value
    assert shapes(at)  # the page still shows its panels, with the preset's kernel


def test_a_huge_typed_kernel_is_refused_without_echoing_it(page):
    page.text_area(key="playground_kernel").set_value("x" * 60_000).run()
    assert not page.exception
    assert len(page.error[0].value) < 200  # the message quotes at most a few dozen characters


# ---------------------------------------------------------------- lesson-exact features
def open_link(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "tests" / "app_pages" / "playground.py"), default_timeout=APP_TIMEOUT)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_typed_numbers_are_kept_exactly_and_shown_as_numbers(page):
    page.radio(key="playground_source").set_value("Numbers").run()
    page.text_area(key="playground_numbers").set_value("0 1 2\n3 4 5\n6 7 8").run()
    page.text_area(key="playground_kernel").set_value("0 1\n2 3").run()
    page.toggle(key="playground_relu").set_value(False).run()
    page.radio(key="playground_pool").set_value("none").run()
    assert not page.exception and not page.error
    assert shapes(page)[:2] == ["3×3 typed", "2×2"]
    tables = " ".join(h.proto.body for h in page.get("html"))
    assert ">19<" in tables and ">43<" in tables  # d2l's cross-correlation, every value written
    assert page.query_params["x"] in (["0,1,2;3,4,5;6,7,8"], "0,1,2;3,4,5;6,7,8")


def test_a_bad_typed_cell_is_named():
    at = open_link(x="1,2;3,4")
    at.text_area(key="playground_numbers").set_value("1 2\n3 four").run()
    assert "Input cell at row 2, column 2 is `four`" in at.error[0].value


def test_the_xo_lesson_layer_shows_three_maps_and_counts_parameters():
    at = open_link(sample="x_lesson", filter="xo_lesson", normalized="1", ceil="1")
    assert shapes(at)[1:] == ["7×7×3", "7×7×3", "4×4×3"]
    assert "Parameters: 3 filters × 1×3×3 weights + 3 biases = **30**" in text(at)


def test_several_filters_each_with_a_bias_follow_into_the_link(page):
    page.number_input(key="playground_filters").set_value(2).run()
    page.number_input(key="playground_bias2").set_value(0.5).run()
    assert not page.exception
    assert shapes(page)[1] == "298×449×2"
    assert page.query_params["bias"] in (["0,0.5"], "0,0.5")
    assert len(page.query_params["k"]) == 2  # one k per filter


def test_a_pooling_window_larger_than_the_map_is_a_message_in_its_panel_only():
    at = open_link(x="1,2;3,4", k="1", window="4")
    assert "pooling window is larger than the 2×2 map" in at.error[0].value
    assert shapes(at)[:3] == ["2×2 typed", "2×2", "2×2"]  # the other panels still work
    assert any("Feature map at row" in m.value for m in at.markdown)


def test_rows_and_columns_can_differ():
    at = open_link(
        x=";".join([",".join(["1"] * 8)] * 8), k="1,1,1;1,1,1;1,1,1", stride="3,4", padding="explicit", pad="0,1"
    )
    assert at.toggle(key="playground_per_axis").value is True
    assert shapes(at)[1] == "2×2"  # ⌊(8 − 3) / 3⌋ + 1 = 2 rows, ⌊(8 − 3 + 2) / 4⌋ + 1 = 2 columns
    assert "never reached" in text(at)  # stride 4 leaves columns over


def test_a_link_with_bad_values_opens_with_notes_and_defaults():
    at = open_link(stride="0", pool="median")
    notes = " ".join(w.value for w in at.warning)
    assert "stride=`0`" in notes and "pool=`median`" in notes
    assert shapes(at)[1] == "298×449"


def test_the_chosen_pixel_is_in_the_link_and_comes_back():
    at = open_link(x="1,2,3;4,5,6;7,8,9", k="1", pool="none", row="1", col="2")
    assert at.number_input(key="playground_row").value == 1 and at.number_input(key="playground_col").value == 2
    assert "Feature map at row 1, column 2" in text(at)


@pytest.mark.parametrize(("side", "mode", "pool_thread"), [(64, "grayscale", False), (1024, "per_channel", True)])
def test_only_a_heavy_layer_waits_for_a_low_priority_worker(monkeypatch, side, mode, pool_thread):
    import threading

    from viz.ops import ConvSettings, PoolSettings
    from viz.ui import playground

    ran_in = []
    real = playground.run_pipeline

    def recording(*args, **kwargs):
        ran_in.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(playground, "run_pipeline", recording)
    channels = np.random.default_rng(side).random((3 if mode == "per_channel" else 1, side, side), dtype=np.float32)
    kernels = np.ones((1, 1, 3, 3), np.float32)
    playground.compute(channels, kernels, (0.0,), mode, ConvSettings(), PoolSettings("max", 2, 2), True)
    assert len(ran_in) == 1 and ran_in[0].startswith("convscope-heavy") == pool_thread


def _component_bytes(at) -> tuple[bytes, int]:
    data = next(e.proto.bytes for e in at.get("bidi_component") if e.proto.bytes)
    return data, 4 + int.from_bytes(data[:4], "little")


def test_the_linked_maps_bytes_travel_once_until_the_browser_asks_again(page):
    import json

    first, start = _component_bytes(page)
    assert len(first) > start + 100_000  # pictures and a 510×510 map's values
    page.number_input(key="playground_row").set_value(3).run()
    again, start_again = _component_bytes(page)
    assert len(again) == start_again  # a new pin: the header only
    header = json.loads(again[4:start_again])
    assert header["selected"] == [3, header["selected"][1]]
    assert header["digest"] == json.loads(first[4:start])["digest"]
    # a browser that lost them asks with a time stamp, and gets them whole once for that request
    page.session_state["_playground_cell_answered"] = None
    page.session_state["_playground_cell_sent"] = None  # as a lost delivery would leave it
    page.run()
    whole, start_whole = _component_bytes(page)
    assert whole[start_whole:] == first[start:]
    page.run()
    assert len(_component_bytes(page)[0]) == start_again
    page.selectbox(key="playground_filter").set_value("sobel_horizontal").run()
    changed, start_changed = _component_bytes(page)
    assert len(changed) > start_changed  # new maps: sent whole
