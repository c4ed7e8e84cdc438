"""The gazetteer (a data file): provinces after the 1 July 2025 merger, former provinces as aliases,
and local entities (districts, industrial zones, landmarks, products) that place a story in a province."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .config import PACKAGE_DATA
from .text import PhraseMatcher, fold, normalize


@dataclass
class Name:
    text: str
    kind: str  # name | alias | entity
    weight: float


@dataclass
class Province:
    id: str
    name: str
    name_en: str
    merged_from: list[str]
    names: list[Name] = field(default_factory=list)


@dataclass
class Gazetteer:
    provinces: dict[str, Province]
    matcher: PhraseMatcher  # payloads: (province id, Name)

    def ids(self) -> set[str]:
        return set(self.provinces)

    def label(self, pid: str) -> str:
        p = self.provinces.get(pid)
        return p.name if p else pid


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    return _load(str(path or PACKAGE_DATA / "gazetteer.yaml"))


@lru_cache(maxsize=4)
def _load(path: str) -> Gazetteer:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    provinces: dict[str, Province] = {}
    for p in data["provinces"]:
        prov = Province(p["id"], normalize(p["name"]), p.get("name_en", ""), list(p.get("merged_from") or []))
        seen: set[str] = set()

        def add(text: str, kind: str, weight: float) -> None:
            key = fold(normalize(text))
            if len(key) < 3 or key in seen:
                return
            seen.add(key)
            prov.names.append(Name(text, kind, weight))

        add(p["name"], "name", 1.0)
        if p.get("name_en"):
            add(p["name_en"], "name", 1.0)
        for a in p.get("aliases") or []:
            add(a, "alias", 1.0)
        for e in p.get("entities") or []:
            add(e["name"], "entity", 0.5 if e.get("ambiguous") else 1.5)
        provinces[prov.id] = prov
    return Gazetteer(provinces, PhraseMatcher((n.text, (p.id, n)) for p in provinces.values() for n in p.names))
