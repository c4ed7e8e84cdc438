"""The one typed record that flows through every stage.

A ``Document`` is built by a crawler (``source`` + ``fetch``), filled by the pipelines (``extraction``),
tagged by the models (``enrichment``) and written by the store. Each stage is a function
``Document -> Document`` (or ``Document -> None`` when it decides to drop the item) that reads the parts
it needs and fills its own part; no stage knows which stage ran before or after it.
"""
from __future__ import annotations

import hashlib
import zlib
from datetime import datetime, timezone

from pydantic import BaseModel, Field

SOURCE_TYPES = (
    "provincial_press", "national_press", "foreign_press", "government_portal", "social", "blog_forum", "other",
)
TOPICS = (
    "sovereignty", "foreign_relations", "human_rights", "religion_ethnicity", "investment_economy",
    "labour", "tourism_culture", "local_issues", "politics_governance", "social_welfare",
)
SENTIMENTS = ("negative", "neutral", "positive")
STANCES = ("supportive", "neutral", "critical", "distorting")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SourceRef(BaseModel):
    """Which registered source the item came from (a copy of the registry fields a stage may need)."""
    id: str
    name: str = ""
    source_type: str = "other"
    language: str | None = None
    provinces: list[str] = Field(default_factory=list)
    trust_tier: int = 3


class Fetch(BaseModel):
    requested_url: str
    final_url: str | None = None
    status: int | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    fetched_at: datetime = Field(default_factory=utcnow)
    raw_compressed: bytes | None = None  # zlib-compressed raw bytes: the evidence snapshot
    raw_sha256: str | None = None
    # what the feed said about the item (kept beside what the page says)
    feed_title: str | None = None
    feed_summary: str | None = None
    feed_published: datetime | None = None
    feed_author: str | None = None

    @staticmethod
    def pack(raw: bytes) -> tuple[bytes, str]:
        return zlib.compress(raw, 6), hashlib.sha256(raw).hexdigest()

    def raw_bytes(self) -> bytes | None:
        return zlib.decompress(self.raw_compressed) if self.raw_compressed is not None else None


class Extraction(BaseModel):
    title: str = ""
    text: str = ""
    published: datetime | None = None
    published_source: str | None = None  # page | feed | import | none
    date_note: str | None = None  # why a date was rejected, when it was
    author: str | None = None
    language: str | None = None
    language_confidence: float | None = None
    canonical_url: str | None = None
    encoding: str | None = None
    extractor: str | None = None


class ProvinceHit(BaseModel):
    id: str
    score: float
    evidence: list[str] = Field(default_factory=list)


class Enrichment(BaseModel):
    provinces: list[ProvinceHit] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    subtopics: list[str] = Field(default_factory=list)
    topic_scores: dict[str, float] = Field(default_factory=dict)
    sentiment: str = "neutral"
    stance: str = "neutral"
    reasons: list[str] = Field(default_factory=list)  # human-checkable reasons from the classifier
    model_version: str | None = None
    content_hash: str | None = None
    story_id: str | None = None
    duplicate_of: int | None = None
    risk: float = 0.0
    risk_reasons: list[str] = Field(default_factory=list)
    alert: bool = False
    # the classifier's document embedding (transformer only), handed to later stages in the same process
    # (story clustering); never serialised into the stored record
    embedding: list[float] | None = Field(default=None, exclude=True)


class Document(BaseModel):
    id: int | None = None  # assigned by the store
    url: str  # canonical URL (or ``manual:<hash>`` for hand-entered items with no URL)
    source: SourceRef
    fetch: Fetch | None = None
    extraction: Extraction = Field(default_factory=Extraction)
    enrichment: Enrichment = Field(default_factory=Enrichment)
    status: str = "fetched"  # fetched -> processed | dropped | failed
    status_note: str | None = None

    @property
    def province_ids(self) -> list[str]:
        return [p.id for p in self.enrichment.provinces]
