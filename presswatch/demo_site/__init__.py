"""Bundled demo news site: four fictional outlets and a broken feed, served on 127.0.0.1.

Use ``DemoSite`` in tests and the demo command; ``site_root()`` is the static content folder.
Expected labels per article are in ``expected.yaml`` next to this file (see ``expected_path()``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

_HERE = Path(__file__).resolve().parent

if TYPE_CHECKING:
    from presswatch.demo_site.server import DemoSite


def site_root() -> Path:
    """Directory holding the static demo site (``site/``)."""
    return _HERE / "site"


def expected_path() -> Path:
    """Path of ``expected.yaml`` (expected labels for every demo article and post)."""
    return _HERE / "expected.yaml"


def __getattr__(name: str):
    # Imported lazily so that ``python -m presswatch.demo_site.server`` does not import the
    # server module twice.
    if name == "DemoSite":
        from presswatch.demo_site.server import DemoSite

        return DemoSite
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DemoSite", "site_root", "expected_path"]
