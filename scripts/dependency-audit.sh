#!/usr/bin/env bash
# Dependency audit: pip-audit over the installed environment (.venv), against the PyPI vulnerability
# service (-s pypi: it needs only the package registry). The project itself is not audited.
#
#   bash scripts/dependency-audit.sh                 # audit .venv
#   bash scripts/dependency-audit.sh --strict        # an audit that could not run is a failure (exit 2)
#   bash scripts/dependency-audit.sh --report F.json # judge a pip-audit JSON report made elsewhere (no network)
#
# Exit 0: no known vulnerability, or only ones listed in the ignore file with a reason and an unexpired
#         date; also when the audit could NOT run (unless --strict) — it then says so in a WARNING, and
#         never that the environment is clean.
# Exit 1: a known vulnerability that is not ignored, or an unreadable ignore file / pip-audit missing.
# Exit 2: (--strict) the audit did not run, or some packages could not be audited.
#
# pip-audit itself prints "No known vulnerabilities found" and exits 0 when the service answered
# "not found" for every package, so its verdict is not used: the JSON report is read and every package
# it could not audit is counted.
#
# Ignore file (default scripts/audit-ignore.txt, or AUDIT_IGNORE=path): one vulnerability a line,
#   ID  YYYY-MM-DD  reason
# ID is the advisory id or any of its aliases (PYSEC-..., GHSA-..., CVE-...); after the date the entry no
# longer applies. A line without a date or a reason is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-.venv/bin/python}"
IGNORE="${AUDIT_IGNORE:-scripts/audit-ignore.txt}"
STRICT=0
REPORT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --strict) STRICT=1 ;;
    --report) REPORT="$2"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "dependency-audit: unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ ! -x "$PY" ]; then
  echo "dependency-audit: no Python at $PY; create the venv (python3.11 -m venv .venv && .venv/bin/pip install -e '.[test]') or set PYTHON" >&2
  exit 1
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
ERR="$TMP/stderr"
: > "$ERR"
RC=0
if [ -z "$REPORT" ]; then
  if ! "$PY" -c "import pip_audit" 2>/dev/null; then
    echo "dependency-audit: pip-audit is not installed in $PY's environment; run .venv/bin/pip install -e '.[test]'" >&2
    exit 1
  fi
  REPORT="$TMP/report.json"
  # exit 1 = vulnerabilities found (judged below); any other failure leaves no report and is told as such
  "$PY" -m pip_audit --local --skip-editable -s pypi -f json --progress-spinner off --timeout 20 \
      -o "$REPORT" 2>"$ERR" || RC=$?
fi

exec "$PY" - "$REPORT" "$IGNORE" "$STRICT" "$RC" "$ERR" <<'PYEOF'
import json
import re
import sys
from datetime import date
from pathlib import Path

report, ignore_file, strict, rc, err_file = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5]
PROJECT = {"presswatch"}  # the project itself is not audited (not on PyPI under this name)
BANNER = "WARNING: DEPENDENCY AUDIT DID NOT RUN — no vulnerability data was obtained; this is NOT a pass."


def not_run(why: str) -> None:
    print(BANNER)
    print(f"  reason: {why}")
    print("  the PyPI vulnerability service (pypi.org/pypi/<name>/<version>/json) must be reachable;"
          " run this script again where it is, or audit a report made elsewhere with --report FILE")
    sys.exit(2 if strict else 0)


ignores: dict[str, tuple[date, str]] = {}
if ignore_file.exists():
    for n, line in enumerate(ignore_file.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(\S.*)", line)
        if not m:
            print(f"dependency-audit: {ignore_file}:{n}: expected 'ID YYYY-MM-DD reason', got {line!r}")
            sys.exit(1)
        try:
            ignores[m[1].upper()] = (date.fromisoformat(m[2]), m[3].strip())
        except ValueError:
            print(f"dependency-audit: {ignore_file}:{n}: {m[2]!r} is not a date (YYYY-MM-DD)")
            sys.exit(1)

try:
    data = json.loads(Path(report).read_text(encoding="utf-8"))
except (OSError, ValueError) as exc:
    tail = Path(err_file).read_text(encoding="utf-8", errors="replace")[-1500:].strip() if Path(err_file).exists() else ""
    not_run(f"pip-audit gave no report (exit {rc}): {tail or exc}")

deps = [d for d in data.get("dependencies", []) if d.get("name", "").lower() not in PROJECT]
skipped = [d for d in deps if "skip_reason" in d]
audited = [d for d in deps if "skip_reason" not in d]
if not audited:
    first = skipped[0]["skip_reason"] if skipped else "the report lists no packages"
    not_run(f"0 of {len(deps)} installed packages could be audited; pip-audit says, e.g.: {first}")

today = date.today()
failing, ignored = [], []
for d in audited:
    for v in d.get("vulns", []):
        ids = [v["id"], *v.get("aliases", [])]
        entry = next(((i, ignores[i.upper()]) for i in ids if i.upper() in ignores), None)
        label = f"{d['name']} {d['version']}: {v['id']}" + (f" ({', '.join(v.get('aliases', []))})" if v.get("aliases") else "")
        fix = f"; fixed in {', '.join(v['fix_versions'])}" if v.get("fix_versions") else "; no fixed version yet"
        if entry and entry[1][0] >= today:
            ignored.append(f"{label} — ignored until {entry[1][0]}: {entry[1][1]}")
        elif entry:
            failing.append(f"{label}{fix} — its ignore entry expired on {entry[1][0]}; upgrade or renew the entry")
        else:
            failing.append(f"{label}{fix}")

print(f"dependency audit (pip-audit, PyPI vulnerability service): {len(audited)} of {len(deps)} installed "
      f"packages audited")
for line in ignored:
    print(f"  ignored: {line}")
if skipped:
    print(f"WARNING: {len(skipped)} package(s) could NOT be audited: "
          + ", ".join(f"{d['name']}" for d in skipped[:20]) + (" ..." if len(skipped) > 20 else ""))
if failing:
    print(f"FAILED: {len(failing)} known vulnerabilit{'y' if len(failing) == 1 else 'ies'}:")
    for line in failing:
        print(f"  {line}")
    print(f"Upgrade the package (pin in pyproject.toml), or, if it does not affect Presswatch, list the id in "
          f"{ignore_file} as 'ID YYYY-MM-DD reason'.")
    sys.exit(1)
if skipped and strict:
    sys.exit(2)
print("no known vulnerabilities in the audited packages" + (" (apart from the ignored ones above)" if ignored else ""))
PYEOF
