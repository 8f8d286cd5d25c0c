"""The app's pages. Streamlit's page objects hold the state of one script run, so every run (every
session) makes its own: a page object shared by sessions fails when two open at once."""

from __future__ import annotations

import streamlit as st

from viz.ui import inspector, playground, sound, training


def playground_page() -> st.Page:
    return st.Page(
        playground.render, title="Filter playground", icon=":material/tune:", url_path="playground", default=True
    )


def inside_page() -> st.Page:
    return st.Page(inspector.render, title="Inside the CNN", icon=":material/neurology:", url_path="inside")


def train_page() -> st.Page:
    return st.Page(training.render, title="Train it yourself", icon=":material/model_training:", url_path="train")


def beyond_page() -> st.Page:
    return st.Page(sound.render, title="Beyond images", icon=":material/graphic_eq:", url_path="beyond")


def all_pages() -> list[st.Page]:
    return [playground_page(), inside_page(), train_page(), beyond_page()]
