#!/usr/bin/env bash
# Compile search/_speedups.c (the index build's per-entry loops in C) for a Python:
#   bash scripts/speedups.sh [python]        (default: .venv/bin/python)
# Optional by design: where no compiler can be had, the index build runs the same loops in Python
# (about twice the CPU per provision) and this says so instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."

py="${1:-.venv/bin/python}"
src=search/_speedups.c
include="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suffix="$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
out="search/_speedups$suffix"
[ "$out" -nt "$src" ] && exit 0

skip() { echo "[speedups] $*: the index build uses its Python loops" >&2; exit 0; }

cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null 2>&1 || [ ! -f "$include/Python.h" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[speedups] installing a C compiler and Python's headers"
    apt-get update -q >/dev/null && apt-get install -y -q gcc libc6-dev >/dev/null || true
    # A Debian python3 keeps its headers in a separate package (pyenv and python.org builds ship them).
    [ -f "$include/Python.h" ] || apt-get install -y -q python3-dev >/dev/null || true
    cc="$(command -v "${CC:-cc}" || command -v gcc || true)"
  fi
  [ -n "$cc" ] && command -v "$cc" >/dev/null 2>&1 || skip "no C compiler"
  [ -f "$include/Python.h" ] || skip "no Python.h in $include"
fi

# -ffp-contract=off: the champion lists' scores must round exactly as Python's do.
"$cc" -O2 -fPIC -shared -ffp-contract=off -Wall -o "$out.tmp" -I"$include" "$src" -lm \
  || { rm -f "$out.tmp"; skip "compiling $src failed"; }
mv "$out.tmp" "$out"
echo "[speedups] built $out"
