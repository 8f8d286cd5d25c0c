import io
import os

import numpy as np
import pytest
from PIL import Image

from tests.hostile import corpus
from viz.errors import ConvScopeError
from viz.images import Picture, decode_image, resize_to_fit, to_channels

CORPUS = corpus()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_corpus_gives_a_picture_or_a_clear_message(name, tmp_path):
    data, expected = CORPUS[name]
    before = set(os.listdir(tmp_path)), set(os.listdir("."))
    os.chdir(tmp_path)
    try:
        if expected == "ok":
            picture = decode_image(data, 512)
            assert picture.pixels.ndim == 3 and picture.pixels.shape[2] == 3
            assert picture.pixels.dtype == np.float32 and np.isfinite(picture.pixels).all()
            assert 0.0 <= picture.pixels.min() and picture.pixels.max() <= 1.0
        else:
            with pytest.raises(ConvScopeError) as info:
                decode_image(data, 512)
            message = str(info.value)
            assert len(message) > 20 and "Traceback" not in message
    finally:
        os.chdir(os.path.dirname(os.path.dirname(__file__)))
    # Decoding writes nothing: the working folder is unchanged.
    assert set(os.listdir(tmp_path)) == before[0]


def test_messages_say_what_to_do():
    assert "empty" in str(pytest.raises(ConvScopeError, decode_image, b"").value)
    assert "not an image" in str(pytest.raises(ConvScopeError, decode_image, b"hello").value)
    assert "decompression bomb" in str(pytest.raises(ConvScopeError, decode_image, CORPUS["bomb.png"][0]).value)
    assert "30000×5" in str(pytest.raises(ConvScopeError, decode_image, CORPUS["strip-30000x5.png"][0]).value)


def test_exif_orientation_is_honoured():
    picture = decode_image(CORPUS["exif-rotated.jpg"][0], 512)
    assert picture.pixels.shape[:2] == (60, 40)  # stored 60×40 landscape, shown 40 wide × 60 tall
    assert any("EXIF" in note for note in picture.notes)


def test_sixteen_bit_keeps_its_range():
    picture = decode_image(CORPUS["gray-16bit.png"][0], 512)
    assert picture.grayscale
    assert picture.pixels.max() == pytest.approx(4095 * 16 / 65535, rel=1e-4)


def test_transparency_is_composited_on_white():
    picture = decode_image(CORPUS["palette-transparent.png"][0], 512)
    assert picture.pixels[0, 0].tolist() == [1.0, 1.0, 1.0]  # transparent index 0 -> white
    assert picture.pixels[16, 16].tolist() == [0.0, 0.0, 1.0]  # opaque blue square


def test_cmyk_becomes_rgb():
    picture = decode_image(CORPUS["cmyk.jpg"][0], 512)
    r, g, b = picture.pixels[15, 20]
    assert r > 0.8 and g < 0.2 and b < 0.2


def test_first_frame_of_animations_and_pages():
    gif = decode_image(CORPUS["animated.gif"][0], 512)
    assert gif.pixels[0, 0, 0] > 0.9 and any("first of 3" in n for n in gif.notes)
    tiff = decode_image(CORPUS["multipage.tiff"][0], 512)
    assert tiff.pixels[0, 0, 0] == pytest.approx(10 / 255) and any("first of 2" in n for n in tiff.notes)


def test_large_jpeg_is_downscaled_to_the_working_size():
    buf = io.BytesIO()
    Image.new("RGB", (6000, 4000), (200, 100, 50)).save(buf, "JPEG")
    picture = decode_image(buf.getvalue(), 512)
    assert picture.pixels.shape == (341, 512, 3)
    assert any("6000×4000" in note for note in picture.all_notes)


def test_small_images_are_never_enlarged():
    picture = Picture(np.zeros((9, 9, 3), np.float32), "test")
    assert resize_to_fit(picture, 512) is picture


def test_channels_as_the_network_sees_them():
    pixels = np.zeros((2, 2, 3), np.float32)
    pixels[..., 0] = 1.0
    picture = Picture(pixels, "red")
    assert to_channels(picture, grayscale=False).shape == (3, 2, 2)
    np.testing.assert_allclose(to_channels(picture, grayscale=True), 0.299)


def test_decoding_opens_no_file_at_all(monkeypatch):
    """Uploads are decoded from memory: any attempt to open a file (to write a copy, say) fails the test."""
    for data, _ in CORPUS.values():  # warm up: Pillow imports its format plugins on first use
        try:
            decode_image(data, 64)
        except ConvScopeError:
            pass

    def refuse(*args, **kwargs):
        raise AssertionError(f"decode_image tried to open a file: {args[:1]}")

    monkeypatch.setattr("builtins.open", refuse)
    monkeypatch.setattr("os.open", refuse)
    for data, expected in CORPUS.values():
        if expected == "ok":
            decode_image(data, 512)
        else:
            with pytest.raises(ConvScopeError):
                decode_image(data, 512)
