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
