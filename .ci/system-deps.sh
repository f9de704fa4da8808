#!/usr/bin/env bash
# Installs the system packages PrivDesk and its tests need on Debian: the libraries Qt loads
# offscreen and under X, fonts (without them Qt draws every glyph as a box), PostgreSQL and
# MariaDB servers for the test suite, poppler-utils to look at PDFs, appstream to validate the
# AppStream metainfo.
set -euo pipefail
# (the libxcb-* and libx11-xcb1 libraries are what Qt's xcb platform plugin links, checked with ldd)
PKGS=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0
      libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1 xvfb fonts-dejavu-core
      postgresql mariadb-server poppler-utils appstream)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "PrivDesk needs these system packages. Run, then try again:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi
