"""Cross-build driver: board port + application sources -> firmware ELF.

A board's firmware port is described by the `[firmware]` tables of its platform files (read once
by `tinysim.platform`): the SoC's (toolchain, CPU flags, startup, linker script, register headers
in ``platforms/socs/<soc>/``) and the board's (``platforms/boards/<board>/board.c``, defines,
tests). Every build also writes ``board_config.h`` (clock, baud, wait states, memory map) from the
TOML into its build directory (`tinysim.firmware.board_config`). This module turns that plus a
list of application sources into an ELF with the real cross compiler, reproducibly: source
paths are rewritten with ``-ffile-prefix-map``, objects are linked in a fixed order and no
timestamp enters the image, so the same sources give the same sha256 on any machine with the
same toolchain version.

Public API:
    toolchain_for(board) -> Toolchain        (raises ToolchainError naming the Debian package)
    load_board(name, board folder or board TOML path) -> BoardSpec
    build_elf(board, sources, include_dirs, defines, out_path) -> Path
    build_test_firmware(name, board, out_dir=None) -> Path
    list_test_firmwares(), available_boards()
    build_benchmark(model_c_dir, board, out, kernels="reference") -> Path
    elf_sizes(path) -> {"text": .., "data": .., "bss": ..}
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from tinysim.errors import ToolchainError, TinysimError
from tinysim.platform import Platform, available_platforms, load_platform

from ..atomic import atomic_file
from . import board_config

FIRMWARE_DIR = Path(__file__).resolve().parent
REPO_ROOT = FIRMWARE_DIR.parent.parent
TESTS_DIR = FIRMWARE_DIR / "tests"
INCLUDE_DIR = FIRMWARE_DIR / "include"
HARNESS_DIR = FIRMWARE_DIR / "harness"
KERNELS_DIR = FIRMWARE_DIR / "kernels"
PREBUILT_TESTS_DIR = REPO_ROOT / "firmware_images" / "tests"

# Flags every board gets (the SoC's [firmware] cflags add the CPU flags). -O2 and section GC as in the brief;
# -g for symbolized fault reports (debug info does not reach the loaded image).
COMMON_CFLAGS = (
    "-std=c11",
    "-O2",
    "-g",
    "-ffunction-sections",
    "-fdata-sections",
    "-ffreestanding",
    "-fno-common",
    "-fno-builtin-printf",
    "-Wall",
    "-Werror=implicit-function-declaration",
)
COMMON_LDFLAGS = (
    "-nostartfiles",
    "-nostdlib",
    "-Wl,--gc-sections",
    "-Wl,--build-id=none",  # a build id is a hash of the link; keep the image minimal anyway
)

# Cross compiler name prefix -> (Debian packages that provide it and its C library).
TOOLCHAIN_PACKAGES = {
    "arm-none-eabi": "gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "riscv64-unknown-elf": "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
}


class BuildError(ToolchainError):
    """The cross compiler or linker rejected the sources."""


@dataclass(frozen=True)
class Toolchain:
    prefix: str  # "arm-none-eabi"
    gcc: Path
    version: str  # first line of `gcc --version`

    def tool(self, name: str) -> str:
        """Path of a binutils companion (objcopy, size, ...) next to gcc."""
        found = shutil.which(f"{self.prefix}-{name}", path=str(self.gcc.parent)) or shutil.which(
            f"{self.prefix}-{name}"
        )
        if not found:
            raise ToolchainError(
                f"{self.prefix}-{name} not found next to {self.gcc}; install the Debian package "
                f"{TOOLCHAIN_PACKAGES.get(self.prefix, self.prefix)}"
            )
        return found


@dataclass(frozen=True)
class BoardSpec:
    """What the build needs of a board: its platform's `FirmwarePort`, flattened."""

    name: str
    directory: Path
    toolchain_prefix: str
    linker_script: Path
    sources: tuple[Path, ...]
    include_dirs: tuple[Path, ...]
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    defines: Mapping[str, str]
    tests: tuple[str, ...]
    platforms: tuple[str, ...]  # `--platform` names this port serves: the board's own name
    platform: Platform | None = None


def available_boards() -> list[str]:
    """The shipped boards that can be built for (their SoC has a [firmware] table)."""
    return [name for name in available_platforms() if load_platform(name).firmware is not None]


def load_board(board: str | os.PathLike | Platform) -> BoardSpec:
    """The firmware port of a board (name, board folder or board TOML); errors name file and key."""
    platform = board if isinstance(board, Platform) else load_platform(str(board))
    port = platform.firmware
    if port is None:
        raise TinysimError(f"platform {platform.name}: no firmware port (its SoC file "
                           f"{platform.soc_source_path} has no [firmware] table, or its board file "
                           "says [firmware] build = false), so tinysim cannot build firmware for it "
                           "(it can still run a prebuilt or vendor image)")
    return BoardSpec(
        name=platform.name,
        directory=Path(platform.source_path).resolve().parent,
        toolchain_prefix=port.toolchain,
        linker_script=port.linker_script,
        sources=port.sources,
        include_dirs=port.include_dirs,
        cflags=port.cflags,
        ldflags=port.ldflags,
        defines=dict(port.defines),
        tests=port.tests,
        platforms=(platform.name,),
        platform=platform,
    )


def toolchain_for(board: str | os.PathLike | Platform | BoardSpec) -> Toolchain:
    """Find the cross compiler for a board, or raise ToolchainError naming the package."""
    spec = board if isinstance(board, BoardSpec) else load_board(board)
    prefix = spec.toolchain_prefix
    gcc = shutil.which(f"{prefix}-gcc")
    if gcc is None:
        raise ToolchainError(
            f"cross compiler {prefix}-gcc not found on PATH (needed for board {spec.name}); "
            f"install it with: apt-get install {TOOLCHAIN_PACKAGES.get(prefix, prefix + '-gcc')}"
        )
    try:
        out = subprocess.run(
            [gcc, "--version"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"{gcc} --version failed: {exc}") from None
    return Toolchain(prefix=prefix, gcc=Path(gcc), version=out.splitlines()[0].strip())


def _prefix_map_flags(build_dir: Path) -> list[str]:
    # Source paths in debug info and __FILE__ become relative to the repository root; the
    # per-build directory (board_config.h) becomes "build", so no temporary name is recorded.
    return [f"-ffile-prefix-map={REPO_ROOT}=.", f"-fdebug-prefix-map={REPO_ROOT}=.",
            f"-ffile-prefix-map={build_dir}=build", f"-fdebug-prefix-map={build_dir}=build"]


def _run(cmd: Sequence[str], what: str) -> None:
    proc = subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "LC_ALL": "C", "SOURCE_DATE_EPOCH": "0"},
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def build_elf(
    board: str | os.PathLike | Platform | BoardSpec,
    sources: Iterable[str | os.PathLike],
    include_dirs: Iterable[str | os.PathLike] = (),
    defines: Mapping[str, str] | None = None,
    out_path: str | os.PathLike = "firmware.elf",
    extra_cflags: Sequence[str] = (),
    libs: Sequence[str] = (),
) -> Path:
    """Compile ``sources`` with the board port and link an ELF at ``out_path``.

    ``defines`` are ``-DKEY=VALUE``; ``libs`` are extra ``-l`` libraries from the toolchain's C
    library (e.g. ``("m",)``), linked before libgcc. Returns the ELF path.
    """
    spec = board if isinstance(board, BoardSpec) else load_board(board)
    tc = toolchain_for(spec)
    app_sources = [Path(s).resolve() for s in sources]
    for s in app_sources:
        if not s.is_file():
            raise TinysimError(f"source file {s} does not exist")
    all_sources = [*spec.sources, *app_sources]
    merged_defines = {**spec.defines, **(defines or {})}
    out = Path(out_path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tinysim-build-") as tmp:
        config_dir = Path(tmp) / "config"
        config_dir.mkdir()
        board_config.write(spec.platform or load_platform(spec.name), config_dir, REPO_ROOT)
        incs = [INCLUDE_DIR, config_dir, *spec.include_dirs, *(Path(d).resolve() for d in include_dirs)]
        cflags = [
            *COMMON_CFLAGS,
            *spec.cflags,
            *_prefix_map_flags(Path(tmp)),
            *extra_cflags,
            *(f"-I{d}" for d in incs),
            *(f"-D{k}={v}" for k, v in sorted(merged_defines.items())),
        ]
        objs = []
        for i, src in enumerate(all_sources):
            obj = Path(tmp) / f"{i:03d}_{src.stem}.o"
            _run([str(tc.gcc), *cflags, "-c", str(src), "-o", str(obj)], f"compiling {src}")
            objs.append(str(obj))
        tmp_elf = Path(tmp) / "out.elf"
        _run(
            [
                str(tc.gcc),
                *spec.ldflags,
                *COMMON_LDFLAGS,
                f"-T{spec.linker_script}",
                *objs,
                *(f"-l{lib}" for lib in libs),
                "-lgcc",
                "-o",
                str(tmp_elf),
            ],
            f"linking {out.name} for {spec.name}",
        )
        # temp file beside `out` + rename: a failed or full-disk copy leaves no partial ELF
        with atomic_file(out, "firmware ELF", "free some space or choose another -o") as f, \
                open(tmp_elf, "rb") as src:
            shutil.copyfileobj(src, f)
    return out


def list_test_firmwares() -> list[str]:
    return sorted(p.parent.name for p in TESTS_DIR.glob("*/main.c"))


def build_test_firmware(
    name: str,
    board: str,
    out_dir: str | os.PathLike | None = None,
    out_path: str | os.PathLike | None = None,
) -> Path:
    """Build test firmware ``tests/<name>/main.c`` for ``board``.

    ``board`` is a platform name, board folder or board TOML. Default output:
    ``firmware_images/tests/<platform>/<name>.elf`` (the prebuilt location); ``out_dir`` puts
    ``<name>.elf`` elsewhere, ``out_path`` names the file exactly.
    """
    spec = load_board(board)
    src_dir = TESTS_DIR / name
    if not (src_dir / "main.c").is_file():
        raise TinysimError(
            f"no test firmware {name!r} (looked for {src_dir / 'main.c'}); "
            f"available: {', '.join(list_test_firmwares())}"
        )
    if spec.tests and name not in spec.tests:
        raise TinysimError(
            f"test firmware {name!r} is not built for {spec.name} (its [firmware] tests: "
            f"{', '.join(spec.tests)})"
        )
    if out_path is None:
        out_dir = Path(out_dir) if out_dir is not None else PREBUILT_TESTS_DIR / spec.platforms[0]
        out_path = out_dir / f"{name}.elf"
    sources = sorted(src_dir.glob("*.c"))
    return build_elf(spec, sources, [src_dir], {}, out_path)


def build_benchmark(
    model_c_dir: str | os.PathLike,
    board: str | os.PathLike | Platform,
    out: str | os.PathLike,
    kernels: str = "reference",
) -> Path:
    """Build a benchmark firmware: EEMBC harness + int8 kernels + generated model + board port.

    ``model_c_dir`` is the compiler's output directory (``model.c``, ``model.h`` and any other
    ``.c``); ``kernels`` picks ``kernels/reference`` or ``kernels/arm_dsp``.
    """
    model_dir = Path(model_c_dir).resolve()
    kernel_dir = KERNELS_DIR / kernels
    missing = [
        str(p)
        for p in (model_dir, HARNESS_DIR, kernel_dir, KERNELS_DIR / "common")
        if not p.is_dir()
    ]
    if missing:
        raise TinysimError(f"cannot build benchmark: missing source directories: {', '.join(missing)}")
    sources = [
        *sorted(HARNESS_DIR.glob("*.c")),
        *sorted(kernel_dir.glob("*.c")),
        *sorted((KERNELS_DIR / "common").glob("*.c")),
        *sorted(model_dir.glob("*.c")),
    ]
    includes = [HARNESS_DIR, KERNELS_DIR / "common", kernel_dir, model_dir]
    return build_elf(board, sources, includes, {}, out)


def sha256_file(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def elf_sizes(path: str | os.PathLike) -> dict[str, int]:
    """text/data/bss in the Berkeley sense of `size`: text = code + rodata, data = initialized RAM
    (also occupies flash), bss = zeroed RAM. Read with pyelftools from section flags."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.constants import SH_FLAGS

    sizes = {"text": 0, "data": 0, "bss": 0}
    with open(path, "rb") as fh:
        for sec in ELFFile(fh).iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC:
                continue
            if sec["sh_type"] == "SHT_NOBITS":
                sizes["bss"] += sec["sh_size"]
            elif flags & SH_FLAGS.SHF_WRITE:
                sizes["data"] += sec["sh_size"]
            else:
                sizes["text"] += sec["sh_size"]
    return sizes


TEST_MANIFEST = PREBUILT_TESTS_DIR / "manifest.json"


def build_prebuilt_tests(out_root: str | os.PathLike = PREBUILT_TESTS_DIR, log=print) -> dict:
    """Build every test firmware for every board (as its [firmware] tests list) under
    ``out_root/<platform>/<name>.elf`` and write ``out_root/manifest.json`` (sha256, toolchain
    version, text/data/bss). Returns the manifest."""
    import json

    out_root = Path(out_root)
    images: dict[str, dict] = {}
    toolchains: dict[str, str] = {}
    for port in available_boards():
        spec = load_board(port)
        tc = toolchain_for(spec)
        toolchains[tc.prefix] = tc.version
        platform = spec.platforms[0]
        for name in spec.tests:
            elf = build_test_firmware(name, port, out_root / platform)
            rel = f"{platform}/{name}.elf"
            images[rel] = {
                "test": name,
                "platform": platform,
                "port": port,
                "sha256": sha256_file(elf),
                "toolchain": tc.version,
                "sizes": elf_sizes(elf),
            }
            log(f"built {rel}  sha256 {images[rel]['sha256'][:16]}  {images[rel]['sizes']}")
    manifest = {
        "about": "test firmwares (tinysim/firmware/tests) built by `tinysim build --prebuilt-tests`",
        "toolchains": toolchains,
        "images": images,
    }
    tmp = out_root / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, out_root / "manifest.json")
    return manifest
