"""The playground page alone, for AppTest (app.py's navigation needs a browser URL to switch pages)."""

import streamlit as st

from viz.ui import playground

st.set_page_config(layout="wide")
playground.render()
