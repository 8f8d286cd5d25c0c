"""The app's pages, made once: the navigation lists them and a page can switch to another."""

from __future__ import annotations

import streamlit as st

from viz.ui import inspector, playground, training

PLAYGROUND = st.Page(
    playground.render, title="Filter playground", icon=":material/tune:", url_path="playground", default=True
)
INSIDE = st.Page(inspector.render, title="Inside the CNN", icon=":material/neurology:", url_path="inside")
TRAIN = st.Page(training.render, title="Train it yourself", icon=":material/model_training:", url_path="train")
ALL = [PLAYGROUND, INSIDE, TRAIN]
