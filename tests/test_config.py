"""Settings: secrets come from the environment only; a secret in DATA_DIR/presswatch.toml is refused."""
import pytest

from presswatch.config import ConfigError, load_settings


def _toml(tmp_path, text):
    (tmp_path / "presswatch.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("line, env", [
    ('elasticsearch_url = "https://elastic:S3cr3t-pw@es.office.lan:9200"', "ELASTICSEARCH_URL"),
    ('database_url = "postgresql://presswatch:S3cr3t-pw@postgres:5432/presswatch"', "PRESSWATCH_DATABASE_URL"),
    ('smtp_password = "S3cr3t-pw"', "PRESSWATCH_SMTP_PASSWORD"),
    ('elasticsearch_api_key = "S3cr3t-pw"', "ELASTICSEARCH_URL"),
])
def test_a_secret_in_the_file_is_refused_without_repeating_it(tmp_path, monkeypatch, line, env):
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    _toml(tmp_path, f"fetch_timeout_s = 15\n{line}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    msg = str(err.value)
    assert "presswatch.toml" in msg and "environment" in msg and env in msg
    assert "S3cr3t-pw" not in msg


def test_urls_without_a_password_may_be_in_the_file_and_the_password_comes_from_the_environment(tmp_path, monkeypatch):
    _toml(tmp_path, 'elasticsearch_url = "http://es.office.lan:9200"\nclassifier_max_tokens = 96\n')
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.delenv("PRESSWATCH_ELASTICSEARCH_URL", raising=False)
    s = load_settings(tmp_path)
    assert s.elasticsearch_url == "http://es.office.lan:9200" and s.classifier_max_tokens == 96
    monkeypatch.setenv("PRESSWATCH_ELASTICSEARCH_URL", "https://elastic:S3cr3t-pw@es.office.lan:9200")
    assert load_settings(tmp_path).elasticsearch_url == "https://elastic:S3cr3t-pw@es.office.lan:9200"


def test_an_unknown_setting_is_still_named(tmp_path):
    _toml(tmp_path, "fetch_timeout = 15\n")
    with pytest.raises(ConfigError, match="unknown setting 'fetch_timeout'"):
        load_settings(tmp_path)


def test_database_url_password_from_the_environment(tmp_path, monkeypatch):
    _toml(tmp_path, 'database_url = "postgresql://presswatch@postgres:5432/presswatch"\n')  # no password: fine
    monkeypatch.delenv("PRESSWATCH_DATABASE_URL", raising=False)
    assert load_settings(tmp_path).database_url == "postgresql://presswatch@postgres:5432/presswatch"
    monkeypatch.setenv("PRESSWATCH_DATABASE_URL", "postgresql://presswatch:S3cr3t-pw@postgres:5432/presswatch")
    assert load_settings(tmp_path).database_url == "postgresql://presswatch:S3cr3t-pw@postgres:5432/presswatch"
