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


# ---------------------------------------------------------------- bounded decoding
PEAK_SCRIPT = """
import resource, sys
from viz.images import decode_image
data = open(sys.argv[1], "rb").read()
try:
    decode_image(data, 1024)
except Exception as exc:
    print("refused:", exc)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
picture = decode_image(data, 1024)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, *picture.pixels.shape)
"""


def _largest_file(kind: str, path) -> None:
    """A mostly flat image at the largest size ConvScope accepts for its kind (small on disk)."""
    from viz.images import FORMAT_MAX_PIXELS, MAX_PIXELS

    limit = FORMAT_MAX_PIXELS.get(kind.upper(), MAX_PIXELS)
    width = int((limit * 4 / 3) ** 0.5)
    height = limit // width
    mode = "RGBA" if kind == "png" else "RGB"
    im = Image.new(mode, (width, height), (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255))
    im.paste(
        (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30), (width // 4, height // 4, width // 2, height // 2)
    )
    options = {"png": {"compress_level": 1}, "webp": {"quality": 50, "method": 0}, "heif": {"quality": 30}}[kind]
    im.save(path, format=kind.upper(), **options)


@pytest.mark.parametrize("kind", ["png", "webp", "heif"])
def test_the_largest_accepted_file_decodes_within_300_mb(kind, tmp_path):
    """Peak extra memory of one decode, in a fresh process (ru_maxrss counts what Pillow allocates, too).

    Before decoding was bounded, a 9400×9400 RGBA PNG of a few hundred KB took 3.3 GB."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / f"largest.{kind}"
    _largest_file(kind, path)
    out = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    peak_mb, height, width = int(out[0]), int(out[1]), int(out[2])
    assert max(height, width) == 1024
    assert peak_mb < 300, f"decoding the largest accepted {kind} took {peak_mb} MB more"


def test_more_pixels_than_the_limit_are_refused_before_decoding():
    buf = io.BytesIO()
    Image.new("RGBA", (9400, 9400)).save(buf, "PNG")  # 88 MP in ~340 KB
    message = str(pytest.raises(ConvScopeError, decode_image, buf.getvalue()).value)
    assert "88 megapixels" in message and "50 megapixels" in message


def test_shrinking_in_bands_matches_shrinking_the_whole_image(monkeypatch):
    """Band by band gives exactly what one pass gives; and both match a float box filter of the
    composited image, to 8-bit rounding and the two-step resampling, on a smooth picture."""
    y, x = np.mgrid[0:1300, 0:1100]
    rgba = np.stack([x * 255 // 1099, y * 255 // 1299, (x + y) * 255 // 2398, 64 + (x * 191 // 1099)], axis=2)
    buf = io.BytesIO()
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(buf, "PNG")
    monkeypatch.setattr("viz.images.BAND_PIXELS", 5_000)  # 5-row bands
    banded = decode_image(buf.getvalue(), 256).pixels
    monkeypatch.setattr("viz.images.BAND_PIXELS", 10**8)  # one band
    assert np.array_equal(banded, decode_image(buf.getvalue(), 256).pixels)
    alpha = rgba[..., 3:] / 255.0
    composited = (rgba[..., :3] / 255.0 * alpha + (1 - alpha)).astype(np.float32)
    whole = np.stack(
        [np.asarray(Image.fromarray(composited[..., i]).resize((217, 256), Image.Resampling.BOX)) for i in range(3)],
        axis=2,
    )
    assert banded.shape == (256, 217, 3)
    assert np.abs(banded - whole).max() < 0.01


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_on_the_shrunk_picture_matches_pillow(orientation):
    from PIL import ImageOps

    from viz.images import upright

    rng = np.random.default_rng(orientation)
    stored = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    im = Image.fromarray(stored)
    exif = im.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(buf)))
    assert np.array_equal(upright(stored, orientation), expected)


def test_at_most_two_decodes_run_at_once(monkeypatch, png_bytes):
    import threading
    import time

    import viz.images

    running, peak, lock = [0], [0], threading.Lock()
    real = viz.images._decode

    def slow(data, max_side):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return real(data, max_side)

    monkeypatch.setattr(viz.images, "_decode", slow)
    threads = [threading.Thread(target=decode_image, args=(png_bytes(),)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2


def test_only_the_advertised_formats_are_opened():
    """An EPS file named .png must never reach Pillow's EPS parser (which would run Ghostscript)."""
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\n%%EOF\n"
    assert Image.open(io.BytesIO(eps)).format == "EPS"  # Pillow alone would parse it
    assert "not an image ConvScope can read" in str(pytest.raises(ConvScopeError, decode_image, eps).value)


def test_iphone_heic_photos_open():
    rgb = np.zeros((60, 80, 3), np.uint8)
    rgb[:, :40] = (220, 40, 30)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "HEIF", quality=95)
    picture = decode_image(buf.getvalue(), 512)
    assert picture.source.startswith("HEIF 80×60")
    assert picture.pixels[30, 10, 0] > 0.75 and picture.pixels[30, 70, 0] < 0.1
