"""HTML (for the web app and for download) and PDF (WeasyPrint, from the same layout in print mode).

WeasyPrint fetches nothing from outside: the only images are the charts, inlined as data: URIs, and the
URL fetcher refuses every other URL, so a hostile link in a crawled item cannot make the renderer call out."""
from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from ..urls import safe_href
from .model import Report
from .templates import layout_path


def _env(path: Path) -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=FileSystemLoader(str(path.parent)), autoescape=True)
    env.filters["href"] = safe_href
    env.filters["b64"] = lambda b: base64.b64encode(b).decode("ascii")
    return env


def render_html(rep: Report, data_dir: Path | None = None, print_mode: bool = False) -> str:
    path = layout_path(data_dir)
    return _env(path).get_template(path.name).render(r=rep, print=print_mode)


def render_pdf(rep: Report, data_dir: Path | None = None) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(rep, data_dir, print_mode=True)
    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()
