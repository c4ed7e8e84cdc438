"""The source registry: sources are data (YAML), validated with errors that say what to fix."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from .record import SOURCE_TYPES, SourceRef

KINDS = ("rss", "atom", "jsonfeed", "sitemap", "site", "social")
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
