"""Security hardening checks: the dependency-audit verdict (scripts/dependency-audit.sh judging pip-audit
JSON reports; no network) and the web app's security headers on every kind of response."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "dependency-audit.sh"


# --------------------------------------------------------------------------- dependency audit
def _audit(tmp_path, deps, *args, ignore: str | None = None):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": deps, "fixes": []}), encoding="utf-8")
    env = dict(os.environ, PYTHON=sys.executable)
    if ignore is not None:
        (tmp_path / "ignore.txt").write_text(ignore, encoding="utf-8")
        env["AUDIT_IGNORE"] = str(tmp_path / "ignore.txt")
    p = subprocess.run(["bash", str(SCRIPT), "--report", str(report), *args], env=env, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


VULN = {"name": "jinja2", "version": "3.1.2", "vulns": [
    {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": ["CVE-2024-22195"], "description": "x"}]}
CLEAN = {"name": "click", "version": "8.1.7", "vulns": []}
NOT_FOUND = {"name": "numpy", "skip_reason": "Dependency not found on PyPI and could not be audited: numpy (2.1.0)"}
PROJECT = {"name": "presswatch", "skip_reason": "distribution marked as editable"}


def test_audit_fails_on_a_known_vulnerability(tmp_path):
    rc, out = _audit(tmp_path, [VULN, CLEAN, PROJECT], ignore="")
    assert rc == 1
    assert "FAILED: 1 known vulnerability" in out and "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195)" in out
    assert "fixed in 3.1.3" in out and "2 of 2 installed packages audited" in out  # the project is not counted


def test_audit_ignore_entry_needs_a_reason_and_an_unexpired_date(tmp_path):
    later, earlier = date.today() + timedelta(days=30), date.today() - timedelta(days=1)
    rc, out = _audit(tmp_path, [VULN, CLEAN], ignore=f"# comment\nCVE-2024-22195 {later} sandbox not used\n")
    assert rc == 0 and f"ignored until {later}: sandbox not used" in out and "FAILED" not in out
    rc, out = _audit(tmp_path, [VULN, CLEAN], ignore=f"GHSA-h5c8-rqwp-cp95 {earlier} sandbox not used\n")
    assert rc == 1 and f"expired on {earlier}" in out
    rc, out = _audit(tmp_path, [VULN, CLEAN], ignore="GHSA-h5c8-rqwp-cp95 sandbox not used\n")
    assert rc == 1 and "ignore.txt:1: expected 'ID YYYY-MM-DD reason'" in out
    rc, out = _audit(tmp_path, [VULN, CLEAN], ignore=f"GHSA-h5c8-rqwp-cp95 {later}\n")
    assert rc == 1 and "expected 'ID YYYY-MM-DD reason'" in out


def test_audit_that_could_not_query_the_service_says_so_and_never_passes(tmp_path):
    """pip-audit's own verdict, when every lookup is 'not found', is 'No known vulnerabilities found' and exit
    0; the script reports that the audit did not run instead."""
    rc, out = _audit(tmp_path, [NOT_FOUND, PROJECT], ignore="")
    assert rc == 0 and "DEPENDENCY AUDIT DID NOT RUN" in out and "NOT a pass" in out
    assert "0 of 1 installed packages could be audited" in out and "no known vulnerabilities" not in out
    rc, _ = _audit(tmp_path, [NOT_FOUND], "--strict", ignore="")
    assert rc == 2
    # partly audited: the clean verdict names what was not audited; --strict refuses it
    rc, out = _audit(tmp_path, [NOT_FOUND, CLEAN], ignore="")
    assert rc == 0 and "1 of 2 installed packages audited" in out and "1 package(s) could NOT be audited: numpy" in out
    assert _audit(tmp_path, [NOT_FOUND, CLEAN], "--strict", ignore="")[0] == 2
    # a report that is not JSON (pip-audit crashed): not run
    (tmp_path / "bad.json").write_text("Traceback ...", encoding="utf-8")
    p = subprocess.run(["bash", str(SCRIPT), "--report", str(tmp_path / "bad.json")], capture_output=True, text=True,
                       env=dict(os.environ, PYTHON=sys.executable), timeout=60)
    assert p.returncode == 0 and "DEPENDENCY AUDIT DID NOT RUN" in p.stdout


def test_the_shipped_ignore_file_is_well_formed(tmp_path):
    rc, out = _audit(tmp_path, [CLEAN])  # default: scripts/audit-ignore.txt
    assert rc == 0 and "no known vulnerabilities in the audited packages" in out


# --------------------------------------------------------------------------- web security headers
def _check_headers(r, what: str) -> None:
    h = r.headers
    csp = h.get("content-security-policy", "")
    assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
    assert "default-src 'self'" in csp and "base-uri 'none'" in csp, what
    assert h.get("x-content-type-options") == "nosniff", what
    assert h.get("x-frame-options") == "DENY", what
    assert h.get("referrer-policy") == "no-referrer", what


def _check_cookies(r, what: str) -> int:
    """Every cookie that carries a value is HttpOnly, SameSite=Strict and (over https) Secure."""
    n = 0
    for c in r.headers.get_list("set-cookie"):
        name, _, rest = c.partition("=")
        value = rest.split(";", 1)[0].strip('"')
        if not value:
            continue  # a deletion (empty value, expired)
        attrs = {a.strip().split("=")[0].lower(): a.strip() for a in c.split(";")[1:]}
        assert "httponly" in attrs and attrs.get("samesite", "").lower() == "samesite=strict", f"{what}: {c}"
        assert "secure" in attrs, f"{what}: {c}"
        n += 1
    return n


def _get_paths(routes):
    """The GET paths of an app, through included routers (FastAPI >= 0.150 keeps them as one route each)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from _get_paths(inner.routes)
        elif "GET" in (getattr(r, "methods", None) or ()):
            yield r.path


@pytest.fixture()
def site(settings, store):
    """The app with one alert, its document and story, an administrator; a client over https."""
    from starlette.testclient import TestClient

    from presswatch.auth import add_user
    from presswatch.record import Document, Enrichment, Extraction, Fetch, SourceRef
    from presswatch.web.app import create_app
    from tests.review_support import PASSWORD

    url = "https://baobacninh.example/tin-1"
    did = store.add_document(Document(url=url, source=SourceRef(id="bao-bac-ninh"), fetch=Fetch(requested_url=url),
                                      extraction=Extraction(title="<script>alert(1)</script> Công nhân ngừng việc",
                                                            text="Nội dung")))
    d = store.load(did)
    d.status = "processed"
    d.enrichment = Enrichment(story_id="s1", stance="critical", topics=["labour"], risk=0.9, alert=True,
                              risk_reasons=["Lý do"], content_hash="h1")
    aid = store.save_processed(d)["alert_id"]
    add_user(store, "adm", PASSWORD, "admin", actor="t")
    app = create_app(settings)
    client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    return app, client, {"alert_id": aid, "doc_id": did, "story_id": "s1", "report_id": 1, "fmt": "docx"}


def test_every_route_and_every_kind_of_response_carries_the_security_headers(site, monkeypatch):
    """Walks every GET route of the app (taken from the app itself, so a new page is covered too), logged
    out and logged in, plus the error answers: 401, 403 (CSRF), 404, 405, 413, 422 and an unhandled 500."""
    from tests.review_support import PASSWORD, csrf_of

    app, client, params = site
    gets = sorted(set(_get_paths(app.routes)))
    assert {"/", "/review", "/search", "/dashboard", "/docs", "/healthz", "/login"} <= set(gets)
    seen = {}
    for path in gets:  # logged out: a redirect to the login page, or 401 for the API
        r = client.get(path.format(**params), follow_redirects=False)
        _check_headers(r, f"GET {path} (logged out) -> {r.status_code}")
        seen.setdefault(r.status_code, path)
    page = client.get("/login")
    assert _check_cookies(page, "GET /login") == 1  # the login form's CSRF cookie
    r = client.post("/login", data={"csrf": csrf_of(page.text), "username": "adm", "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303 and _check_cookies(r, "POST /login") == 1  # the session cookie
    _check_headers(r, "POST /login")
    for path in gets:
        r = client.get(path.format(**params), follow_redirects=False)
        _check_headers(r, f"GET {path} -> {r.status_code}")
        _check_cookies(r, f"GET {path}")
        assert r.status_code < 500, f"GET {path}: {r.status_code} {r.text[:300]}"
        seen.setdefault(r.status_code, path)
    assert {200, 303, 401} <= set(seen), seen
    errors = {
        404: client.get("/no-such-page"),
        403: client.post("/review/bulk", data={"csrf": "forged"}),
        405: client.options("/healthz"),
        413: client.post("/review/bulk", content=b"x" * (300 * 1024),
                         headers={"content-type": "application/x-www-form-urlencoded"}),
        422: client.get("/documents/not-a-number"),
    }
    for code, r in errors.items():
        assert r.status_code == code, (code, r.status_code, r.text[:200])
        _check_headers(r, f"error {code}")
    client.get("/documents/999999")  # a missing document: 404 from the route itself
    _check_headers(client.get("/documents/999999"), "missing document")

    import presswatch.web.app as web_app

    def broken(*a, **k):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(web_app, "queue", broken)
    r = client.get("/")
    assert r.status_code == 500 and "database is locked" not in r.text  # no internals in the answer
    _check_headers(r, "unhandled error 500")
