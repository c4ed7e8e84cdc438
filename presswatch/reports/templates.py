"""Report templates are data: ``presswatch/data/report_templates/*.yaml`` (texts as Jinja strings,
Vietnamese and English) and ``report.html.j2`` (the HTML/PDF layout). A data directory overrides any key
by putting a file of the same name in ``DATA_DIR/report_templates/``; the copy is merged over the bundled
one, so a province changes its issuing body, signer or recipients without copying the rest.

Text templates run in Jinja's sandbox and render plain text: the output formats escape it themselves."""
from __future__ import annotations

from pathlib import Path

import yaml
from jinja2.sandbox import SandboxedEnvironment

from ..config import PACKAGE_DATA

BUNDLED = PACKAGE_DATA / "report_templates"
_text_env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


class TemplateError(Exception):
    """A report template is missing or malformed; the message names the file."""


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read the report template ({exc})") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: a report template is a mapping of keys")
    return data


def _layered(name: str, data_dir: Path | None) -> dict:
    bundled = BUNDLED / f"{name}.yaml"
    local = Path(data_dir) / "report_templates" / f"{name}.yaml" if data_dir else None
    if not bundled.exists() and not (local and local.exists()):
        known = ", ".join(sorted(p.stem for p in BUNDLED.glob("*.yaml") if p.stem != "labels"))
        raise TemplateError(f"no report template {name!r}; known: {known}")
    data = _read(bundled) if bundled.exists() else {}
    if local and local.exists():
        data = _merge(data, _read(local))
    return data


def available(data_dir: Path | None = None) -> list[str]:
    names = {p.stem for p in BUNDLED.glob("*.yaml")}
    if data_dir and (Path(data_dir) / "report_templates").is_dir():
        names |= {p.stem for p in (Path(data_dir) / "report_templates").glob("*.yaml")}
    return sorted(names - {"labels"})


def load_template(name: str, data_dir: Path | None = None) -> dict:
    data = _layered(name, data_dir)
    base = data.get("base")
    if base and base != name:
        data = _merge(load_template(base, data_dir), {k: v for k, v in data.items() if k != "base"})
    return data


def load_labels(data_dir: Path | None = None) -> dict:
    return _layered("labels", data_dir)


def render_text(source: str, **ctx) -> str:
    try:
        return _text_env.from_string(str(source)).render(**ctx).strip()
    except Exception as exc:  # noqa: BLE001 - a province's edited text must say what is wrong
        raise TemplateError(f"report text {source[:60]!r}…: {exc}") from exc


def layout_path(data_dir: Path | None = None) -> Path:
    local = Path(data_dir) / "report_templates" / "report.html.j2" if data_dir else None
    return local if local and local.exists() else BUNDLED / "report.html.j2"
