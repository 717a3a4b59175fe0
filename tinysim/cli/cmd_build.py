"""`tinysim build`: cross-build firmware for a platform with the real toolchain.

    tinysim build --test hello --platform nucleo-l4r5zi [-o hello.elf]
    tinysim build --list
    tinysim build --prebuilt-tests        rebuild firmware_images/tests/** and its manifest

Hook for benchmark images (not wired here yet): `--model FILE.tflite` would compile the model
with `tinysim.compiler.compile_model` into a temporary directory and pass it to
`tinysim.firmware.build.build_benchmark(model_c_dir, board, out, kernels=...)`, which links the
EEMBC harness + the kernel port + the generated model + the board port.
"""

from __future__ import annotations

from pathlib import Path

NAME = "build"
HELP = "cross-build a test firmware (or all prebuilt test images) for a platform"


def add_arguments(parser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--test", metavar="NAME", help="test firmware in tinysim/firmware/tests/NAME")
    what.add_argument("--list", action="store_true", help="list ports, their platforms and tests")
    what.add_argument("--prebuilt-tests", action="store_true",
                      help="rebuild every test firmware into firmware_images/tests + manifest.json")
    parser.add_argument("--platform", "-p", metavar="P",
                        help="platform (e.g. nucleo-l4r5zi, gd32vf103-longan) or port name")
    parser.add_argument("-o", "--out", type=Path, default=None,
                        help="output ELF (default: firmware_images/tests/<platform>/<NAME>.elf)")


def run(args) -> int:
    from ..errors import TinysimError
    from ..firmware import build  # keeps `tinysim --help` fast

    if args.list:
        for port in build.available_boards():
            spec = build.load_board(port)
            print(f"{port:15s} platforms: {', '.join(spec.platforms)}")
            print(f"{'':15s} tests: {', '.join(spec.tests)}")
        return 0
    if args.prebuilt_tests:
        build.build_prebuilt_tests()
        print(f"wrote {build.TEST_MANIFEST}")
        return 0

    if not args.platform:
        raise TinysimError("--test needs --platform P (see `tinysim build --list`)")
    elf = build.build_test_firmware(args.test, args.platform, out_path=args.out)
    sizes = build.elf_sizes(elf)
    tc = build.toolchain_for(args.platform)
    print(f"wrote {elf}")
    print(f"  text {sizes['text']}  data {sizes['data']}  bss {sizes['bss']}  "
          f"sha256 {build.sha256_file(elf)}")
    print(f"  toolchain: {tc.version}")
    return 0
