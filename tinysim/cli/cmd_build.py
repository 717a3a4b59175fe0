"""`tinysim build`: cross-build firmware for a platform with the real toolchain.

    tinysim build --model models/kws01.tflite --platform nucleo-l4r5zi [-o kws01.elf]
    tinysim build --test hello --platform nucleo-l4r5zi [-o hello.elf]
    tinysim build --list
    tinysim build --prebuilt-tests        rebuild firmware_images/tests/** and its manifest

A benchmark image is the model compiled to C (`tinysim.compiler`), linked with the EEMBC harness,
the platform's kernel port and its board port (`tinysim.firmware.images.build_model_image`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import TinysimError
from ..firmware import build
from ..platform import load_platform

NAME = "build"
HELP = "cross-build a benchmark firmware from a .tflite model, or a test firmware, for a platform"


def add_arguments(parser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", type=Path, metavar="FILE.tflite",
                      help="benchmark firmware: EEMBC harness + int8 kernels + this model")
    what.add_argument("--test", metavar="NAME", help="test firmware in tinysim/firmware/tests/NAME")
    what.add_argument("--list", action="store_true", help="list ports, their platforms and tests")
    what.add_argument("--prebuilt-tests", action="store_true",
                      help="rebuild every test firmware into firmware_images/tests + manifest.json")
    parser.add_argument("--platform", "-p", metavar="P",
                        help="platform (e.g. nucleo-l4r5zi, gd32vf103-longan) or port name")
    parser.add_argument("-o", "--out", type=Path, default=None,
                        help="output ELF (default: firmware_images/tests/<platform>/<NAME>.elf for "
                             "--test, build/<platform>/<model>.elf for --model)")
    parser.add_argument("--keep-c", type=Path, metavar="DIR",
                        help="with --model: keep the generated model C sources in DIR")
    parser.add_argument("--model-id", metavar="ID",
                        help="with --model: the model name the firmware reports (TS_MODEL_ID; "
                             "default: the file name's stem), e.g. kws01 for kws01_official.tflite")


def check_output_path(out, option: str, example: str) -> None:
    """An output file path must not be a directory or lie under a file: say so before building."""
    if out is None:
        return
    if out.is_dir():
        raise TinysimError(f"{option} {out}: is a directory; give the output file path "
                           f"(e.g. {out / example})")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise TinysimError(f"{option} {out}: {parent} is a file, not a directory; "
                                   "choose another output path")
            break


def _new_dirs(paths) -> list:
    """The folders (and their missing parents) that do not exist yet, deepest first."""
    out = []
    for path in paths:
        for d in (path, *path.parents):
            if d.exists():
                break
            out.append(d)
    return sorted(set(out), key=lambda d: len(d.parts), reverse=True)


def _remove_empty(dirs) -> None:
    for d in dirs:
        try:
            d.rmdir()          # only if empty: never removes anything the build wrote
        except OSError:
            pass


def run(args) -> int:
    if args.list or args.prebuilt_tests:   # these cover every port: options for one are a mistake
        mode = "--list" if args.list else "--prebuilt-tests"
        given = [flag for flag, value in (("--platform", args.platform), ("-o", args.out),
                                          ("--keep-c", args.keep_c)) if value is not None]
        if given:
            raise TinysimError(f"{mode} covers every port and test; it takes no {', '.join(given)} "
                               "(to build one image: --test NAME --platform P [-o OUT.elf])")
    if args.keep_c is not None and args.model is None:
        raise TinysimError("--keep-c keeps the generated model C sources: it goes with --model")
    if args.model_id is not None and args.model is None:
        raise TinysimError("--model-id names the model a benchmark firmware reports: it goes with --model")
    check_output_path(args.out, "-o", f"{(args.test or 'model')}.elf")
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
        flag = "--model" if args.model is not None else "--test"
        raise TinysimError(f"{flag} needs --platform P (see `tinysim build --list`)")
    if args.model is not None:
        return _build_model(args)
    elf = build.build_test_firmware(args.test, args.platform, out_path=args.out)
    sizes = build.elf_sizes(elf)
    tc = build.toolchain_for(args.platform)
    print(f"wrote {elf}")
    print(f"  text {sizes['text']}  data {sizes['data']}  bss {sizes['bss']}  "
          f"sha256 {build.sha256_file(elf)}")
    print(f"  toolchain: {tc.version}")
    return 0


def _build_model(args) -> int:
    from ..firmware.images import build_model_image  # deferred: `tinysim --help` start-up speed
    if not args.model.is_file():
        raise TinysimError(f"{args.model}: no such model file")
    platform = load_platform(args.platform)
    out = args.out or Path("build") / platform.name / f"{args.model.stem}.elf"
    created = _new_dirs([out.parent] + ([args.keep_c] if args.keep_c is not None else []))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        entry = build_model_image(args.model, platform, out, work_dir=args.keep_c, model_id=args.model_id)
        if not entry["fits"]:
            raise TinysimError(f"{args.model.name} does not fit {platform.name}: {entry['why']}")
    except BaseException:
        _remove_empty(created)   # a failed build leaves no empty -o / --keep-c folders behind
        raise
    print(f"wrote {out}")
    print(f"  model {entry['model_id']}: {entry['macs']:,} MACs, kernels {entry['kernels']}, "
          f"arena {entry['arena_bytes']:,} B")
    print(f"  flash {entry['flash_bytes']:,} of {platform.flash_bytes:,} B  "
          f"SRAM (static) {entry['sram_static_bytes']:,} of {platform.sram_bytes:,} B  "
          f"sha256 {entry['sha256']}")
    print(f"  toolchain: {entry['toolchain']}")
    return 0
