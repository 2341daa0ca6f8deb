#!/usr/bin/env bash
# Make sure Debian's Chromium and its WebDriver are installed for the browser tests (tests/test_web.py),
# installing the packages when they are missing, as .ci/postgres.sh does for PostgreSQL.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "installing Chromium and chromium-driver (Debian packages)..." >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
