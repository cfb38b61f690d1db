#!/usr/bin/env bash
# Render every page of a hospitaltwin report PDF to PNG for a human look (not used by tests).
#
#   scripts/render_report_pages.sh REPORT.pdf [OUT_DIR] [DPI]
#
# Needs pdftoppm from poppler-utils (Debian/Ubuntu: apt-get install -y poppler-utils); without
# it the script says so and exits 0 without rendering anything.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 REPORT.pdf [OUT_DIR] [DPI]" >&2
    exit 2
fi
pdf="$1"
out="${2:-${pdf%.pdf}-pages}"
dpi="${3:-80}"
if ! command -v pdftoppm >/dev/null 2>&1; then
    echo "pdftoppm not found (install poppler-utils); skipping page rendering of $pdf"
    exit 0
fi
if [ ! -f "$pdf" ]; then
    echo "$pdf: no such file" >&2
    exit 2
fi
mkdir -p "$out"
pdftoppm -png -r "$dpi" "$pdf" "$out/page"
echo "rendered $(ls "$out"/page-*.png | wc -l) pages of $pdf into $out/"
