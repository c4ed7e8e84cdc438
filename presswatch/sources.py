"""The source registry: sources are data (YAML), validated with errors that say what to fix."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from .record import SOURCE_TYPES, SourceRef

# rss/atom/jsonfeed/social: feeds read by crawlers.feeds (YouTube, Reddit, Mastodon and forum feeds are
# plain rss/atom with source_type social); sitemap/site/page: crawled by the Scrapy spiders in a
# subprocess (crawlers/crawl.py); telegram: a public channel page t.me/s/<name>; facebook: a page read
# through the RSS-bridge instance configured as ``rss_bridge_url``.
KINDS = ("rss", "atom", "jsonfeed", "social", "sitemap", "site", "page", "telegram", "facebook")
CRAWLED_KINDS = ("sitemap", "site", "page")
PLATFORMS = ("youtube", "telegram", "facebook", "reddit", "mastodon", "forum", "other")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


class SourceError(Exception):
    """The source file is unusable; the message names the file, the entry and the fix."""


class SourceSpec(BaseModel):
    id: str
    name: str
    kind: str
    url: str
    source_type: str
    language: str | None = None
    provinces: list[str] = Field(default_factory=list)
    trust_tier: int = Field(default=3, ge=1, le=4)
    poll_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    enabled: bool = True
    notes: str | None = None
    # crawl options (kinds sitemap/site/page): render JavaScript-only pages with Debian's chromium (opt-in,
    # needs the ``js`` extra), a regular expression that article URLs match, a page budget per crawl
    render_js: bool = False
    article_pattern: str | None = None
    max_pages: int = Field(default=200, ge=1, le=100_000)
    platform: str | None = None  # social sources: which platform (PLATFORMS), for reports and parsing

    model_config = {"extra": "forbid"}

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be lower-case ascii letters, digits, '-' or '_' (2-64 chars)")
        return v

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return v

    @field_validator("platform")
    @classmethod
    def _platform(cls, v: str | None) -> str | None:
        if v is not None and v not in PLATFORMS:
            raise ValueError(f"must be one of {', '.join(PLATFORMS)}")
        return v

    @field_validator("article_pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return v

    def options(self) -> dict:
        """The kind-specific options, as stored in ``sources.options`` (JSON)."""
        return {k: getattr(self, k) for k in OPTION_FIELDS}

    @field_validator("source_type")
    @classmethod
    def _stype(cls, v: str) -> str:
        if v not in SOURCE_TYPES:
            raise ValueError(f"must be one of {', '.join(SOURCE_TYPES)}")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an absolute http(s) URL")
        return v

    def ref(self) -> SourceRef:
        return SourceRef(id=self.id, name=self.name, source_type=self.source_type, language=self.language,
                         provinces=list(self.provinces), trust_tier=self.trust_tier)


OPTION_FIELDS = ("render_js", "article_pattern", "max_pages", "platform")


def spec_from_row(row) -> SourceSpec:
    """Rebuild a registry entry from a ``sources`` table row (the store keeps what the registry said)."""
    import json

    opts = json.loads(row["options"] or "{}") if "options" in row.keys() else {}
    return SourceSpec(id=row["id"], name=row["name"], kind=row["kind"], url=row["url"],
                      source_type=row["source_type"], language=row["language"],
                      provinces=json.loads(row["provinces"]), trust_tier=row["trust_tier"],
                      poll_minutes=row["poll_minutes"], enabled=bool(row["enabled"]),
                      **{k: v for k, v in opts.items() if k in OPTION_FIELDS})


def load_sources(path: str | Path, variables: dict[str, str] | None = None,
                 known_provinces: set[str] | None = None) -> list[SourceSpec]:
    """Load and validate a registry file; any problem raises ``SourceError`` listing all of them."""
    specs, problems = check_sources(path, variables, known_provinces)
    if problems:
        raise SourceError(f"{path}: {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
    return specs


def check_sources(path: str | Path, variables: dict[str, str] | None = None,
                  known_provinces: set[str] | None = None) -> tuple[list[SourceSpec], list[str]]:
    """Validate a registry file: (valid entries, problems). A file that cannot be read at all raises
    ``SourceError``. ``{name}`` placeholders in URLs are filled from ``variables``."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceError(f"source file {path} does not exist; create it or pass --sources FILE") from exc
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not valid YAML: {exc}. Fix the syntax (indentation, quotes) and retry.") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        raise SourceError(f"{path}: expected a mapping with a 'sources:' list at the top level")
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    problems: list[str] = []
    for n, entry in enumerate(raw["sources"], start=1):
        label = f"entry {n}" + (f" ({entry.get('id')})" if isinstance(entry, dict) and entry.get("id") else "")
        if not isinstance(entry, dict):
            problems.append(f"{label}: expected a mapping of fields")
            continue
        entry = dict(entry)
        if variables and isinstance(entry.get("url"), str):
            try:
                entry["url"] = entry["url"].format(**variables)
            except KeyError as exc:
                problems.append(f"{label}: url uses placeholder {exc} that is not set")
                continue
        try:
            spec = SourceSpec.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(x) for x in err["loc"]) or "entry"
                problems.append(f"{label}: field '{loc}': {err['msg']}")
            continue
        if spec.id in seen:
            problems.append(f"{label}: duplicate id {spec.id!r}")
            continue
        if known_provinces is not None:
            unknown = [p for p in spec.provinces if p not in known_provinces]
            if unknown:
                problems.append(f"{label}: unknown province id(s) {unknown}; use ids from the gazetteer")
                continue
        seen.add(spec.id)
        specs.append(spec)
    return specs, problems
