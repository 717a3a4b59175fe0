#!/usr/bin/env bash
# Build Unicorn 2.1.4 with tinysim's patches (third_party/unicorn/README.md says what each does and
# why) and install it: the fast engine, the README's default. tinysim also runs on the stock wheel.
#
#   scripts/build_unicorn.sh [--or-stock] [--rebuild] [--wheel-only] [--out DIR] [--keep]
#
# 1. downloads the released source distribution by name and version with pip (from the index pip
#    is configured with) and checks its SHA-256 against the one below;
# 2. applies third_party/unicorn/*.patch in order;
# 3. builds a wheel with only the Arm and RISC-V targets (tinysim needs no other; the sdist builds
#    all ten by default), 1-3 minutes on 2 cores; pip brings the sdist's build requirements
#    (setuptools, setuptools-scm) into its isolated build environment. The wheel is versioned
#    2.1.4+tinysim.N: a PEP 440 local label, so the project's `unicorn==2.1.4` requirement still
#    holds (pip keeps the build) and tinysim can tell which build runs;
# 4. installs it with `pip install --force-reinstall --no-deps` into $PYTHON (default python3),
#    unless --wheel-only. When $PYTHON already has this build, says so and stops (--rebuild builds
#    it again).
# Needs a C compiler and `patch` (Debian: build-essential). cmake, and ninja when make is missing,
# come from the machine's PATH, or else from pip into the work directory (TINYSIM_BUILD_TOOLS=pip:
# from pip even when the machine has them).
# --or-stock: when the build cannot happen (no network, no compiler, a failed build), print one
# line saying why and how to retry, keep the engine installed, and exit 0 (the README's set-up
# command goes on to `tinysim bench`, whose results name the engine in `engine_build`).
# Back to the stock engine: python3 -m pip install --force-reinstall --no-deps unicorn==2.1.4
set -euo pipefail

VERSION=2.1.4
SHA256=00567a70e323f749b419cd86bee4f9115beab7ebba32194581c090cbb7c59cff  # unicorn-2.1.4.tar.gz
PATCH_LEVEL=12           # raise when third_party/unicorn/*.patch change
ARCHS="arm;riscv"        # UNICORN_ARCH of the sdist's CMakeLists.txt
PYTHON=${PYTHON:-python3}
BUILD_TOOLS=${TINYSIM_BUILD_TOOLS:-auto}   # auto: PATH first, pip for what is missing; pip: pip only
FAILED_LOG="${TMPDIR:-/tmp}/tinysim-unicorn-build.log"   # kept when --or-stock falls back

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATCHES=("$ROOT"/third_party/unicorn/*.patch)
BUILD="$VERSION+tinysim.$PATCH_LEVEL"
OUT=""
INSTALL=1
KEEP=0
OR_STOCK=0
REBUILD=0
while [ $# -gt 0 ]; do
    case "$1" in
        --or-stock) OR_STOCK=1 ;;
        --rebuild) REBUILD=1 ;;
        --wheel-only) INSTALL=0 ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "build_unicorn.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$BUILD_TOOLS" in auto|pip) ;; *)
    echo "build_unicorn.sh: TINYSIM_BUILD_TOOLS='$BUILD_TOOLS'; use auto (the default) or pip" >&2; exit 2 ;;
esac

INSTALLED=$(cd / && "$PYTHON" -c 'from importlib.metadata import version; print(version("unicorn"))' 2>/dev/null) \
    || INSTALLED=""
if [ "$INSTALL" = 1 ] && [ "$REBUILD" = 0 ] && [ "$INSTALLED" = "$BUILD" ]; then
    echo "engine: unicorn $BUILD is already installed in $("$PYTHON" -c 'import sys; print(sys.prefix)') (--rebuild builds it again)"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tinysim-unicorn.XXXXXX")
if [ "$KEEP" = 0 ]; then trap 'rm -rf "$WORK"' EXIT; else echo "work directory: $WORK"; fi
LOG="$WORK/build.log"   # what the tools print; its tail is shown when a step fails
: >"$LOG"

fail() {   # fail WHY: stop; with --or-stock keep the installed engine and let the caller go on
    if [ "$OR_STOCK" = 1 ]; then
        cp "$LOG" "$FAILED_LOG" 2>/dev/null || FAILED_LOG="(none: could not write it)"
        local kept="the stock unicorn $VERSION wheel"
        [ "$INSTALLED" = "$VERSION" ] || kept="unicorn ${INSTALLED:-(none installed)}"
        echo "build_unicorn.sh: the fast engine was not built: $1. tinysim keeps $kept; retry: $0 (log: $FAILED_LOG)" >&2
        exit 0
    fi
    [ -s "$LOG" ] && tail -30 "$LOG" >&2
    echo "build_unicorn.sh: $1" >&2
    exit 1
}
trap 'fail "unexpected error on line $LINENO of $0"' ERR

command -v cc >/dev/null || fail "no C compiler 'cc' on PATH; Debian: apt-get install build-essential"
command -v patch >/dev/null || fail "no 'patch' on PATH; Debian: apt-get install patch"

# cmake and a build program: the machine's, or pip's wheels (binaries inside) unpacked into $WORK.
FROM_PIP=()
if [ "$BUILD_TOOLS" = pip ]; then
    FROM_PIP=(cmake ninja)
else
    command -v cmake >/dev/null || FROM_PIP+=(cmake)
    command -v make >/dev/null || command -v ninja >/dev/null || FROM_PIP+=(ninja)
fi
GENERATOR=()
if [ ${#FROM_PIP[@]} -gt 0 ]; then
    echo "== getting ${FROM_PIP[*]} with pip into the work directory"
    "$PYTHON" -m pip install --quiet --target "$WORK/tools" "${FROM_PIP[@]}" >>"$LOG" 2>&1 \
        || fail "pip could not get $(IFS=/; echo "${FROM_PIP[*]}") (offline?)"
    # --target leaves ninja's binary in bin/ and cmake's in its package (bin/cmake is a Python
    # launcher that would need PYTHONPATH); setup.py and cmake find both on PATH.
    TOOLS_PATH="$WORK/tools/bin"
    if [ -d "$WORK/tools/cmake" ]; then
        TOOLS_PATH="$(PYTHONPATH="$WORK/tools" "$PYTHON" -c 'import cmake; print(cmake.CMAKE_BIN_DIR)'):$TOOLS_PATH"
    fi
    export PATH="$TOOLS_PATH:$PATH"
    if [ -x "$WORK/tools/bin/ninja" ]; then GENERATOR=(-G Ninja); fi
    for tool in "${FROM_PIP[@]}"; do
        "$tool" --version >>"$LOG" 2>&1 || fail "pip installed $tool but it does not run here"
    done
elif ! command -v make >/dev/null; then
    GENERATOR=(-G Ninja)
fi

OUT=${OUT:-$WORK/dist}
mkdir -p "$OUT"

echo "== downloading the unicorn $VERSION source distribution"
"$PYTHON" -m pip download --quiet --no-binary unicorn --no-deps "unicorn==$VERSION" -d "$WORK/sdist" \
    >>"$LOG" 2>&1 || fail "pip could not download the unicorn $VERSION source distribution (offline?)"
TARBALL="$WORK/sdist/unicorn-$VERSION.tar.gz"
[ -f "$TARBALL" ] || fail "pip did not leave $TARBALL"
GOT=$(sha256sum "$TARBALL" | cut -d' ' -f1)
[ "$GOT" = "$SHA256" ] || fail "$TARBALL has SHA-256 $GOT, expected $SHA256; not building from it"

echo "== applying ${#PATCHES[@]} patch(es)"
tar -xzf "$TARBALL" -C "$WORK"
SRC="$WORK/unicorn-$VERSION"
for p in "${PATCHES[@]}"; do
    echo "   $(basename "$p")"
    patch -d "$SRC" -p1 --quiet --forward <"$p" >>"$LOG" 2>&1 || fail "$(basename "$p") did not apply"
done

echo "== building the wheel (targets: $ARCHS)"
START=$(date +%s)
# setup.py configures src/build_python with its own cmake arguments; a cache seeded here keeps
# UNICORN_ARCH, which setup.py does not pass, and the generator.
cmake "${GENERATOR[@]}" -S "$SRC/src" -B "$SRC/src/build_python" -DCMAKE_BUILD_TYPE=Release \
    -DUNICORN_BUILD_TESTS=off "-DUNICORN_ARCH=$ARCHS" >>"$LOG" 2>&1 \
    || fail "cmake could not configure the build"
THREADS=$(nproc) SETUPTOOLS_SCM_PRETEND_VERSION="$BUILD" \
    "$PYTHON" -m pip wheel --quiet --no-deps -w "$OUT" "$SRC" >>"$LOG" 2>&1 \
    || fail "the build failed"
WHEEL=$(ls "$OUT"/unicorn-"$BUILD"-*.whl)
echo "   $WHEEL ($(( $(date +%s) - START )) s)"

if [ "$INSTALL" = 1 ]; then
    echo "== installing into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
    "$PYTHON" -m pip install --quiet --force-reinstall --no-deps "$WHEEL" >>"$LOG" 2>&1 \
        || fail "pip could not install $WHEEL"
    (cd / && "$PYTHON" -c 'from tinysim.emu.engine_info import unicorn_build; print("engine:", unicorn_build())') \
        2>/dev/null || echo "   installed unicorn $BUILD"
fi
if [ "$KEEP" = 0 ] && [ "$OUT" = "$WORK/dist" ]; then
    echo "(the wheel goes with the work directory; --out DIR keeps it)"
fi
