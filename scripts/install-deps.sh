#!/usr/bin/env bash
# Installs the Debian packages verdant builds and tests against, when any is missing.
# Swift itself is expected at /opt/swift or on PATH (machines of this kind ship it).
set -euo pipefail
packages=(pkg-config libgdal-dev gdal-bin libcurl4-openssl-dev libncurses-dev libsqlite3-dev tmux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "swift not found (expected on PATH or at /opt/swift)"; exit 1; }
