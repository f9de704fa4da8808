#!/usr/bin/env bash
# Removes exactly what install.sh created: the paths listed in ~/.local/lib/privdesk/INSTALLED
# (files and links first, then the folders it made, innermost first and only when empty, so a file
# you put there yourself keeps its folder). Case data, backups and logs stay where they are.
set -euo pipefail
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
PREFIX="${PREFIX:-$HOME/.local}"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
APP_DIR="$PREFIX/lib/privdesk"
list="$APP_DIR/INSTALLED"
[ -f "$list" ] || { echo "uninstall.sh: no PrivDesk install in $APP_DIR (no INSTALLED list)" >&2; exit 2; }

mapfile -t paths < "$list"
folders=()
for p in "${paths[@]}"; do
  case "$p" in
    "$PREFIX"/*|"$DATA_HOME"/*) ;;
    *) echo "uninstall.sh: $p is outside $PREFIX and $DATA_HOME; left alone" >&2; continue ;;
  esac
  case "$p" in
    */) folders=("${p%/}" "${folders[@]}") ;;          # folders: innermost first, after the files
    "$APP_DIR") ;;                                      # the app folder goes last (it holds the list)
    *) if [ -L "$p" ] || [ -f "$p" ]; then rm -f -- "$p"; fi ;;
  esac
done
rm -rf -- "$APP_DIR"
for d in "${folders[@]}"; do rmdir -- "$d" 2>/dev/null || true; done

# caches that were there before the install are refreshed without our files
[ -e "$DATA_HOME/applications/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null \
  && update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
[ -e "$DATA_HOME/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null \
  && gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" 2>/dev/null || true
[ "$quiet" = 1 ] || echo "PrivDesk removed. Your case data, backups and logs are kept (see the README to remove them too)."
