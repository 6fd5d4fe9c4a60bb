import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from reportlab import rl_config  # noqa: E402

# In tests only: a PDF made twice from the same input has the same bytes (fixed creation date and
# document id), so golden files and "same file" checks can compare them. Real PDFs carry their date.
rl_config.invariant = 1


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path_factory, monkeypatch):
    """Tests never touch a real user's school file or logs: data, config, state (the log folder)
    and cache folders point at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # platformdirs' user_log_dir
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "runtime"))
