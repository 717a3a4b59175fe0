"""The `tinysim` command.

Each subcommand is a module `tinysim/cli/cmd_<name>.py` declaring `NAME`, `HELP`,
`add_arguments(parser)` and `run(args) -> int`. Modules are discovered, not listed, so adding a
command touches one file. User errors (`TinysimError`) print one clear message and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import List, Optional

from .. import __version__
from ..errors import TinysimError
from ..registry import Registry

COMMANDS: Registry = Registry("command")


def _discover() -> None:
    if list(COMMANDS):
        return
    package = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            COMMANDS.add(module.NAME, module)


def build_parser() -> argparse.ArgumentParser:
    _discover()
    parser = argparse.ArgumentParser(
        prog="tinysim",
        description="MLPerf Tiny firmware under emulation: latency and energy without a board.",
    )
    parser.add_argument("--version", action="version", version=f"tinysim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        module = COMMANDS.get(name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_handler=module.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._handler(args) or 0)
    except TinysimError as err:
        print(f"tinysim {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"tinysim {args.command}: interrupted", file=sys.stderr)
        return 130
