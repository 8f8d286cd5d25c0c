"""The training page alone, for AppTest."""

import streamlit as st

from viz.ui import training

st.set_page_config(layout="wide")
training.render()
