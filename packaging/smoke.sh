#!/usr/bin/env bash
# Smoke test of the built app (CI runs it after `make test` and `make dist`):
#   packaging/smoke.sh [dist/privdesk/privdesk]
# The frozen binary prints its version; `gui --screenshot` writes a non-blank PNG offscreen; the
# acknowledgement letter on the demo data embeds the bundled fonts (pdffonts); a breach notice
# batch runs in two spawned worker processes (freeze_support); a fides dataset is written (third-party
# package data); a backup checks out.
set -euo pipefail
cd "$(dirname "$0")/.."
APP="$(realpath "${1:-dist/privdesk/privdesk}")"
[ -x "$APP" ] || { echo "smoke: no built app at $APP (run make dist)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export QT_QPA_PLATFORM=offscreen HOME="$work/home"
unset PYTHONPATH PYTHONHOME PRIVDESK_DATA_DIR PRIVDESK_DB_URL
pd() { (cd "$work" && "$APP" --data-dir "$work/data" "$@"); }
step() { printf "%-46s" "smoke: $1"; }

step "version"
expected="privdesk $(sed -n 's/^__version__ = "\(.*\)"/\1/p' privdesk/__init__.py)"
got="$("$APP" --version)"
[ "$got" = "$expected" ] || { echo "FAIL: '$got', expected '$expected'"; exit 1; }
echo "$got"

step "demo data"
pd demo > "$work/demo.txt"
echo "ok"

step "window screenshot (offscreen)"
pd gui --screenshot "$work/shot.png"
python3 packaging/png_check.py "$work/shot.png" 1280 800

step "acknowledgement letter, fonts embedded"
ref="$(pd request list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["reference"])')"
pd letter acknowledgement "$ref" -o "$work/ack.pdf" > /dev/null
pdffonts "$work/ack.pdf" > "$work/fonts.txt"
# pdffonts: name type encoding emb sub uni object ID; every font embedded, the bundled DejaVu among them
awk 'NR > 2 && $(NF-4) != "yes" { bad = 1; print "not embedded: " $0 } END { exit bad }' "$work/fonts.txt"
grep -q "DejaVuSans" "$work/fonts.txt" || { echo "FAIL: the bundled DejaVu fonts are not in the letter"; cat "$work/fonts.txt"; exit 1; }
echo "$(($(wc -l < "$work/fonts.txt") - 2)) fonts, all embedded"

step "breach notices in 2 worker processes"
breach="$(pd breach list --json | python3 -c '
import json, sys
print(next(r["reference"] for r in json.load(sys.stdin) if r["affected"]))')"
pd breach notify-subjects "$breach" --out-dir "$work/notices" --processes 2 > "$work/notices.txt"
n="$(find "$work/notices" -name '*.pdf' | wc -l)"
[ "$n" -gt 0 ] || { echo "FAIL: no notices written"; exit 1; }
echo "$n notices"

step "fides dataset export (package data)"
pd connection export-dataset demo-crm -o "$work/crm.yml" > /dev/null
grep -q "fides_key" "$work/crm.yml" || { echo "FAIL: no dataset written"; exit 1; }
echo "ok"

step "backup and check"
pd backup -o "$work/backup.zip" > /dev/null
pd restore --check "$work/backup.zip"

echo "smoke: the built app works"
