"""The rule of thumb, shown: a digit before and after the fixed pixel shuffle, and the four measured accuracies."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from viz.preprocess import digit_to_mnist
from viz.render import enlarge, grayscale
from viz.samples import DIGIT_SAMPLES
from viz.shuffled import CARD_NAME, DATAS, NETWORKS, permutation, shuffle_pixels
from viz.shuffled import load_figures as _load_figures
from viz.ui import display
from viz.ui.inputs import DRAW, image_source

PAGE = "shuffle"
COLOURS = {"original": "#3b6ea5", "shuffled": "#d9822b"}


@st.cache_data(show_spinner=False, ttl=600)
def load_figures() -> dict | None:
    return _load_figures()


def render() -> None:
    st.header("Shuffled pixels: the rule of thumb")
    st.markdown(
        "*“If your data is just as useful after swapping any of your columns with each other, then you can't use "
        "convolutional neural networks.”* Here is the experiment: move every pixel of every MNIST digit to a new "
        "place — one fixed shuffle, the same for every digit — and train the same two networks on the original "
        "and on the shuffled digits."
    )
    pick, before, after = st.columns([2, 1, 1], gap="medium")
    with pick:
        picture = image_source(PAGE, DIGIT_SAMPLES, working_size=False, sources=("Sample", DRAW))
    if picture is not None:
        digit = digit_to_mnist(picture.pixels)[0, 2:30, 2:30]  # the 28×28 MNIST digit, before LeNet's padding
        shuffled = shuffle_pixels(digit[None], permutation())[0]
        with before:
            st.markdown("**Before: 28×28, as MNIST**")
            st.image(enlarge(grayscale(digit, 0, 1), 168, 224), width=168)
        with after:
            st.markdown("**After the shuffle**")
            st.image(enlarge(grayscale(shuffled, 0, 1), 168, 224), width=168)
            st.caption(
                "The same 784 values, in other places: nothing is lost, but neighbours are no longer neighbours."
            )
    card = load_figures()
    if card is None:
        st.error(
            f"The measured figures (pretrained/{CARD_NAME}) are missing or damaged. "
            "Reinstall the project or measure them again with `python -m viz.shuffled`."
        )
        return
    _chart(card)
    acc = card["accuracy"]
    cnn_edge = acc["cnn/original"] - acc["fc/original"]
    cnn_left = acc["cnn/shuffled"] - acc["fc/shuffled"]
    st.markdown(
        f"The fully connected network scores **{acc['fc/original']:.1%}** on the original digits and "
        f"**{acc['fc/shuffled']:.1%}** on the shuffled ones: it does not care, because it weighs every pixel on "
        f"its own and a shuffle only changes which weight meets which pixel. The CNN drops from "
        f"**{acc['cnn/original']:.1%}** to **{acc['cnn/shuffled']:.1%}**: its lead of {cnn_edge * 100:.1f} points "
        f"shrinks to {cnn_left * 100:.1f}. **Why:** a convolution looks at small windows of neighbouring pixels and "
        "uses the same filter everywhere, which only helps when neighbouring pixels belong together — after a "
        "shuffle, a 5×5 window holds 25 unrelated pixels."
    )
    t = card["training"]
    st.caption(
        f"Measured by `{card['reproduce']}`: {card['parameters']['cnn']:,}-weight CNN (two 5×5 conv/ReLU/pool "
        f"stages) and {card['parameters']['fc']:,}-weight fully connected network (784 → 14 → 10), "
        f"{t['train_images']:,} training digits, {t['epochs']} epochs each, tested on {card['test_images']:,} "
        "digits they never saw (shuffled the same way for the shuffled networks). On shuffled pixels the fully "
        "connected network starts from the same random weights as on the original ones, each moved with its pixel: "
        "it then computes exactly the same, so the two scores agree to the last digit."
    )


def _chart(card: dict) -> None:
    acc = card["accuracy"]
    fig = go.Figure(
        [
            go.Bar(
                name=DATAS[data],
                x=[NETWORKS[n] for n in NETWORKS],
                y=[acc[f"{n}/{data}"] for n in NETWORKS],
                marker_color=COLOURS[data],
                text=[f"{acc[f'{n}/{data}']:.1%}" for n in NETWORKS],
                textposition="outside",
                hovertemplate="%{x}, " + DATAS[data] + ": %{y:.2%}<extra></extra>",
            )
            for data in DATAS
        ]
    )
    low = min(acc.values())
    bottom = max(0.0, np.floor(low * 20) / 20 - 0.05)
    fig.update_layout(
        barmode="group",
        height=300,
        margin=dict(l=40, r=10, t=30, b=30),
        title=dict(text=f"Test accuracy on 10,000 digits (the axis starts at {bottom:.0%})", font=dict(size=14)),
        yaxis=dict(range=[bottom, 1.0], tickformat=".0%"),
        legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
        font=dict(size=display.figure_font()),
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key="shuffle_accuracies")
