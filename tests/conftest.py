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
# The Postgres path: with DATABASE_URL pointing at a Postgres server (scripts/postgres-test-server.sh), every
# test gets a fresh schema there and PRESSWATCH_DATABASE_URL names it, so the store of every test — in this
# process and in the CLI subprocesses it starts — is that Postgres schema instead of a SQLite file.
POSTGRES_URL = os.environ.get("DATABASE_URL") or None
os.environ.pop("PRESSWATCH_DATABASE_URL", None)
_DIR_DB: dict[str, str] = {}  # data directories of module-scoped stores -> their Postgres schema (cli_env)
_SCHEMAS: list[str] = []


def _new_schema() -> str:
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
    _SCHEMAS.append(name)
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{name}"


def _drop_schema(url: str) -> None:
    import psycopg

    name = url.rsplit("%3D", 1)[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    if name in _SCHEMAS:
        _SCHEMAS.remove(name)


def use_module_database(settings):
    """For a store that outlives one test (a module-scoped fixture): on the Postgres path, give it a schema of
    its own for the module and make ``cli_env`` hand the same one to the CLI subprocesses of its data
    directory. A no-op on SQLite. Returns the settings."""
    if POSTGRES_URL:
        settings.database_url = _new_schema()
        _DIR_DB[str(Path(settings.data_dir).resolve())] = settings.database_url
    return settings


def pytest_sessionfinish(session, exitstatus):
    if POSTGRES_URL and _SCHEMAS:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as c:
            for name in _SCHEMAS:
                c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _postgres_schema(request):
    """A fresh Postgres schema per test when DATABASE_URL is set (see POSTGRES_URL); nothing otherwise."""
    if not POSTGRES_URL or request.node.get_closest_marker("sqlite_only"):
        yield None
        return
    url = _new_schema()
    os.environ["PRESSWATCH_DATABASE_URL"] = url
    try:
        yield url
    finally:
        os.environ.pop("PRESSWATCH_DATABASE_URL", None)
        _drop_schema(url)


@pytest.fixture()
def fresh_database_url():
    """For a test that needs a second, separate store: ``fresh_database_url()`` gives a new empty Postgres
    schema's URL on the Postgres path, None on SQLite (where a new data directory is a new store)."""
    made = []

    def make():
        if not POSTGRES_URL:
            return None
        made.append(_new_schema())
        return made[-1]

    yield make
    for url in made:
        _drop_schema(url)


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about the SQLite file itself; it runs on "
                                       "SQLite even when DATABASE_URL selects the Postgres path")


def pytest_report_header(config):
    return f"system of record: {'Postgres at ' + POSTGRES_URL if POSTGRES_URL else 'SQLite files (default)'}"


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
    db_url = _DIR_DB.get(str(Path(data_dir).resolve()))
    if db_url:
        env["PRESSWATCH_DATABASE_URL"] = db_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def presswatch_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "presswatch"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "presswatch.cli"]
