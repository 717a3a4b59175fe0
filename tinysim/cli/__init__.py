"""The `tinysim` command.

Each subcommand is a module `tinysim/cli/cmd_<name>.py` declaring `NAME`, `HELP`,
`add_arguments(parser)` and `run(args) -> int`. Modules are discovered, not listed, so adding a
command touches one file. User errors (`TinysimError`) print one clear message and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import pkgutil
import signal
import sys
import threading
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


# Numeric options several commands share, checked once here before any file is opened:
# attribute -> (option as the user types it, smallest valid value, what it counts); _UPPER gives
# the largest where the value reaches a fixed-width field.
_NUMERIC_OPTIONS = {
    "max_instructions": ("--max-instructions", 1, "an instruction budget"),
    "inputs": ("--inputs", 1, "a number of random inputs"),
    "limit": ("--limit", 1, "a number of dataset files"),
    "top": ("--top", 1, "a number of functions to list"),
    "infer": ("--infer", 1, "a number of inferences"),
    "seed": ("--seed", 0, "a random seed"),
    "baud": ("--baud", 1, "a baud rate"),
    "timeout": ("--timeout", 1e-3, "seconds to wait"),
    "min_window_s": ("--min-window-s", 1e-3, "seconds per timed window"),
}


# The native counter keeps the instruction budget in a uint64_t (tinysim/emu/native): a larger
# number would wrap (2**64 + 1 became a budget of 1).
_UPPER = {"max_instructions": 2**64 - 1}


def check_numeric_options(args: argparse.Namespace) -> None:
    """A negative count, a zero timeout or a number too big for its field is a typo: say so
    before anything runs."""
    for attr, (option, lowest, what) in _NUMERIC_OPTIONS.items():
        value = getattr(args, attr, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < lowest:
            bound = "0 or more" if lowest == 0 else ("above 0" if lowest < 1 else f"at least {lowest}")
            raise TinysimError(f"{option} {value}: {what} must be {bound}")
        if isinstance(value, float) and not math.isfinite(value):
            raise TinysimError(f"{option} {value}: {what} must be a finite number")
        if isinstance(value, (int, float)) and attr in _UPPER and value > _UPPER[attr]:
            raise TinysimError(f"{option} {value}: {what} must be at most {_UPPER[attr]:,}")


class _Interrupts:
    """Ctrl-C while Python runs inside a C callback (the emulator's hooks) cannot unwind through
    C: Python prints that callback's failure as an 'ignored' exception with a traceback, and the
    interrupt is then either turned into an emulator error or lost while the run goes on. While a
    command runs: note every Ctrl-C, keep quiet about the callback failures that follow one, and
    deliver a swallowed Ctrl-C again shortly after, until it lands in ordinary Python code."""

    REDELIVER_S = 0.3

    def __init__(self) -> None:
        self.seen = False
        self._previous_hook = sys.unraisablehook
        self._previous_handler = None
        self._timer: Optional[threading.Timer] = None
        self._closed = False

    def _on_sigint(self, signum, frame) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def _hook(self, unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            self.seen = True
            self._redeliver_later()
            return
        if not self.seen:
            self._previous_hook(unraisable)

    def _redeliver_later(self) -> None:
        if self._previous_handler is None or (self._timer is not None and self._timer.is_alive()):
            return   # not our handler to call, or a re-delivery is already on its way
        self._timer = threading.Timer(self.REDELIVER_S, self._redeliver)
        self._timer.daemon = True
        self._timer.start()

    def _redeliver(self) -> None:
        if not self._closed:   # a real signal to the main thread: it also wakes a blocking call
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    def __enter__(self) -> "_Interrupts":
        sys.unraisablehook = self._hook
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        sys.unraisablehook = self._previous_hook
        if self._previous_handler is not None:
            signal.signal(signal.SIGINT, self._previous_handler)


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush of what is still
    buffered does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):   # stdout is not a real file: nothing to flush
        pass


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with _Interrupts() as interrupts:
        try:
            check_numeric_options(args)
            return int(args._handler(args) or 0)
        except TinysimError as err:
            if interrupts.seen:   # the error is the emulator stopping under the user's Ctrl-C
                print(f"tinysim {args.command}: interrupted", file=sys.stderr)
                return 130
            print(f"tinysim {args.command}: error: {err}", file=sys.stderr)
            return err.exit_code
        except KeyboardInterrupt:
            print(f"tinysim {args.command}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:   # the reader went away (`tinysim profile ... | head`)
            _discard_stdout()
            return 141            # 128 + SIGPIPE, what a shell reports for the same
