"""The cross-build driver: toolchain discovery, errors, reproducibility, the committed images."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import shutil

import pytest

from tinysim.errors import TinysimError, ToolchainError
from tinysim.firmware import build


def test_missing_toolchain_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no cross compiler on PATH
    with pytest.raises(ToolchainError) as arm:
        build.toolchain_for("nucleo-l4r5zi")
    assert "arm-none-eabi-gcc" in str(arm.value)
    assert "gcc-arm-none-eabi" in str(arm.value) and "libnewlib-arm-none-eabi" in str(arm.value)
    with pytest.raises(ToolchainError) as rv:
        build.toolchain_for("gd32vf103-longan")
    assert "riscv64-unknown-elf-gcc" in str(rv.value)
    assert "picolibc-riscv64-unknown-elf" in str(rv.value)


def test_missing_toolchain_stops_a_build_before_compiling(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError, match="apt-get install gcc-arm-none-eabi"):
        build.build_test_firmware("hello", "nucleo-l4r5zi", tmp_path / "out")
    assert not (tmp_path / "out" / "hello.elf").exists()


def test_unknown_board_and_test_are_named():
    with pytest.raises(TinysimError, match="unknown platform 'pdp11'.*nucleo-l4r5zi"):
        build.load_board("pdp11")
    with pytest.raises(TinysimError, match="no test firmware 'nope'.*hello"):
        build.build_test_firmware("nope", "nucleo-l4r5zi")
    with pytest.raises(TinysimError, match="'float' is not built for esp32c3"):
        build.build_test_firmware("float", "esp32c3-devkitm")


def test_a_board_is_built_by_its_platform_name():
    assert build.available_boards() == ["esp32c3-devkitm", "gd32vf103-longan", "nrf5340-dk",
                                        "nucleo-h7a3zi-q", "nucleo-l4r5zi", "nucleo-u385rg-q",
                                        "nucleo-u575zi-q"]
    for name in build.available_boards():
        spec = build.load_board(name)
        assert spec.name == name and spec.platforms == (name,)
        assert spec.directory == build.REPO_ROOT / "platforms" / "boards" / name
    # every port's files exist and every listed test has sources
    for port in build.available_boards():
        spec = build.load_board(port)
        assert spec.linker_script.is_file()
        assert set(spec.tests) <= set(build.list_test_firmwares())


def test_malformed_firmware_table_names_file_and_key(tmp_path):
    tree = tmp_path / "platforms"
    shutil.copytree(build.REPO_ROOT / "platforms", tree)
    soc = tree / "socs" / "stm32l4r5" / "stm32l4r5.toml"
    good = soc.read_text()
    soc.write_text(good.replace('linker_script = "linker.ld"', 'linker_sript = "linker.ld"'))
    with pytest.raises(TinysimError, match=r"stm32l4r5.toml: firmware.linker_script: missing"):
        build.load_board(tree / "boards" / "nucleo-l4r5zi")
    soc.write_text(good)
    board = tree / "boards" / "nucleo-l4r5zi" / "nucleo-l4r5zi.toml"
    board.write_text(board.read_text().replace('sources = ["board.c"', 'sources = ["bored.c"'))
    with pytest.raises(TinysimError, match=r"nucleo-l4r5zi.toml: firmware.sources: lists 'bored.c'"):
        build.load_board(board)


def test_board_config_header_comes_from_the_toml():
    from tinysim.firmware import board_config
    from tinysim.platform import load_platform

    text = board_config.render(load_platform("nucleo-l4r5zi"), build.REPO_ROOT)
    assert "GENERATED" in text and "platforms/boards/nucleo-l4r5zi/nucleo-l4r5zi.toml" in text
    assert "#define TS_SYSCLK_HZ 120000000u" in text
    assert "#define TS_FLASH_WAIT_STATES 5u" in text          # RM0432 Table 12, range 1, 120 MHz
    assert "#define TS_CONSOLE_BAUD 115200u" in text
    assert "#define TS_MEM_SRAM3_BASE 0x20040000u" in text
    # the [console] peripheral's SoC entry: LPUART1 at 0x40008000, NVIC line 70 (stm32l4r5.toml)
    assert "#define TS_CONSOLE_BASE 0x40008000u" in text and "#define TS_CONSOLE_IRQ 70u" in text
    slow = board_config.render(load_platform("nucleo-l4r5zi").with_overrides(clock_hz=48_000_000),
                               build.REPO_ROOT)
    assert "#define TS_FLASH_WAIT_STATES 2u" in slow


def test_no_board_c_copies_a_toml_number():
    # The clock, the baud rate and the wait states come from board_config.h, never by hand.
    for board_c in (build.REPO_ROOT / "platforms" / "boards").glob("*/board.c"):
        text = board_c.read_text()
        assert '#include "board_config.h"' in text, board_c
        for copied in ("120000000u", "160000000u", "108000000u", "115200u", "FLASH_WS_120MHZ"):
            assert copied not in text, f"{board_c} hard-codes {copied}"


@pytest.mark.toolchain
def test_compile_error_is_reported_with_the_file(tmp_path):
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { return undeclared_thing; }\n")
    with pytest.raises(build.BuildError, match="bad.c") as err:
        build.build_elf("nucleo-l4r5zi", [bad], [], {}, tmp_path / "bad.elf")
    assert "undeclared_thing" in str(err.value)


@pytest.mark.toolchain
@pytest.mark.parametrize("platform", ["nucleo-l4r5zi", "gd32vf103-longan", "esp32c3-devkitm"])
def test_builds_are_reproducible(tmp_path, platform):
    a = build.build_test_firmware("hello", platform, tmp_path / "a")
    b = build.build_test_firmware("hello", platform, tmp_path / "deeper" / "b")
    assert a.read_bytes() == b.read_bytes()
    assert build.sha256_file(a) == build.sha256_file(b)
    # no build-machine path leaks into the image (debug info uses repo-relative paths)
    assert str(build.REPO_ROOT).encode() not in a.read_bytes()
    assert str(tmp_path).encode() not in a.read_bytes()


def _manifest() -> dict:
    return json.loads(build.TEST_MANIFEST.read_text())


def test_manifest_lists_every_test_of_every_port():
    images = _manifest()["images"]
    expected = {
        f"{build.load_board(port).platforms[0]}/{name}.elf"
        for port in build.available_boards()
        for name in build.load_board(port).tests
    }
    assert set(images) == expected
    for rel, entry in images.items():
        elf = build.PREBUILT_TESTS_DIR / rel
        assert elf.is_file(), f"{rel} listed in the manifest but not committed"
        assert build.sha256_file(elf) == entry["sha256"], f"{rel} differs from the manifest"
        assert entry["sizes"] == build.elf_sizes(elf)
        assert entry["toolchain"].startswith(("arm-none-eabi-gcc", "riscv64-unknown-elf-gcc"))


@pytest.mark.toolchain
def test_rebuilt_images_match_the_committed_manifest(tmp_path):
    manifest = _manifest()
    for prefix, version in manifest["toolchains"].items():
        here = build.toolchain_for(build.load_board(
            "nucleo-l4r5zi" if prefix == "arm-none-eabi" else "gd32vf103-longan")).version
        if here != version:
            pytest.skip(f"images were built with {version!r}, this machine has {here!r}")

    def rebuild(item):
        rel, entry = item
        out = build.build_test_firmware(entry["test"], entry["port"], tmp_path / entry["platform"])
        return rel, build.sha256_file(out), entry["sha256"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(rebuild, manifest["images"].items()))
    mismatched = [rel for rel, got, want in results if got != want]
    assert not mismatched, f"rebuilt images differ from firmware_images/tests/manifest.json: {mismatched}"


@pytest.mark.toolchain
@pytest.mark.parametrize("platform", ["gd32vf103-longan", "esp32c3-devkitm"])
def test_riscv_links_the_rv32_libgcc(tmp_path, platform):
    # float and 64-bit division on RV32IMC come from libgcc (__floatsisf, __divsf3, __udivdi3):
    # the -march spelling must select the rv32im/ilp32 multilib, not the rv64 default.
    src = tmp_path / "soft.c"
    src.write_text(
        "#include \"tinysim_board.h\"\n"
        "volatile int n = 7; volatile unsigned long long big = 1234567890123ull;\n"
        "int main(void) { float f = (float)n / 3.0f; board_put_u64(big / n);"
        " board_put_i32((int)(f * 100.0f)); board_halt(); }\n"
    )
    elf = build.build_elf(platform, [src], [], {}, tmp_path / "soft.elf")
    assert build.elf_sizes(elf)["text"] > 0
