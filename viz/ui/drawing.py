"""Drawing with the mouse or a finger: a canvas that returns pixels."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

# streamlit-drawable-canvas 0.13 keeps its toolbar (send, undo, redo, edit, bin) invisible over the
# canvas's top-right corner until the pointer has hovered for 0.1 s, then slides it above the canvas.
# A stroke that starts there (the top ~13 % of the right half) lands on the invisible toolbar and is
# lost. The canvas lives in a shadow root that page CSS cannot reach, so this adds one rule inside
# each canvas's root: the toolbar is hidden (and lets the pointer through) until it has moved away.
TOOLBAR_FIX = """<script>
(() => {
  if (window.__convscopeToolbarFix) return;
  window.__convscopeToolbarFix = true;
  const css = ".dc-toolbar{visibility:hidden}" +
    ".dc-root:hover>.dc-toolbar,.dc-toolbar:focus-within,.dc-toolbar[data-pinned=true]" +
    "{visibility:visible;transition:opacity .15s .1s,top .1s .1s,visibility 0s .2s}";
  let queued = false;
  const scan = () => {
    queued = false;
    document.querySelectorAll('[data-testid="stBidiComponentIsolated"]').forEach((host) => {
      const root = host.shadowRoot;
      if (!root || root.__convscopeToolbarFix || !root.querySelector(".dc-toolbar")) return;
      const style = document.createElement("style");
      style.textContent = css;
      root.appendChild(style);
      root.__convscopeToolbarFix = true;
    });
  };
  // A canvas's root fills after its host is added (no mutation to observe then): look again twice a second.
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(scan); } })
    .observe(document.body, { childList: true, subtree: true });
  setInterval(scan, 500);
  scan();
})();
</script>"""


def canvas_pixels(key: str, size: int = 236, stroke_width: int = 18) -> np.ndarray | None:
    """A square drawing canvas; returns (size, size, 3) float32 in [0, 1], or None while it is empty.

    Black ink on white, like pen on paper; the networks' preprocessing finds the ink either way.
    """
    st.html(TOOLBAR_FIX, unsafe_allow_javascript=True)
    result = st_canvas(
        stroke_width=stroke_width,
        stroke_color="#000000",
        background_color="#ffffff",
        height=size,
        width=size,
        drawing_mode="freedraw",
        key=key,
        update_streamlit=True,
        return_image_data=True,
    )
    if result is None or result.image_data is None:
        return None
    rgba = np.asarray(result.image_data, dtype=np.float32) / 255.0
    alpha = rgba[..., 3:4]
    rgb = rgba[..., :3] * alpha + (1.0 - alpha)  # transparent canvas areas are paper
    if float(rgb.min()) > 0.9:
        return None
    return rgb
