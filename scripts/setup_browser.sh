#!/usr/bin/env bash
# Debian's Chromium, its driver and Noto fonts (Persian glyphs) for the browser tests, installed only when
# missing. Playwright drives this system Chromium (executable_path=/usr/bin/chromium): it cannot download
# a browser build here.
set -euo pipefail
missing=()
for package in chromium chromium-driver fonts-noto-core; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup_browser: installing ${missing[*]} from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
