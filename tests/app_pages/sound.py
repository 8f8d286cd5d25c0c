"""The Beyond images page alone, for AppTest (app.py's navigation needs a browser URL to switch pages)."""

import streamlit as st

from viz.ui import sound

st.set_page_config(layout="wide")
sound.render()
