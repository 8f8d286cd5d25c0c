"""Server-wide set-up: done once, first, before any page draws."""

import ast
import subprocess
import sys

from tests.conftest import ROOT


def test_app_imports_the_server_setup_before_anything_else_of_ours():
    tree = ast.parse((ROOT / "app.py").read_text())
    ours = [
        node
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom) and any(name.startswith("viz") for name in _names(node))
    ]
    assert _names(ours[0]) == ["viz.ui.server"]


def _names(node) -> list[str]:
    return [node.module] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]


def test_setup_loads_the_lazy_imports_and_keeps_uploads_in_memory():
    code = (
        "import sys, viz.ui.server\n"
        "from starlette.formparsers import MultiPartParser\n"
        "from viz.images import MAX_UPLOAD_MB\n"
        "assert {'pandas', 'torch', 'plotly.graph_objects'} <= set(sys.modules)\n"
        "assert MultiPartParser.spool_max_size > (MAX_UPLOAD_MB + 1) * 1024 * 1024\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_server_runs_no_full_garbage_collection_after_every_rerun():
    # Streamlit's default collects everything after each run, holding every other session still meanwhile.
    code = (
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "assert config.get_option('runner.postScriptGC') is False\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_setup_hands_the_interpreter_lock_over_within_a_millisecond():
    # Sessions, decoders and the event loop share one lock; at Python's 5 ms a busy class slowed every rerun.
    code = "import sys, viz.ui.server\nassert sys.getswitchinterval() <= 0.001, sys.getswitchinterval()\n"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
