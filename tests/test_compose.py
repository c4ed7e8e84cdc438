"""docker-compose.yml cannot run here (no Docker engine): check it parses and wires what the app reads."""
from dataclasses import fields
from pathlib import Path

import yaml

from presswatch.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_compose_names_the_services_and_the_variables_the_app_reads():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"elasticsearch", "postgres", "prefect-server", "app", "scheduler"} <= set(services)
    assert services["elasticsearch"]["image"].split(":")[-1].startswith("9.")
    assert services["prefect-server"]["image"].startswith("prefecthq/prefect:3.8.8")
    assert "postgres" in services["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    known = {f"PRESSWATCH_{f.name.upper()}" for f in fields(Settings)} | {"PRESSWATCH_DATA_DIR", "ELASTICSEARCH_URL"}
    for name in ("app", "scheduler"):
        env = services[name]["environment"]
        presswatch_vars = {k for k in env if k.startswith("PRESSWATCH_") or k == "ELASTICSEARCH_URL"}
        assert presswatch_vars and presswatch_vars <= known, presswatch_vars - known
        assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert env["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert services["app"]["command"].startswith("presswatch serve")
    assert services["scheduler"]["command"] == "presswatch schedule"
    assert (ROOT / "Dockerfile").exists()
