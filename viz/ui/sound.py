"""Beyond images: a sound as a picture, through the playground's own layer, and the rule of thumb
about shuffled columns."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.colors import sequential

from viz.errors import ConvScopeError
from viz.images import Picture, gray_picture
from viz.models import get_spec
from viz.render import enlarge, grayscale
from viz.sound import link as sound_link
from viz.sound.audio import RATE, Sound, wav_bytes
from viz.sound.spectrogram import FLOOR_DB, HOPS, LAYER_COLUMNS, WINDOWS, Spectrogram, shape_sentence, spectrogram
from viz.ui import display, inspector, playground, rule_of_thumb, sound_input, state
from viz.ui.caching import cached_result

PAGE = "sound"
MODEL_ID = "sound-net"
MAX_SHOWN = (400, 1200)  # cells of the spectrogram chart (rows, columns); the layer reads them all
DEFAULTS = {"sound_window": sound_link.DEFAULT_WINDOW, "sound_hop": sound_link.DEFAULT_HOP, "sound_mel": False}
WAVEFORM_POINTS = 3000
CLOSE_UP = RATE // 50  # 20 ms
# Magma as a list (Streamlit's chart theme replaces a named scale), its first stop a near-black: the page
# drew Magma's own #000004 as a light pink (seen in Chromium, with and without Streamlit's theme).
MAGMA = [[i / (len(sequential.Magma) - 1), c] for i, c in enumerate(["#05030f", *sequential.Magma[1:]])]


@cached_result(max_entries=16, max_mb=64)
def spectrogram_of(sound: Sound, window: int, hop: int, mel: bool) -> Spectrogram:
    return spectrogram(sound, window, hop, mel)


def _first_visit() -> None:
    """Once a session: the link's sound settings (its mistakes kept as notes), and the rising-pitch filter
    unless the link chose filters (after that the filters are the playground's)."""
    if st.session_state.get("_sound_started"):
        return
    st.session_state["_sound_started"] = True
    link = {name: st.query_params.get(name) for name in st.query_params}
    settings, notes = sound_link.read(link)
    st.session_state.update(settings)
    st.session_state["_sound_link_notes"] = notes
    if "filter" not in link and "k" not in link:
        st.session_state["playground_filter"] = "sound_rising"
        playground.filter_bank.load_preset("sound_rising")


def _link_extra() -> dict[str, str]:
    """The sound page's own link parameters, from the widgets (a recording or an upload is never in a link)."""
    return sound_link.write(
        st.session_state.get(f"{PAGE}_sound_sample") if sound_input.is_generated(PAGE) else None,
        int(st.session_state["sound_window"]),
        int(st.session_state["sound_hop"]),
        bool(st.session_state["sound_mel"]),
    )


def render() -> None:
    state.ensure_defaults(DEFAULTS)
    playground.start()
    _first_visit()
    st.title("Beyond images")
    for note in (*st.session_state.get("_sound_link_notes", ()), *st.session_state.get("_playground_link_notes", ())):
        st.warning(note)
    st.markdown(
        "The X-or-O lesson ends with two claims: a CNN works on **anything that can be made to look like a "
        "picture** — a sound cut into short chunks of time, each split into frequency bands, is one — and it "
        "**needs neighbours that belong together**. See both here, on your own sound."
    )
    sound_tab, shuffle_tab = st.tabs(["Sound as a picture", "Shuffled pixels: the rule of thumb"])
    with shuffle_tab:
        rule_of_thumb.render()
    with sound_tab:
        _sound()


def _sound() -> None:
    st.header("Sound as a picture")
    pick, settings = st.columns([3, 2], gap="large")
    with pick:
        sound = sound_input.choose_sound(PAGE)
    with settings:
        c1, c2 = st.columns(2)
        window = c1.select_slider(
            "Window (samples)",
            WINDOWS,
            key="sound_window",
            help="How much sound each column of the spectrogram sums up: longer windows tell pitches apart "
            "more finely, shorter ones tell moments apart.",
        )
        hop = c2.select_slider("Hop (samples)", HOPS, key="sound_hop", help="How far the window moves per column.")
        mel = st.toggle(
            "Mel scale", key="sound_mel", help="64 bands spaced as hearing spaces pitches: finer low, coarser high."
        )
    if sound is None:
        return
    try:
        spec = spectrogram_of(sound, window, hop, mel)
    except ConvScopeError as exc:
        st.error(str(exc))
        return
    _waveform(sound)
    _spectrogram_chart(spec, sound)
    st.divider()
    _verdict(sound)
    st.divider()
    st.subheader("Filters on the spectrogram")
    st.markdown(
        "The spectrogram goes into the filter playground's layer, unchanged: a grey picture whose cells run from "
        f"0 ({FLOOR_DB:.0f} dB below the loudest) to 1 (the loudest). Try the **Sound** filters — a rising pitch "
        "is a diagonal, a steady tone a horizontal line, an onset a vertical edge — then click any cell."
    )
    st.caption(_cells_in_sound(spec))
    playground.filter_choice(colour=False)
    playground.use_grayscale()
    playground.layer(_picture(spec, sound), link_extra=_link_extra())


def _cells_in_sound(spec: Spectrogram) -> str:
    """How a cell of the layer's input (row, column) reads as a frequency and a moment."""
    rows = spec.shape[0]
    if spec.mel:
        pitch = (
            f"row 0 is the highest mel band (centred on {spec.freqs[-1]:,.0f} Hz), row {rows - 1} the lowest "
            f"({spec.freqs[0]:,.0f} Hz)"
        )
    else:
        step = RATE / spec.window
        pitch = f"row r is {RATE / 2:,.0f} − r × {step:.2f} Hz (row 0 the highest, row {rows - 1} is 0 Hz)"
    return (
        f"Reading a cell: {pitch}; column c is the window centred on (c × {spec.hop} + {spec.window // 2}) ÷ "
        f"{RATE:,} s, so column 100 is {(100 * spec.hop + spec.window / 2) / RATE:.3f} s."
    )


def _picture(spec: Spectrogram, sound: Sound) -> Picture:
    """The spectrogram as the playground's input: grey, high pitches at the top, at most LAYER_COLUMNS columns."""
    values = spec.picture()
    notes = list(sound.notes)
    if values.shape[1] > LAYER_COLUMNS:
        seconds = (LAYER_COLUMNS - 1) * spec.hop / RATE + spec.window / RATE
        notes.append(f"the layer reads the first {LAYER_COLUMNS} columns ({seconds:.1f} s); a longer hop shows more")
        values = values[:, :LAYER_COLUMNS]
    rows, cols = values.shape
    return gray_picture(values, f"spectrogram of a {sound.source}, {rows}×{cols}", tuple(notes))


def _waveform(sound: Sound) -> None:
    """The samples against time (min and max per bucket when there are many), a 20 ms close-up, and a player."""
    samples = sound.samples
    if len(samples) > WAVEFORM_POINTS:
        buckets = np.array_split(samples, WAVEFORM_POINTS // 2)
        y = np.ravel([(b.min(), b.max()) for b in buckets])
        x = np.repeat(np.cumsum([0] + [len(b) for b in buckets[:-1]]), 2) / RATE
    else:
        y, x = samples, np.arange(len(samples)) / RATE
    peak = max(1.0, float(np.abs(samples).max()))
    whole, close = st.columns([3, 1], gap="small")
    with whole:
        _line_chart(
            x,
            y,
            f"Waveform: {len(samples):,} samples, {sound.seconds:.2f} s at {RATE / 1000:g} kHz",
            peak,
            "sound_waveform",
        )
    # 20 ms around the loudest moment: the oscillation itself, one dot per sample
    n = min(len(samples), CLOSE_UP)
    middle = int(np.argmax(np.abs(samples)))
    start = min(max(0, middle - n // 2), len(samples) - n)
    with close:
        ms = np.arange(n) * 1000 / RATE
        title = f"Close-up: 20 ms from {start / RATE:.2f} s"
        _line_chart(ms, samples[start : start + n], title, peak, "sound_close_up", unit="ms")
    st.audio(wav_bytes(sound), format="audio/wav")
    st.caption(f"Source: {sound.source}" + (f"; {'; '.join(sound.notes)}" if sound.notes else "") + ".")


def _line_chart(x: np.ndarray, y: np.ndarray, title: str, peak: float, key: str, unit: str = "s") -> None:
    """A waveform: seconds across (a close-up, in ms, with a dot per sample), amplitude up."""
    dots = unit == "ms"
    fig = go.Figure(
        go.Scattergl(
            x=x,
            y=y,
            mode="lines+markers" if dots else "lines",
            marker=dict(size=3),
            line=dict(width=1, color="#3b6ea5"),
            hovertemplate="%{x:.2f} " + unit + ": %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        height=170,
        margin=dict(l=50, r=10, t=30, b=30),
        title=dict(text=title, font=dict(size=14)),
        xaxis=dict(title=None, ticksuffix=f" {unit}", nticks=4 if dots else None),
        yaxis=dict(title="amplitude", range=[-1.05 * peak, 1.05 * peak]),
        font=dict(size=display.figure_font()),
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key=key)


def _shown(spec: Spectrogram) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(db, freqs, times) reduced for the chart by taking the loudest cell of each block."""
    db, freqs, times = spec.db, spec.freqs, spec.times
    fr, fc = -(-db.shape[0] // MAX_SHOWN[0]), -(-db.shape[1] // MAX_SHOWN[1])
    if fr > 1 or fc > 1:
        rows, cols = db.shape[0] // fr * fr, db.shape[1] // fc * fc
        db = db[:rows, :cols].reshape(rows // fr, fr, cols // fc, fc).max(axis=(1, 3))
        freqs, times = freqs[:rows:fr], times[:cols:fc]
    return db, freqs, times


def _spectrogram_chart(spec: Spectrogram, sound: Sound) -> None:
    db, freqs, times = _shown(spec)
    rows, cols = spec.shape
    # mel bands as evenly spaced categories named by their Hz, so hover needs no per-cell data
    y = [f"{f:,.0f} Hz" for f in freqs] if spec.mel else freqs
    fig = go.Figure(
        go.Heatmap(
            z=db,
            x=times,
            y=y,
            colorscale=MAGMA,
            zmin=-FLOOR_DB,
            zmax=0,
            colorbar=dict(title=dict(text="dB"), thickness=12),
            hovertemplate="%{x:.3f} s, %{y" + ("}" if spec.mel else ":.0f} Hz") + ": %{z:.1f} dB<extra></extra>",
        )
    )
    if spec.mel:
        yaxis = dict(title="mel band", type="category", tickvals=y[::8])
    else:
        yaxis = dict(title="frequency (Hz)")
    fig.update_layout(
        height=360,
        margin=dict(l=60, r=10, t=30, b=40),
        title=dict(text="Spectrogram", font=dict(size=14)),
        xaxis=dict(title="time (s)"),
        yaxis=yaxis,
        font=dict(size=display.figure_font()),
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key="sound_spectrogram")
    shown = (
        ""
        if db.shape == spec.shape
        else f" The chart shows the loudest cell of each block ({db.shape[0]}×{db.shape[1]}); the filters read every cell."
    )
    st.markdown(f"**{shape_sentence(len(sound.samples), spec.window, spec.hop, 64 if spec.mel else None)}**.")
    st.caption(
        f"Time runs across, frequency up, loudness is colour. Each column is one window of sound; each row one "
        f"frequency band"
        f"{' on the mel scale' if spec.mel else f', {RATE / spec.window:.1f} Hz wide'}. Colour: decibels below the "
        f"loudest cell, from 0 down to −{FLOOR_DB:.0f}.{shown}"
    )


def _verdict(sound: Sound) -> None:
    """What sound-net makes of the sound, with what it heard; the honest note for sounds of the user's own."""
    st.subheader("What sound-net hears")
    try:
        inspector.trained_network(MODEL_ID)
    except ConvScopeError as exc:
        st.error(str(exc))
        return
    spec = get_spec(MODEL_ID)
    picture, start = sound_input.network_input(sound)
    heard, said = st.columns([1, 2], gap="large")
    with heard:
        st.image(enlarge(grayscale(picture.pixels[..., 0], 0, 1), 192, 256), width=192)
        st.caption(f"{spec.preprocessing_note} Here: from {start:.2f} s.")
    with said:
        layers = inspector.run_network(MODEL_ID, spec.preprocess(picture.pixels), None)
        inspector.prediction(spec, layers[-1].output, key="sound_probabilities")
        if not sound_input.is_generated(PAGE):
            st.info(sound_input.OUT_OF_DOMAIN)
        if st.button("Open sound-net layer by layer in Inside the CNN", key="sound_open_inside"):
            _open_inside(sound)


def _open_inside(sound: Sound) -> None:
    """Inside the CNN, on sound-net, with the same sound."""
    st.session_state["inspector_model"] = MODEL_ID
    sound_input.carry(sound, PAGE, inspector.PAGE)
    from viz.ui import pages  # here: pages imports this module

    st.switch_page(pages.inside_page())
