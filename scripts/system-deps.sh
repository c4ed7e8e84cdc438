#!/usr/bin/env bash
# System packages the tests (and optional features) use, from Debian's archive. Idempotent; run as root.
# Each package is listed with what needs it. A failure is reported and the tests that need the
# package skip with a message.
set -u
PKGS=(
  chromium        # headless browser for the web UI tests and opt-in JavaScript rendering
  libpango-1.0-0  # WeasyPrint (PDF reports) lays out text with Pango
  libpangoft2-1.0-0 # WeasyPrint: Pango's FreeType/fontconfig backend
  fonts-liberation2 # PDF reports: Liberation Serif, metric-compatible with Times New Roman, Vietnamese glyphs
  fonts-dejavu-core # PDF reports and charts: fallback fonts with Vietnamese glyphs
  poppler-utils   # report tests: pdftoppm (PDF -> PNG) and pdftotext (check the diacritics in the PDF)
  postgresql      # the tests' Postgres path: a throwaway server (scripts/postgres-test-server.sh)
)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || echo "warning: could not install ${missing[*]}; tests that need them will be skipped"
  else
    echo "warning: no apt-get; missing system packages: ${missing[*]}"
  fi
fi
