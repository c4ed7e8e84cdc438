"""docker-compose.yml cannot run here (no Docker engine): check that it names only what the application really
reads and runs — settings, CLI commands and options, the work pool and its type, the databases the Postgres
init script creates, the packages the image must contain."""
import re
import shlex
from dataclasses import fields
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from presswatch.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def local(value: str) -> str:
    """A compose value with every ``${VAR:-default}`` replaced by its default (what a laptop gets without .env)."""
    assert "${" not in DEFAULTED.sub("", value), f"{value!r}: a variable without a local default"
    return DEFAULTED.sub(lambda m: m.group(2), value)


def commands(cmd: str) -> list[list[str]]:
    """The commands of a service: ``sh -c "a && b"`` is two."""
    args = shlex.split(cmd)
    if args[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in args[2].split("&&")]
    return [args]


def test_the_scaled_out_services_and_their_order(compose):
    import prefect

    s = compose["services"]
    assert set(s) == {"elasticsearch", "postgres", "prefect-server", "register", "worker", "app"}
    assert s["elasticsearch"]["image"].split(":")[-1].startswith("9.")
    assert s["prefect-server"]["image"].startswith(f"prefecthq/prefect:{prefect.__version__}-")  # the pinned client
    for name in ("worker", "app"):
        assert s[name]["depends_on"]["register"] == {"condition": "service_completed_successfully"}
    assert {k: v["condition"] for k, v in s["register"]["depends_on"].items()} == {
        "postgres": "service_healthy", "elasticsearch": "service_healthy", "prefect-server": "service_healthy"}
    assert all("healthcheck" in s[n] for n in ("postgres", "elasticsearch", "prefect-server"))
    assert all(p.startswith("127.0.0.1:") for svc in s.values() for p in svc.get("ports", []))  # local only


def test_the_app_environment_is_settings_the_app_reads(compose, monkeypatch):
    from presswatch.config import load_settings

    known = {f"PRESSWATCH_{f.name.upper()}" for f in fields(Settings)} | {"PRESSWATCH_DATA_DIR", "ELASTICSEARCH_URL"}
    envs = [compose["services"][n]["environment"] for n in ("register", "worker", "app")]
    assert envs[0] == envs[1] == envs[2]  # one environment: every role sees the same store, index and server
    env = {k: local(str(v)) for k, v in envs[0].items()}
    ours = {k for k in env if k.startswith("PRESSWATCH_") or k == "ELASTICSEARCH_URL"}
    assert ours <= known, ours - known
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = load_settings()
    assert str(s.data_dir) == "/data" and s.index_backend == "elasticsearch"
    assert s.elasticsearch_url == "http://elasticsearch:9200" and s.domain_concurrency == 2
    assert str(s.model_cache_dir).startswith("/data/")
    assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    # the store: the Postgres service's own database, user and password
    pg = compose["services"]["postgres"]["environment"]
    url = urlsplit(s.database_url)
    assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
    assert (url.username, url.password, url.path) == (pg["POSTGRES_USER"], local(pg["POSTGRES_PASSWORD"]),
                                                      "/" + pg["POSTGRES_DB"])


def test_prefect_gets_its_own_database_from_the_init_script(compose):
    s = compose["services"]
    mounts = [v for v in s["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert len(mounts) == 1
    script = ROOT / mounts[0].split(":")[0]
    text = script.read_text(encoding="utf-8")
    url = urlsplit(local(s["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]))
    assert url.scheme == "postgresql+asyncpg" and url.hostname == "postgres"
    assert f"CREATE ROLE {url.username} LOGIN" in text and f"CREATE DATABASE {url.path[1:]} OWNER {url.username}" in text
    # the script's password variable is passed to the postgres service with the same default as the server's URL
    assert "PREFECT_DB_PASSWORD" in text and local(s["postgres"]["environment"]["PREFECT_DB_PASSWORD"]) == url.password
    assert url.path[1:] != s["postgres"]["environment"]["POSTGRES_DB"]  # two databases on one server


def test_commands_exist_and_the_worker_polls_the_registered_pool(compose):
    from click.testing import CliRunner
    from prefect.cli.worker import worker_app

    from flows.schedule import WORK_POOL_TYPE
    from presswatch.cli import main

    s = compose["services"]
    pool = None
    for name in ("register", "app"):
        for args in commands(s[name]["command"]):
            assert args[0] == "presswatch", args
            cmd = main.get_command(None, args[1])
            assert cmd is not None, f"{name}: no command {args[1]!r}"
            ctx = cmd.make_context(args[1], args[2:])  # raises on an unknown option
            pool = ctx.params.get("work_pool") or pool
    assert pool == "presswatch"
    assert [a[1] for a in commands(s["register"]["command"])] == ["init", "schedule"]
    assert CliRunner().invoke(main, ["schedule", "--help"]).exit_code == 0
    worker = shlex.split(s["worker"]["command"])
    assert worker[:3] == ["prefect", "worker", "start"]
    bound = worker_app.parse_args(worker[2:], exit_on_error=False, print_error=False)[1].arguments
    assert bound == {"work_pool_name": pool, "worker_type": WORK_POOL_TYPE}


def test_the_image_holds_every_package_the_flows_import():
    """The worker imports the deployments' module-path entrypoints (flows.tasks.ingest_flow) from the installed
    package: every package of pyproject.toml must be copied into the image before `pip install`."""
    import tomllib

    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    include = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\w+) /app/\1$", docker, re.M))
    assert {p.rstrip("*") for p in include} <= copied, {p.rstrip("*") for p in include} - copied
    assert re.search(r"^RUN pip install --no-cache-dir /app$", docker, re.M)
    assert "torch==2.13.0" in docker and "--index-url https://download.pytorch.org/whl/cpu" in docker
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored
