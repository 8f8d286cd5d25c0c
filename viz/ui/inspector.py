"""Inside the CNN: every layer of a pretrained network on the user's own image."""

import streamlit as st


def render() -> None:
    st.title("Inside the CNN")
    st.info("Coming next: open the pretrained networks layer by layer.")
