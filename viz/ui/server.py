"""Set-up done once per server process, before any page runs.

app.py imports this module first. Python runs a module's body once and makes
every other thread that imports it wait until it has finished, so the first
visitors of a fresh server cannot race each other through half-imported
libraries (Plotly imports pandas lazily, from whichever session thread first
draws a chart).
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading

import pandas  # noqa: F401  (Plotly's lazy import, done here once)
import plotly.graph_objects as go
import plotly.io
import scipy.ndimage  # noqa: F401
import torch  # noqa: F401
from starlette.formparsers import MultiPartParser

import viz.images  # noqa: F401  (registers the HEIC opener with Pillow)
from viz.images import MAX_UPLOAD_MB
from viz.live_training import xo_dataset

# Uploads stay in memory. Starlette's multipart parser spools any file part over 1 MB into a
# temporary file on disk; Streamlit refuses bodies over server.maxUploadSize (plus a little
# multipart overhead) while they stream in, so a spool larger than that never rolls over to disk.
UPLOAD_SPOOL_BYTES = (MAX_UPLOAD_MB + 2) * 1024 * 1024
MultiPartParser.spool_max_size = UPLOAD_SPOOL_BYTES

# glibc gives every thread that allocates its own memory pool ("arena"); Streamlit runs each session's
# script in a thread of its own, so freed picture memory sat in many pools and the server kept ~1 GB it
# no longer used after a busy class. Two pools are plenty for two cores. (The same as MALLOC_ARENA_MAX=2.)
M_ARENA_MAX = -8
try:
    ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)
except (OSError, AttributeError):  # not glibc: nothing to tune
    pass

# The training page's generated Xs and Os (2,500 of them, ~0.7 s) are made once, in the background, at start-up.
threading.Thread(target=xo_dataset, name="convscope-xo-examples", daemon=True).start()

# Draw one chart off-screen so every module Plotly loads on first use is loaded now.
plotly.io.to_json(go.Figure(go.Heatmap(z=[[0.0, 1.0]])))

# Everything imported so far lives as long as the server. Python's full garbage collection walked all of
# it (~270,000 objects, 170 ms here, holding every session's thread still) every so often; frozen, a
# collection only looks at what sessions create.
gc.freeze()

# Every session's script, the decoders and the web server's event loop share one interpreter lock; a thread
# that wants it back waits up to Python's switch interval (5 ms) for the thread holding it. Measured with
# benchmarks/classroom.py (p90 of the bystanders' reruns while eight students edit kernels at 1024 px):
# 0.95-1.02 s in three runs at 5 ms, 0.52-0.84 s in three runs at 1 ms.
SWITCH_INTERVAL_SECONDS = 0.001
sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
