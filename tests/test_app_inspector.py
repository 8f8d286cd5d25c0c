"""The "Inside the CNN" page through AppTest, for each network and each kind of input."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata
from streamlit.testing.v1 import AppTest

from tests.conftest import APP_TIMEOUT, ROOT
from viz.digits import draw_digit
from viz.glyphs import draw_glyph
from viz.models import MODELS

PAGE = str(ROOT / "tests" / "app_pages" / "inspector.py")


def open_page(model_id: str, **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT)
    at.session_state["inspector_model"] = model_id
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def prediction(at: AppTest) -> str:
    said = [m.value for m in at.markdown if m.value.startswith("### It says:")]
    assert said, "the page names no prediction"
    return said[0].split("**")[1]


def encoded(rgb: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt)
    return buf.getvalue()


_WHOLE: dict[str, bytes] = {}


def linked_map(at: AppTest) -> np.ndarray | None:
    """The feature map's values as the linked-maps component got them (its bytes: a 4-byte length,
    the JSON header, then the values the header points into), or None."""
    for element in at.get("bidi_component"):
        data = element.proto.bytes
        if not data:
            continue
        n = int.from_bytes(data[:4], "little")
        digest = json.loads(data[4 : 4 + n])["digest"]
        if len(data) > 4 + n:
            _WHOLE[digest] = data
        data = _WHOLE[digest]  # only the header is sent again while the digest stays (as the browser keeps it)
        for panel in json.loads(data[4 : 4 + n])["panels"]:
            if panel["role"] == "map" and "values" in panel:
                at_, size = panel["values"]
                values = np.frombuffer(data[4 + n + at_ : 4 + n + at_ + size], dtype="<f4")
                return values.reshape(panel["rows"], panel["cols"])
    return None


def heatmap(at: AppTest) -> np.ndarray:
    """The 'Look closer' map: the linked maps' values for a convolution, else the first Plotly heatmap's z."""
    linked = linked_map(at)
    if linked is not None:
        return linked
    for chart in at.get("plotly_chart"):
        trace = json.loads(chart.proto.spec)["data"][0]
        if trace.get("type") != "heatmap":
            continue
        z = trace["z"]
        if isinstance(z, dict):  # Plotly sends NumPy arrays as base64 typed arrays
            shape = [int(n) for n in str(z.get("shape", "")).replace(" ", "").split(",") if n]
            values = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
            return values.reshape(shape) if shape else values
        return np.array(z, dtype=float)
    raise AssertionError("no heatmap on the page")


@pytest.mark.parametrize("model_id", list(MODELS))
def test_each_network_opens_on_a_sample_and_names_a_class(model_id):
    at = open_page(model_id)
    assert prediction(at) in MODELS[model_id].classes
    labels = " ".join(m.value for m in at.markdown)
    for layer in ("conv1", "relu1", "pool1", "flatten", "fc1"):
        assert f"**{layer}**" in labels


def test_sample_digits_are_read():
    at = open_page("lenet5-mnist", inspector_source="Sample", inspector_sample="digit_7")
    assert prediction(at) == "7"


def test_a_drawn_digit_given_as_pixel_data():
    at = open_page("lenet5-mnist", inspector_source="Draw", test_drawing=draw_digit(3, dark_on_light=True))
    assert prediction(at) == "3"


def test_a_drawn_x_and_o():
    for label in ("X", "O"):
        big = draw_glyph(label, 200)
        paper = np.repeat(((1 - big) / 2)[..., None], 3, axis=2).astype(np.float32)
        at = open_page("xo-net", inspector_source="Draw", test_drawing=paper)
        assert prediction(at) == label


def test_an_uploaded_photo():
    at = open_page("tinyvgg-cifar10", inspector_source="Upload")
    at.file_uploader(key="inspector_upload").upload("chelsea.png", encoded(skdata.chelsea(), "PNG"), "image/png").run()
    assert not at.exception
    assert prediction(at) in MODELS["tinyvgg-cifar10"].classes
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    assert "only knows these 10 things" in " ".join(shown)


def test_a_webcam_snapshot():
    at = open_page("tinyvgg-cifar10", inspector_source="Webcam")
    at.camera_input(key="inspector_webcam").upload("snap.jpg", encoded(skdata.astronaut(), "JPEG"), "image/jpeg").run()
    assert not at.exception
    assert prediction(at) in MODELS["tinyvgg-cifar10"].classes


def test_an_uploaded_digit_photo():
    at = open_page("lenet5-mnist", inspector_source="Upload")
    photo = (draw_digit(4, dark_on_light=True) * 255).astype(np.uint8)
    at.file_uploader(key="inspector_upload").upload("four.jpg", encoded(photo, "JPEG"), "image/jpeg").run()
    assert prediction(at) == "4"


def test_a_corrupt_upload_is_explained():
    at = open_page("tinyvgg-cifar10", inspector_source="Upload")
    at.file_uploader(key="inspector_upload").upload("bad.png", b"not an image", "image/png").run()
    assert not at.exception
    assert "not an image" in at.error[0].value


def test_swapping_a_filter_changes_its_maps_and_reset_restores_them():
    at = open_page(
        "lenet5-mnist",
        inspector_source="Sample",
        inspector_sample="digit_2",
        inspector_layer="conv1",
        inspector_channel=2,
        _inspector_channel_for="conv1",  # channel 2 chosen on this layer (not the strongest it opens on)
    )
    trained = heatmap(at)
    at.session_state["inspector_swap_channel"] = 2
    at.session_state["inspector_swap_kernel"] = "sobel_horizontal"
    at.toggle(key="inspector_swap_on").set_value(True).run()
    assert not at.exception
    swapped = heatmap(at)
    assert not np.allclose(swapped, trained)
    at.button(key="inspector_swap_reset").click().run()
    np.testing.assert_allclose(heatmap(at), trained)


def test_swap_is_private_to_the_session():
    first = open_page(
        "lenet5-mnist",
        inspector_layer="conv1",
        inspector_channel=0,
        _inspector_channel_for="conv1",
        inspector_swap_on=True,
        inspector_swap_kernel="curve",
    )
    other = open_page("lenet5-mnist", inspector_layer="conv1", inspector_channel=0, _inspector_channel_for="conv1")
    assert not np.allclose(heatmap(first), heatmap(other))
    assert "Swap it in" not in " ".join(i.value for i in other.info)


@pytest.mark.parametrize("layer", ["pool1", "relu1", "fc1", "flatten"])
def test_every_kind_of_layer_can_be_looked_at(layer):
    at = open_page("tinyvgg-cifar10", inspector_layer=layer)
    assert not at.exception and not at.error


def test_relu_and_pool_numbers():
    at = open_page("xo-net")
    frame = at.dataframe[0].value
    assert list(frame["layer"]) == ["relu1", "pool1", "relu2", "pool2"]
    assert frame["share"].str.contains("75.0% dropped").sum() == 2


@pytest.mark.parametrize(
    "model_id,layer", [("tinyvgg-cifar10", "conv2"), ("lenet5-mnist", "conv1"), ("xo-net", "conv2")]
)
def test_conv_explanation_on_real_weights_adds_up(model_id, layer):
    at = open_page(model_id, inspector_layer=layer, inspector_channel=1, _inspector_channel_for=layer)
    sentence = next(m.value for m in at.markdown if m.value.startswith("Summed over all"))
    explained = sentence.split("= **")[-1].split("**")[0]
    computed = sentence.split("the network computed ")[1].rstrip(").")
    assert explained == computed, sentence
    assert "strongest response" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("kind", ["truncated weights", "bad JSON"])
def test_a_broken_network_file_is_explained_and_the_others_keep_working(kind, tmp_path, monkeypatch):
    from tests.test_models import _break
    from viz.models import get_spec

    monkeypatch.setattr("viz.models.registry.PRETRAINED_DIR", tmp_path)
    name = _break(kind, tmp_path, "lenet5-mnist")
    for other in ("xo-net", "tinyvgg-cifar10"):
        _break("none", tmp_path, other)  # intact copies
    at = open_page("lenet5-mnist")
    assert at.error and get_spec("lenet5-mnist").title in at.error[0].value and name in at.error[0].value
    assert "Something unexpected" not in at.error[0].value
    at.selectbox(key="inspector_model").set_value("xo-net").run()
    assert not at.exception and not at.error
    assert prediction(at) in ("X", "O")


@pytest.mark.parametrize("model_id", list(MODELS))
def test_look_closer_opens_on_the_predicted_class(model_id):
    at = open_page(model_id)
    last = at.selectbox(key="inspector_layer").options[-1]
    at.selectbox(key="inspector_layer").set_value(last.split(" · ")[0]).run()
    assert not at.exception
    assert MODELS[model_id].classes[at.selectbox(key="inspector_output").value] == prediction(at)


def test_look_closer_opens_on_the_strongest_channel_and_keeps_the_users_choice():
    at = open_page("lenet5-mnist", inspector_layer="conv1")
    opened = at.session_state["inspector_channel"]
    peaks = [
        float(
            heatmap(
                open_page("lenet5-mnist", inspector_layer="conv1", inspector_channel=c, _inspector_channel_for="conv1")
            ).max()
        )
        for c in range(6)
    ]
    assert peaks[opened] == max(peaks)
    other = (opened + 1) % 6
    at.number_input(key="inspector_channel").set_value(other).run()
    at.run()
    assert at.session_state["inspector_channel"] == other  # the user's choice stays


def _html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("model_id", list(MODELS))
def test_all_layers_numbers_its_channels_and_names_the_output_cells(model_id):
    import re

    at = open_page(model_id)
    page = _html(at)
    spec = MODELS[model_id]
    for name in spec.classes:  # the last layer's cells carry the class names, the winner outlined
        assert f">{name}</div>" in page
    assert page.count("outline:3px solid") >= 1
    captions = re.findall(r"<figcaption[^>]*>#(\d+)</figcaption>", page)
    assert "0" in captions and all(int(c) < 16 for c in captions)  # numbered, the first 16 of a wide layer


def test_a_wide_layer_shows_all_its_channels_on_asking():
    import re

    at = open_page("tinyvgg-cifar10")
    at.toggle(key="inspector_all_conv6").set_value(True).run()
    numbers = [int(c) for c in re.findall(r"<figcaption[^>]*>#(\d+)</figcaption>", _html(at))]
    assert max(numbers) == 87  # conv6 has 88 channels


def test_a_small_kernel_is_drawn_on_its_layers_scale_not_saturated():
    from torch import nn

    from viz.render import diverging
    from viz.ui.inspector import kernel_scale

    conv = nn.Conv2d(1, 2, 3)
    with __import__("torch").no_grad():
        conv.weight[0] = 0.01
        conv.weight[1] = 0.5
    scale = kernel_scale(conv)
    assert scale == pytest.approx(0.5)
    pale = diverging(np.array([[0.01]], np.float32), scale)[0, 0]
    assert pale.min() > 235  # nearly white: nine 0.01 cells no longer look like the strongest filter
