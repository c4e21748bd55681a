#!/usr/bin/env bash
# Debian's headless Chromium for the dashboard's browser tests (driven by Playwright,
# which never downloads a browser of its own here: the tests launch /usr/bin/chromium).
#
#   bash scripts/chromium.sh     # installs Debian's `chromium` package when it is missing
#
# As root (CI) it runs apt-get; otherwise it says what to install and exits 0, and the
# browser tests are skipped with that reason.
set -euo pipefail

say() { echo "chromium.sh: $*" >&2; }

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    say "no /usr/bin/chromium: install Debian's 'chromium' package for the browser tests"
    exit 0
fi
say "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
