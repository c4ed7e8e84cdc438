"""Triage stage: a risk score with reasons in plain Vietnamese, and whether the story raises an alert.

The weights and thresholds are data (``thresholds.yaml``); the reasons name every term that added risk."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from presswatch.config import PACKAGE_DATA
from presswatch.gazetteer import load_gazetteer
from presswatch.record import Document

TOPIC_VI = {
    "sovereignty": "chủ quyền, biên giới", "foreign_relations": "quan hệ đối ngoại",
    "human_rights": "nhân quyền, dân chủ", "religion_ethnicity": "tôn giáo, dân tộc",
    "investment_economy": "đầu tư, kinh tế", "labour": "lao động, khu công nghiệp",
    "tourism_culture": "du lịch, văn hóa", "local_issues": "vấn đề nóng ở địa phương",
    "politics_governance": "chính trị, chính quyền", "social_welfare": "an sinh xã hội",
}
STANCE_VI = {"distorting": "có dấu hiệu xuyên tạc, sai sự thật", "critical": "phản ánh tồn tại, hạn chế cần khắc phục",
             "supportive": "tích cực, ủng hộ", "neutral": "đưa tin trung lập"}
SOURCE_VI = {"social": "nguồn mạng xã hội", "blog_forum": "nguồn blog, diễn đàn", "foreign_press": "báo chí nước ngoài",
             "other": "nguồn khác"}


@dataclass
class Policy:
    alert_threshold: float
    topic_thresholds: dict[str, float]
    weights: dict
    not_relevant_factor: float
    topic_sensitivity: dict[str, str]
    monitored: tuple[str, ...]


def load_policy(path: str | Path | None = None, monitored: tuple[str, ...] = ()) -> Policy:
    return _load(str(path or PACKAGE_DATA / "thresholds.yaml"), tuple(monitored))


@lru_cache(maxsize=8)
def _load(path: str, monitored: tuple[str, ...]) -> Policy:
    d = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    tax = yaml.safe_load((PACKAGE_DATA / "taxonomy.yaml").read_text(encoding="utf-8"))
    return Policy(
        alert_threshold=float(d["alert_threshold"]),
        topic_thresholds={k: float(v) for k, v in (d.get("topic_thresholds") or {}).items()},
        weights=d["weights"],
        not_relevant_factor=float(d.get("relevance", {}).get("not_relevant_factor", 0.3)),
        topic_sensitivity={t["id"]: t.get("sensitivity", "promoted") for t in tax["topics"]},
        monitored=monitored,
    )


def triage(doc: Document, policy: Policy) -> Document:
    e = doc.enrichment
    w = policy.weights
    reasons: list[str] = []
    risk = 0.0
    s = w["stance"].get(e.stance, 0.0)
    if s > 0:
        reasons.append(f"Nội dung {STANCE_VI[e.stance]} (+{s:.2f})")
    risk += s
    s = w["sentiment"].get(e.sentiment, 0.0)
    if s > 0:
        reasons.append(f"Sắc thái tiêu cực (+{s:.2f})")
    risk += s
    sens = [(w["topic_sensitivity"].get(policy.topic_sensitivity.get(t, "promoted"), 0.0), t) for t in e.topics]
    if sens:
        best, topic = max(sens)
        if best > 0:
            reasons.append(f"Chủ đề nhạy cảm: {TOPIC_VI.get(topic, topic)} (+{best:.2f})")
        risk += best
    s = w["source_type"].get(doc.source.source_type, 0.0) + w["trust_tier"].get(doc.source.trust_tier, 0.0)
    if s > 0:
        label = SOURCE_VI.get(doc.source.source_type, "nguồn")
        reasons.append(f"{label[0].upper() + label[1:]}, mức tin cậy {doc.source.trust_tier} (+{s:.2f})")
    risk += s
    risk = max(0.0, min(1.0, risk))
    relevant = [p for p in e.provinces if not policy.monitored or p.id in policy.monitored]
    if relevant:
        top = max(relevant, key=lambda p: p.score)
        factor = 0.5 + 0.5 * top.score
        reasons.append(f"Liên quan đến tỉnh {load_gazetteer().label(top.id)} (mức {top.score:.2f}: "
                       + ", ".join(top.evidence[:3]) + ")")
    else:
        factor = policy.not_relevant_factor
        reasons.append("Không liên quan trực tiếp đến tỉnh được theo dõi")
    e.risk = round(risk * factor, 3)
    bar = min([policy.topic_thresholds.get(t, policy.alert_threshold) for t in e.topics] + [policy.alert_threshold])
    e.alert = bool(relevant) and e.risk >= bar and (e.stance in ("distorting", "critical") or e.sentiment == "negative")
    if e.alert:
        reasons.append(f"Điểm rủi ro {e.risk:.2f} ≥ ngưỡng {bar:.2f}: cần xem xét")
    e.risk_reasons = reasons
    return doc
