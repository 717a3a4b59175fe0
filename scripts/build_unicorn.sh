#!/usr/bin/env bash
# Build Unicorn 2.1.4 with tinysim's patches (third_party/unicorn/README.md says what each does and
# why) and install it: the optional fast engine. The stock wheel keeps working without it.
#
#   scripts/build_unicorn.sh [--wheel-only] [--out DIR] [--keep]
#
# 1. downloads the released source distribution by name and version with pip (from the index pip
#    is configured with) and checks its SHA-256 against the one below;
# 2. applies third_party/unicorn/*.patch in order;
# 3. builds a wheel with only the Arm and RISC-V targets (tinysim needs no other; the sdist builds
#    all ten by default), 2-3 minutes on 2 cores; pip brings the sdist's build requirements
#    (setuptools, setuptools-scm) into its isolated build environment. The wheel is versioned
#    2.1.4+tinysim.N: a PEP 440 local label, so the project's `unicorn==2.1.4` requirement still
#    holds and tinysim can tell which build runs;
# 4. installs it with `pip install --force-reinstall --no-deps` into $PYTHON (default python3),
#    unless --wheel-only.
# Needs cmake, a C compiler and make or ninja (Debian: cmake build-essential).
# Back to the stock engine: python3 -m pip install --force-reinstall --no-deps unicorn==2.1.4
set -euo pipefail

VERSION=2.1.4
SHA256=00567a70e323f749b419cd86bee4f9115beab7ebba32194581c090cbb7c59cff  # unicorn-2.1.4.tar.gz
PATCH_LEVEL=2            # raise when third_party/unicorn/*.patch change
ARCHS="arm;riscv"        # UNICORN_ARCH of the sdist's CMakeLists.txt
PYTHON=${PYTHON:-python3}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATCHES=("$ROOT"/third_party/unicorn/*.patch)
OUT=""
INSTALL=1
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --wheel-only) INSTALL=0 ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "build_unicorn.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
for tool in cmake cc; do
    command -v "$tool" >/dev/null || {
        echo "build_unicorn.sh: '$tool' not found; install it first (Debian: apt-get install cmake build-essential)" >&2
        exit 1
    }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinysim-unicorn.XXXXXX")
if [ "$KEEP" = 0 ]; then trap 'rm -rf "$WORK"' EXIT; else echo "work directory: $WORK"; fi
OUT=${OUT:-$WORK/dist}
mkdir -p "$OUT"

echo "== downloading the unicorn $VERSION source distribution"
"$PYTHON" -m pip download --quiet --no-binary unicorn --no-deps "unicorn==$VERSION" -d "$WORK/sdist"
TARBALL="$WORK/sdist/unicorn-$VERSION.tar.gz"
[ -f "$TARBALL" ] || { echo "build_unicorn.sh: pip did not leave $TARBALL" >&2; exit 1; }
GOT=$(sha256sum "$TARBALL" | cut -d' ' -f1)
if [ "$GOT" != "$SHA256" ]; then
    echo "build_unicorn.sh: $TARBALL has SHA-256 $GOT, expected $SHA256; not building from it" >&2
    exit 1
fi

echo "== applying ${#PATCHES[@]} patch(es)"
tar -xzf "$TARBALL" -C "$WORK"
SRC="$WORK/unicorn-$VERSION"
for p in "${PATCHES[@]}"; do
    echo "   $(basename "$p")"
    patch -d "$SRC" -p1 --quiet --forward < "$p"
done

echo "== building the wheel (targets: $ARCHS)"
START=$(date +%s)
# setup.py configures src/build_python with its own cmake arguments; a cache seeded here keeps
# UNICORN_ARCH, which setup.py does not pass.
cmake -S "$SRC/src" -B "$SRC/src/build_python" -DCMAKE_BUILD_TYPE=Release \
    -DUNICORN_BUILD_TESTS=off "-DUNICORN_ARCH=$ARCHS" >"$WORK/cmake.log" 2>&1 \
  || { cat "$WORK/cmake.log" >&2; exit 1; }
THREADS=$(nproc) SETUPTOOLS_SCM_PRETEND_VERSION="$VERSION+tinysim.$PATCH_LEVEL" \
    "$PYTHON" -m pip wheel --quiet --no-deps -w "$OUT" "$SRC" >"$WORK/wheel.log" 2>&1 \
  || { tail -40 "$WORK/wheel.log" >&2; exit 1; }
WHEEL=$(ls "$OUT"/unicorn-"$VERSION"+tinysim."$PATCH_LEVEL"-*.whl)
echo "   $WHEEL ($(( $(date +%s) - START )) s)"

if [ "$INSTALL" = 1 ]; then
    echo "== installing into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
    "$PYTHON" -m pip install --quiet --force-reinstall --no-deps "$WHEEL"
    (cd / && "$PYTHON" -c 'from tinysim.emu.engine_info import unicorn_build; print("engine:", unicorn_build())') \
        2>/dev/null || echo "   installed unicorn $VERSION+tinysim.$PATCH_LEVEL"
fi
if [ "$KEEP" = 0 ] && [ "$OUT" = "$WORK/dist" ]; then
    echo "(the wheel goes with the work directory; --out DIR keeps it)"
fi
