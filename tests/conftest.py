"""Shared fixtures: real SQLite files in temp dirs, the bundled demo site on 127.0.0.1, and one Prefect
test harness for the whole session (Prefect's temporary server starts once)."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="pw-prefect-")
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")
os.environ.pop("PRESSWATCH_DATA_DIR", None)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_site():
    from presswatch.demo_site import DemoSite

    site = DemoSite(port=0).start()
    yield site
    site.stop()


@pytest.fixture()
def settings(tmp_path):
    from presswatch.config import load_settings

    s = load_settings(tmp_path / "data", allow_private_hosts=["127.0.0.1"])
    s.ensure_dirs()
    return s


@pytest.fixture()
def store(settings):
    from presswatch.storage import open_store

    st = open_store(settings)
    yield st
    st.close()


def cli_env(data_dir: Path, **extra) -> dict:
    env = dict(os.environ)
    env["PRESSWATCH_DATA_DIR"] = str(data_dir)
    env.pop("PREFECT_API_URL", None)
    env["PREFECT_HOME"] = str(Path(data_dir) / "prefect")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def presswatch_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "presswatch"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "presswatch.cli"]
