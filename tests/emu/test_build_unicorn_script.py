"""scripts/build_unicorn.sh, the README's set-up step, where it cannot build: `--or-stock` says why
in one line, keeps the installed engine and lets the command go on (exit 0); without it the script
fails. A PATH without a C compiler makes the build impossible before anything is downloaded, so
these run offline in a second and never start a build. The build itself is exercised by CI
(.ci/run runs the README's command) and measured in the README."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tinysim.emu.engine_info import patch_level

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_unicorn.sh"
BASH = shutil.which("bash")
# what the script runs before it looks for a compiler; no cc, gcc or cmake among them
BEFORE_THE_COMPILER = ("dirname", "mktemp", "rm", "cp", "tail", "sed")


def no_compiler_path(tmp_path: Path) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in BEFORE_THE_COMPILER:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    return str(bin_dir)


def run_script(tmp_path: Path, *args: str, path: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": path, "PYTHON": sys.executable, "TMPDIR": str(tmp_path), **env})


def test_or_stock_without_a_compiler_keeps_the_engine_and_says_why_in_one_line(tmp_path):
    before = metadata.version("unicorn")
    done = run_script(tmp_path, "--or-stock", "--rebuild", path=no_compiler_path(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    kept = "the stock unicorn 2.1.4 wheel" if before == "2.1.4" else f"unicorn {before}"
    assert lines[0].startswith("build_unicorn.sh: the fast engine was not built: no C compiler 'cc'")
    assert f"tinysim keeps {kept}; retry: " in lines[0]
    assert (tmp_path / "tinysim-unicorn-build.log").exists() and metadata.version("unicorn") == before


def test_without_or_stock_a_build_that_cannot_happen_fails(tmp_path):
    done = run_script(tmp_path, "--rebuild", path=no_compiler_path(tmp_path))
    assert done.returncode == 1
    assert "no C compiler 'cc' on PATH; Debian: apt-get install build-essential" in done.stderr


def test_unknown_build_tools_choice_is_refused(tmp_path):
    done = run_script(tmp_path, "--or-stock", path=no_compiler_path(tmp_path), TINYSIM_BUILD_TOOLS="conda")
    assert done.returncode == 2 and "TINYSIM_BUILD_TOOLS='conda'; use auto (the default) or pip" in done.stderr


def script_patch_level() -> int:
    return int(re.search(r"^PATCH_LEVEL=(\d+)", SCRIPT.read_text(), re.M).group(1))


@pytest.mark.skipif(patch_level() != script_patch_level(),
                    reason="needs the patched engine of this checkout's patch level installed "
                           "(scripts/build_unicorn.sh); never builds one here")
def test_run_again_it_sees_the_build_installed(tmp_path):
    done = run_script(tmp_path, "--or-stock", path=no_compiler_path(tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"engine: unicorn 2.1.4+tinysim.{script_patch_level()} is already installed" in done.stdout
