"""The playground's view: everything that decides what the page shows, as one plain value.

The link, the widgets and the computation share this one description. The link
format is a public interface (teachers put links in slides): the README's
"Share a view as a link" documents it, and it only ever grows.

| parameter | meaning |
| --- | --- |
| x | typed input: rows by ';', values by ',', channels by '|' |
| k | one filter, same syntax (one slice per input channel in 3-D mode); repeated for several |
| bias | one number for every filter, or one per filter separated by ',' |
| mode | grayscale, per_channel or 3d |
| stride, dilation | N, or rows,columns |
| padding, pad | valid, same or explicit; pad = N, rows,columns or top,left,bottom,right |
| normalized | 1 divides by the number of kernel weights |
| relu | 0 skips ReLU |
| pool | max, average or none; window, pool_stride (N or rows,columns), pool_pad (like pad), ceil, count_pad |
| sample, size, filter, row, col, map | the sample, working size, preset, chosen pixel and chosen map |
| display | projector: the classroom display (viz/ui/display.py; not part of the view) |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from viz.errors import ConvScopeError, quoted
from viz.grids import format_link_grid, format_value, parse_link_grid, parse_value
from viz.kernels import DEFAULT_KERNEL, MAX_KERNEL_SIZE, PRESETS, preset_kernels
from viz.ops import (
    ConvSettings,
    Pads,
    Pair,
    PoolSettings,
    as_pads,
    conv_padding,
)
from viz.pipeline import PipelineResult, run_pipeline
from viz.samples import DEFAULT_SAMPLE, SAMPLES

MODES = ("grayscale", "per_channel", "3d")
PADDINGS = ("valid", "same", "explicit")
POOLS = ("max", "average", "none")
WORKING_SIZES = (64, 128, 256, 384, 512, 768, 1024)
MAX_FILTERS = 8
MAX_INPUT_SIDE, MAX_INPUT_CHANNELS = 64, 4
MAX_STRIDE, MAX_DILATION, MAX_PAD = 16, 8, 16
MAX_WINDOW, MAX_POOL_STRIDE = 8, 8
# A typed 64×64×4 input of short numbers fits; anything longer is not a lesson's link.
MAX_LINK_VALUE = 120_000

Grid = tuple[tuple[tuple[float, ...], ...], ...]  # (C, H, W) as nested tuples: hashable and comparable


def as_grid(array: np.ndarray) -> Grid:
    """(C, H, W) array -> nested tuples of float32 values."""
    return tuple(tuple(tuple(float(v) for v in row) for row in channel) for channel in np.asarray(array, np.float32))


def grid_array(grid: Grid) -> np.ndarray:
    return np.asarray(grid, dtype=np.float32)


@dataclass(frozen=True)
class View:
    """What the playground shows. Defaults are the page's first view."""

    sample: str = DEFAULT_SAMPLE
    size: int = 512
    numbers: Grid | None = None  # a typed input, kept at its exact size; None: a picture
    filter: str = DEFAULT_KERNEL  # the preset the filters started from
    kernels: tuple[Grid, ...] = ()  # each (C_k, Kh, Kw); empty: the preset's kernel, unedited
    biases: tuple[float, ...] = (0.0,)  # one for every filter, or one per filter
    mode: str = "grayscale"
    stride: Pair = (1, 1)
    dilation: Pair = (1, 1)
    padding: str = "valid"
    pad: Pads = (1, 1, 1, 1)  # zeros per side when padding is explicit
    normalized: bool = False
    relu: bool = True
    pool: str = "max"
    window: Pair = (2, 2)
    pool_stride: Pair = (2, 2)
    pool_pad: Pads = (0, 0, 0, 0)
    ceil: bool = False
    count_pad: bool = False
    row: int | None = None  # the chosen pixel of the feature map; None: its strongest response
    col: int | None = None
    map: int = 0  # which feature map the pixel is on
    notes: tuple[str, ...] = field(default=(), compare=False)  # what a link got wrong, for the page to say

    # ------------------------------------------------------------ what to compute
    def filter_weights(self) -> list[np.ndarray]:
        """Each filter as (C_k, Kh, Kw): the typed kernels, or the preset's kernel."""
        if self.kernels:
            return [grid_array(k) for k in self.kernels]
        return [w[None] for w in preset_kernels(self.filter)]

    def bias_of(self, index: int) -> float:
        return self.biases[index] if len(self.biases) > 1 else self.biases[0]

    def conv_settings(self, image_hw: tuple[int, int], kernel_hw: tuple[int, int]) -> ConvSettings:
        """Stride, padding (TensorFlow's SAME for 'same'), dilation and the normalized mode; biases apart."""
        pads = conv_padding(self.padding, image_hw, kernel_hw, self.stride, self.dilation, self.pad)  # type: ignore[arg-type]
        return ConvSettings(self.stride, pads, 0.0, self.normalized, self.dilation)

    def pool_settings(self) -> PoolSettings:
        return PoolSettings(self.pool, self.window, self.pool_stride, self.pool_pad, self.ceil, self.count_pad)  # type: ignore[arg-type]


DEFAULT = View()


# ---------------------------------------------------------------- link -> view
def _one_of(options: Sequence[str]):
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return raw

    return parse


def _whole(text: str) -> int:
    """A whole number as a link writes one; a clear ValueError for anything else (however long)."""
    text = text.strip()
    if not text.lstrip("-").isdigit() or len(text) > 6:
        raise ValueError(f"{quoted(text, 12)} is not a whole number the page can use")
    return int(text)


def _ints(raw: str, lo: int, hi: int, counts: Sequence[int]) -> tuple[int, ...]:
    values = tuple(_whole(v) for v in raw.split(","))
    if len(values) not in counts:
        raise ValueError(f"needs {' or '.join(str(n) for n in counts)} whole numbers separated by ','")
    if not all(lo <= v <= hi for v in values):
        raise ValueError(f"each number must be from {lo} to {hi}")
    return values


def _pair(lo: int, hi: int):
    def parse(raw: str) -> Pair:
        values = _ints(raw, lo, hi, (1, 2))
        return (values[0], values[-1])

    return parse


def _pads(hi: int):
    def parse(raw: str) -> Pads:
        values = _ints(raw, 0, hi, (1, 2, 4))
        return as_pads(values[0] if len(values) == 1 else values)

    return parse


def _int_in(lo: int, hi: int):
    def parse(raw: str) -> int:
        return _ints(raw, lo, hi, (1,))[0]

    return parse


def _flag(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return raw == "1"


def _size(raw: str) -> int:
    value = _whole(raw)
    if value not in WORKING_SIZES:
        raise ValueError(f"must be one of {', '.join(map(str, WORKING_SIZES))}")
    return value


def _biases(raw: str) -> tuple[float, ...]:
    values = tuple(float(np.float32(parse_value(v, "bias"))) for v in raw.split(","))
    if len(values) > MAX_FILTERS:
        raise ValueError(f"at most {MAX_FILTERS} biases")
    return values


def _numbers(raw: str) -> Grid:
    return as_grid(parse_link_grid(raw, "Typed input", MAX_INPUT_SIDE, MAX_INPUT_CHANNELS))


SIMPLE_PARAMS: dict[str, Any] = {
    "sample": _one_of(list(SAMPLES)),
    "size": _size,
    "filter": _one_of(PRESETS),
    "mode": _one_of(MODES),
    "stride": _pair(1, MAX_STRIDE),
    "dilation": _pair(1, MAX_DILATION),
    "padding": _one_of(PADDINGS),
    "pad": _pads(MAX_PAD),
    "normalized": _flag,
    "relu": _flag,
    "pool": _one_of(POOLS),
    "window": _pair(1, MAX_WINDOW),
    "pool_stride": _pair(1, MAX_POOL_STRIDE),
    "pool_pad": _pads(MAX_WINDOW // 2),
    "ceil": _flag,
    "count_pad": _flag,
    "row": _int_in(0, 100_000),
    "col": _int_in(0, 100_000),
    "map": _int_in(0, 4 * MAX_FILTERS - 1),
    "bias": _biases,
    "x": _numbers,
}
FIELD_OF = {"bias": "biases", "x": "numbers"}


def view_from_link(query: Mapping[str, str | Sequence[str]]) -> View:
    """A link's parameters -> the View they describe.

    A bad parameter is named in the view's notes and left at its default; nothing raises.
    """
    values: dict[str, Any] = {}
    notes: list[str] = []
    for name, parse in SIMPLE_PARAMS.items():
        raw = _last(query.get(name))
        if raw is None:
            continue
        try:
            if len(raw) > MAX_LINK_VALUE:
                raise ValueError(f"is {len(raw):,} characters long")
            values[FIELD_OF.get(name, name)] = parse(raw)
        except (ValueError, ConvScopeError) as exc:
            notes.append(f"The link's {name}={quoted(raw)} was ignored: {_reason(exc)}")
    kernels = _kernels(_all(query.get("k")), notes)
    if kernels:
        values["kernels"] = kernels
    view = replace(DEFAULT, **values)
    if len(view.biases) not in (1, max(1, len(view.filter_weights()))):
        notes.append(
            f"The link gives {len(view.biases)} biases for {len(view.filter_weights())} filters: all are 0 instead."
        )
        view = replace(view, biases=(0.0,))
    return replace(view, notes=tuple(notes))


def _kernels(raws: list[str], notes: list[str]) -> tuple[Grid, ...]:
    if len(raws) > MAX_FILTERS:
        notes.append(f"The link has {len(raws)} filters; the first {MAX_FILTERS} are shown.")
    kernels = []
    for i, raw in enumerate(raws[:MAX_FILTERS]):
        try:
            if len(raw) > 20_000:
                raise ValueError(f"is {len(raw):,} characters long")
            kernels.append(as_grid(parse_link_grid(raw, "Kernel", MAX_KERNEL_SIZE, MAX_INPUT_CHANNELS)))
        except (ValueError, ConvScopeError) as exc:
            notes.append(f"The link's filter {i + 1} (k={quoted(raw)}) was ignored: {_reason(exc)}")
    shapes = {grid_array(k).shape for k in kernels}
    if len(shapes) > 1:
        notes.append(
            "The link's filters have different sizes; a layer's filters share one size, so only the first is used."
        )
        kernels = kernels[:1]
    return tuple(kernels)


def _reason(exc: Exception) -> str:
    text = str(exc).rstrip(".")
    return text[0].lower() + text[1:] + "." if text else "not understood."


def _last(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value[-1] if value else None


def _all(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# ---------------------------------------------------------------- view -> link
def link_from_view(view: View) -> dict[str, str | list[str]]:
    """The View as link parameters: only what differs from the defaults, in a stable order."""
    out: dict[str, str | list[str]] = {}
    for f in fields(View):
        name = f.name
        value, default = getattr(view, name), getattr(DEFAULT, name)
        if name == "notes" or value == default or value is None:
            continue
        if name == "kernels":
            out["k"] = [format_link_grid(grid_array(k)) for k in value]
        elif name == "numbers":
            out["x"] = format_link_grid(grid_array(value))
        elif name == "biases":
            out["bias"] = ",".join(format_value(v) for v in value)
        elif isinstance(value, bool):
            out[name] = "1" if value else "0"
        elif isinstance(value, tuple):
            out[name] = ",".join(str(v) for v in _shortest(value))
        else:
            out[name] = str(value)
    return out


def _shortest(values: tuple[int, ...]) -> tuple[int, ...]:
    """(2, 2) -> (2,); (1, 2, 1, 2) -> (1, 2); others as they are."""
    if len(set(values)) == 1:
        return values[:1]
    if len(values) == 4 and values[:2] == values[2:]:
        return values[:2]
    return values


def run_view(view: View, channels: np.ndarray) -> PipelineResult:
    """The layer the view describes, on channels (C, H, W) as the layer sees them."""
    kernels = view.filter_weights()
    conv = view.conv_settings(channels.shape[1:], kernels[0].shape[-2:])
    biases = tuple(view.bias_of(i) for i in range(len(kernels)))
    return run_pipeline(channels, kernels, view.mode, conv, view.pool_settings(), biases, view.relu)  # type: ignore[arg-type]
