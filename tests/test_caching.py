"""Cached results belong to exactly one input: arrays are keyed by every byte, not a sample."""

import hashlib

import numpy as np
import pytest
from streamlit.runtime.caching.cache_type import CacheType
from streamlit.runtime.caching.hashing import update_hash

from viz.ui.caching import BoundedCache, array_digest, cached_result, key_of


def streamlit_key(value, hash_funcs=None) -> str:
    h = hashlib.new("md5", usedforsecurity=False)
    update_hash(value, h, CacheType.DATA, hash_funcs=hash_funcs)
    return h.hexdigest()


def twins() -> tuple[np.ndarray, np.ndarray]:
    """Two (3, 512, 512) pictures, equal at the 100,000 positions Streamlit samples and different in ~70% of the rest."""
    rng = np.random.default_rng(0)
    a = rng.random((3, 512, 512), dtype=np.float32)
    sampled = np.zeros(a.size, bool)
    sampled[np.random.RandomState(0).choice(np.arange(a.size), size=100_000)] = True
    b = a.copy()
    b.flat[~sampled] = 1.0 - a.flat[~sampled]
    return a, b


def test_streamlit_alone_cannot_tell_the_twins_apart_but_our_keys_can():
    a, b = twins()
    assert not np.array_equal(a, b)
    assert streamlit_key(a) == streamlit_key(b)  # the flaw this module exists for
    assert key_of(a) != key_of(b) and key_of((a, 1)) != key_of((b, 1))
    assert array_digest(a) == array_digest(a.copy())
    assert array_digest(a) != array_digest(a.reshape(3, 256, 1024))  # the shape is part of the key
    assert array_digest(a) != array_digest(a.astype(np.float64))  # and the dtype


def _in_app(check) -> str:
    """Run check() inside a Streamlit script run (where the pages' modules import) and return what it wrote."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP_TIMEOUT

    at = AppTest.from_function(check, default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    return at.markdown[0].value


def test_the_playground_computes_each_twin_on_its_own():
    """Before exact keys, the second student was shown the first student's feature map."""

    def check():
        import numpy as np
        import streamlit as st

        from tests.test_caching import twins
        from viz.ops import ConvSettings, PoolSettings
        from viz.ui.playground import compute

        a, b = twins()
        kernel = np.ones((1, 3, 3), np.float32)
        conv, pool = ConvSettings(1, 0, 0.0, False), PoolSettings("max", 2, 2)
        compute.clear()
        first, _ = compute(a, kernel[None], (0.0,), "per_channel", conv, pool, True)
        second, _ = compute(b, kernel[None], (0.0,), "per_channel", conv, pool, True)
        st.markdown(f"{np.array_equal(second.image, b)} {np.array_equal(first.feature, second.feature)}")

    assert _in_app(check) == "True False"


def test_the_network_runs_on_each_twin_on_its_own():
    def check():
        import numpy as np
        import streamlit as st

        from viz.ui.inspector import run_network

        x_a = np.random.default_rng(1).random((3, 32, 32), dtype=np.float32)
        x_b = x_a.copy()
        x_b[0, 0, 0] += 1.0  # one value differs
        first = run_network("tinyvgg-cifar10", x_a, None)
        second = run_network("tinyvgg-cifar10", x_b, None)
        st.markdown(str(np.array_equal(first[0].output, second[0].output)))

    assert _in_app(check) == "False"


def test_changing_the_working_size_does_not_decode_again():
    def check():
        import streamlit as st

        import viz.ui.inputs as inputs
        from tests.test_caching import png

        calls = []
        real = inputs.decode_image
        inputs.decode_image = lambda data, side: calls.append(side) or real(data, side)
        try:
            inputs.decode_cached.clear()
            data = png(900, 600)
            sizes = [inputs.decode_upload(data, side).pixels.shape[:2] for side in (512, 256, 1024)]
            note = inputs.decode_upload(data, 256).all_notes[-1]
        finally:
            inputs.decode_image = real
        st.markdown(f"{sizes} {calls} {note}")

    assert _in_app(check) == "[(341, 512), (171, 256), (600, 900)] [1024] shrunk from 900×600 to 256×171"


def png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (height, width, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_a_cache_is_bounded_by_entries_bytes_and_age_and_shares_read_only_values():
    cache = BoundedCache(max_entries=3, max_bytes=10 * 8000, ttl=60)
    make = lambda i: np.full(1000, i, np.float64)  # noqa: E731  (8,000 bytes each)
    values = [cache.get_or_compute(i, lambda i=i: make(i)) for i in range(5)]
    assert len(cache) == 3 and cache.size_bytes == 24_000  # the two oldest were evicted
    again = cache.get_or_compute(4, lambda: make(99))
    assert again is values[4] and again[0] == 4  # a hit is the same object, not a copy
    with pytest.raises(ValueError):
        again[0] = 7  # shared between sessions: nobody may change it
    big = BoundedCache(max_entries=10, max_bytes=16_000)
    for i in range(5):
        big.get_or_compute(i, lambda i=i: make(i))
    assert big.size_bytes <= 16_000 and len(big) == 2
    old = BoundedCache(max_entries=10, max_bytes=10**6, ttl=0)
    old.get_or_compute("k", lambda: make(1))
    assert old.get_or_compute("k", lambda: make(2))[0] == 2  # expired: computed again


def test_cached_results_are_keyed_by_every_argument_except_the_ignored():
    calls = []

    @cached_result(max_entries=8, max_mb=1, ignore=("data",))
    def f(digest: str, data: bytes, scale: float = 1.0) -> np.ndarray:
        calls.append(digest)
        return np.frombuffer(data, np.uint8) * scale

    f("a", b"\x01\x02")
    f("a", b"ignored")
    f("a", b"\x01\x02", scale=2.0)
    f("b", b"\x01\x02")
    assert calls == ["a", "a", "b"]


def test_encoded_pictures_count_towards_a_cache_s_bytes():
    cache = BoundedCache(max_entries=10, max_bytes=25_000)
    for i in range(3):
        cache.get_or_compute(i, lambda i=i: (np.zeros(1000, np.float32), bytes(6000 + i)))
    assert cache.size_bytes == 2 * 4000 + 6001 + 6002 and len(cache) == 2  # the first entry no longer fitted
