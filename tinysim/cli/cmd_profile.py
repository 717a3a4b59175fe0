"""`tinysim profile`: where the cycles, instructions and energy of a run go, by function."""

from __future__ import annotations

import json
from pathlib import Path

from ..cost.attribution import block_names, by_function, call_graph, collapsed_stacks
from ..units import fmt_clock
from ..errors import TinysimError
from .options import add_common_arguments, load_platform_arg, overlay_params

NAME = "profile"
HELP = "cycles, instructions and energy per function (and a flame-graph file)"


def add_arguments(p) -> None:
    add_common_arguments(p)
    p.add_argument("--top", type=int, default=20, help="functions to list (default 20)")
    p.add_argument("--collapsed", metavar="OUT.txt",
                   help="write collapsed stacks (flamegraph.pl / speedscope), weight = cycles; "
                        "call stacks come from the calls (BL/JAL) seen in the run")
    p.add_argument("--flat", action="store_true",
                   help="collapsed output with one frame per function (no call stacks)")
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    from ..pipeline.profiles import obtain_profile  # deferred: `tinysim --help` start-up speed
    platform = load_platform_arg(args.platform)
    params = overlay_params(args)
    profile = obtain_profile(args, platform, params)
    rows, total = by_function(profile, platform, args.elf, params)
    if args.collapsed:
        graph = None if args.flat else call_graph(profile, block_names(profile, args.elf))
        try:
            Path(args.collapsed).write_text("\n".join(collapsed_stacks(rows, graph)) + "\n")
        except OSError as err:
            raise TinysimError(f"--collapsed {args.collapsed}: cannot write ({err.strerror}); "
                               "choose another path") from None
    if args.json:
        print(json.dumps({"total": total.as_dict(), "functions": [
            {"function": r.name, "cycles": r.cycles, "instructions": r.instructions,
             "block_executions": r.executions, "joules": r.joules} for r in rows[:args.top]]},
            indent=2))
        return 0
    print(f"{getattr(platform, 'name', '?')} at {fmt_clock(total.clock_hz)} "
          f"({total.wait_states} WS): {total.cycles:,.0f} cycles, {total.seconds * 1e3:.3f} ms, "
          f"{total.joules * 1e3:.4f} mJ, {total.instructions:,} instructions, "
          f"CPI {total.cycles / max(total.instructions, 1):.2f}")
    print(f"{'%':>6} {'cycles':>14} {'instructions':>14} {'CPI':>5} {'energy uJ':>10}  function")
    for r in rows[:args.top]:
        cpi = f"{r.cycles / r.instructions:.2f}" if r.instructions else "-"
        print(f"{100 * r.cycles / max(total.cycles, 1):>5.1f}% {r.cycles:>14,.0f} "
              f"{r.instructions:>14,} {cpi:>5} {r.joules * 1e6:>10.2f}  {r.name}")
    if total.unclassified:
        print(f"warning: {len(total.unclassified)} unclassified instruction(s) costed as 1 cycle: "
              + ", ".join(f"{m}@0x{a:08x}" for a, m in total.unclassified[:5]))
    if len(rows) > args.top:
        rest = sum(r.cycles for r in rows[args.top:])
        print(f"{100 * rest / max(total.cycles, 1):>5.1f}% {rest:>14,.0f}  "
              f"({len(rows) - args.top} more functions)")
    return 0
