#!/usr/bin/env bash
# Installs PrivDesk for the current user, from the unpacked release tarball:
#   the app       ~/.local/lib/privdesk/           (the one-folder build)
#   the command   ~/.local/bin/privdesk            (a symbolic link into it)
#   menu entry    ~/.local/share/applications/org.privdesk.PrivDesk.desktop
#   icons         ~/.local/share/icons/hicolor/{16x16..256x256,scalable}/apps/org.privdesk.PrivDesk.*
#   metadata      ~/.local/share/metainfo/org.privdesk.PrivDesk.metainfo.xml
# Every file and folder it creates is listed in ~/.local/lib/privdesk/INSTALLED; uninstall.sh
# removes exactly those. Data and logs are not touched (see the README). PREFIX and XDG_DATA_HOME are honoured.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
APP_ID=org.privdesk.PrivDesk
APP_DIR="$PREFIX/lib/privdesk"
BIN="$PREFIX/bin/privdesk"

[ -x "$here/privdesk/privdesk" ] || { echo "install.sh: run it from the unpacked PrivDesk tarball (no privdesk/privdesk beside it)" >&2; exit 2; }
if [ -e "$APP_DIR" ]; then
  [ -x "$APP_DIR/uninstall.sh" ] && [ -f "$APP_DIR/INSTALLED" ] \
    || { echo "install.sh: $APP_DIR exists and is not a PrivDesk install; move it away first" >&2; exit 2; }
  echo "Replacing the PrivDesk installed in $APP_DIR"
  "$APP_DIR/uninstall.sh" --quiet
fi
if [ -e "$BIN" ] || [ -L "$BIN" ]; then
  echo "install.sh: $BIN exists already (another privdesk?); remove it first" >&2; exit 2
fi

installed=()
mkd() {  # mkd DIR: create DIR and remember each folder this made, outermost first
  local d="$1" missing=()
  while [ ! -d "$d" ] && [ "$d" != "$HOME" ]; do missing=("$d" "${missing[@]}"); d="$(dirname "$d")"; done
  [ ${#missing[@]} -eq 0 ] && return 0
  mkdir -p "$1"
  installed+=("${missing[@]/%//}")   # a trailing slash marks a folder in the list
}
mkd "$PREFIX/lib"
mkd "$PREFIX/bin"
cp -a "$here/privdesk" "$APP_DIR"
installed+=("$APP_DIR")
cp "$here/uninstall.sh" "$APP_DIR/uninstall.sh"
chmod 755 "$APP_DIR/uninstall.sh"
ln -s "$APP_DIR/privdesk" "$BIN"
installed+=("$BIN")

put() {  # put SRC DEST: copy one file, creating its folder, and remember both
  mkd "$(dirname "$2")"
  cp "$1" "$2"
  chmod 644 "$2"
  installed+=("$2")
}
desktop="$DATA_HOME/applications/$APP_ID.desktop"
mkd "$(dirname "$desktop")"
sed "s|^Exec=privdesk |Exec=\"$BIN\" |" "$here/resources/$APP_ID.desktop" > "$desktop"
chmod 644 "$desktop"
installed+=("$desktop")
for png in "$here"/resources/icons/*x*/"$APP_ID.png"; do
  size="$(basename "$(dirname "$png")")"
  put "$png" "$DATA_HOME/icons/hicolor/$size/apps/$APP_ID.png"
done
put "$here/resources/icons/$APP_ID.svg" "$DATA_HOME/icons/hicolor/scalable/apps/$APP_ID.svg"
put "$here/resources/$APP_ID.metainfo.xml" "$DATA_HOME/metainfo/$APP_ID.metainfo.xml"

# Menus and icon caches pick the new files up (harmless when the tools are missing); a cache file
# these tools create here for the first time is ours to remove again.
caches=("$DATA_HOME/applications/mimeinfo.cache" "$DATA_HOME/icons/hicolor/icon-theme.cache")
for c in "${caches[@]}"; do [ -e "$c" ] && touch "$c.privdesk-had" ; done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" 2>/dev/null || true
for c in "${caches[@]}"; do
  if [ -e "$c.privdesk-had" ]; then rm -f "$c.privdesk-had"; elif [ -e "$c" ]; then installed+=("$c"); fi
done

printf '%s\n' "${installed[@]}" > "$APP_DIR/INSTALLED"

echo "PrivDesk $("$BIN" --version | cut -d' ' -f2) installed: $BIN, and PrivDesk in the applications menu."
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "Note: $PREFIX/bin is not on your PATH; add it to run 'privdesk' from a terminal." ;; esac
echo "Uninstall with: $APP_DIR/uninstall.sh"
