#!/usr/bin/env bash
# Renders SVG files with headless Chromium, one PNG screenshot each, so that a person (or a
# reviewer) can look at what `workflow graph --format svg` really draws in a browser.
#
#   scripts/check-svg.sh FILE.svg [OUT.png] [WIDTH,HEIGHT]
#
# OUT.png defaults to FILE.png beside the SVG; the window is 1200,1600 unless given.
# Chromium is installed with apt-get when missing. The SVG is first checked to be
# well-formed XML (with xmllint when it is there), since a browser shows an error page
# instead of a broken SVG.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 || $1 == -h || $1 == --help ]]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

svg=$1
png=${2:-${svg%.svg}.png}
size=${3:-1200,1600}

if [[ ! -f $svg ]]; then
    echo "error: no such file: $svg" >&2
    exit 2
fi

if command -v xmllint >/dev/null; then
    xmllint --noout "$svg"
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
    echo "chromium is missing: installing it" >&2
    apt-get install -y chromium >&2 || { apt-get update >&2 && apt-get install -y chromium >&2; }
    browser=$(command -v chromium)
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$profile" --hide-scrollbars \
    --screenshot="$(realpath -m "$png")" --window-size="$size" \
    "file://$(realpath "$svg")" 2>/dev/null

if [[ ! -s $png ]]; then
    echo "error: chromium wrote no screenshot to $png" >&2
    exit 1
fi
echo "$png"
