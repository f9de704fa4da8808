#!/usr/bin/env bash
# Builds the one-folder desktop app with PyInstaller, then the tarball beside its SHA-256.
#   packaging/build.sh [PYTHON]      (make dist runs it with the venv's python)
# Output: dist/privdesk/ (the app: run dist/privdesk/privdesk) and
#         dist/privdesk-VERSION-linux-ARCH.tar.gz + .sha256 (the app, resources/, install/uninstall).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-${PYTHON:-.venv/bin/python}}"
VERSION="$("$PY" -c 'import privdesk; print(privdesk.__version__)')"
ARCH="$(uname -m)"
NAME="privdesk-$VERSION-linux-$ARCH"
start=$(date +%s)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # this checkout, not another editable install

"$PY" packaging/render_icons.py --check   # the committed PNGs match the SVG's sizes
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/privdesk.spec
# links PyInstaller made to the Qt libraries the spec leaves out point nowhere: drop them
find dist/privdesk -xtype l -delete

# The tarball: the app folder, the desktop assets and the two scripts, under one top folder.
stage="build/stage/$NAME"
rm -rf build/stage && mkdir -p "$stage"
cp -a dist/privdesk "$stage/privdesk"
cp -a resources "$stage/resources"
cp packaging/install.sh packaging/uninstall.sh "$stage/"
tar -C build/stage -czf "dist/$NAME.tar.gz" --owner=0 --group=0 --numeric-owner "$NAME"
(cd dist && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")

end=$(date +%s)
echo "Built dist/privdesk in $((end - start)) s"
echo "App folder: $(du -sh dist/privdesk | cut -f1) ($(find dist/privdesk -type f | wc -l) files)"
echo "Tarball:    $(du -h "dist/$NAME.tar.gz" | cut -f1)  dist/$NAME.tar.gz"
echo "SHA-256:    $(cut -d' ' -f1 "dist/$NAME.tar.gz.sha256")"
