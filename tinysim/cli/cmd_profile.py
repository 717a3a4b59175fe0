"""`tinysim profile`: where the cycles, instructions and energy of a run go, by function, by
instruction class and (`--layers`, benchmark images) by model layer."""

from __future__ import annotations

import json
from pathlib import Path

from .. import report
from ..cost.attribution import block_names, by_function, call_graph, collapsed_stacks
from ..units import fmt_clock
from ..errors import TinysimError
from .cmd_bench import MODELS_DIR, model_path
from .options import (add_common_arguments, cost_inputs, load_manifest, manifest_entry, platform_for,
                      wrote)

NAME = "profile"
HELP = "cycles, instructions and energy per function, instruction class and model layer (and a flame-graph file)"


def add_arguments(p) -> None:
    add_common_arguments(p)
    p.add_argument("--top", type=int, default=20, help="functions to list (default 20)")
    p.add_argument("--collapsed", metavar="OUT.txt",
                   help="write collapsed stacks (flamegraph.pl / speedscope), weight = cycles; "
                        "call stacks come from the calls (BL/JAL) seen in the run")
    p.add_argument("--flat", action="store_true",
                   help="collapsed output with one frame per function (no call stacks)")
    p.add_argument("--layers", action="store_true",
                   help="cycles per model layer of one inference instead (a benchmark image: "
                        "emulates it, timing each kernel call of ts_model_invoke)")
    p.add_argument("--json", action="store_true",
                   help="print the totals, the instruction classes and the functions (or layers) as JSON")


def run(args) -> int:
    if args.layers:
        return _run_layers(args)
    from ..pipeline.profiles import inferences_in, profile_elf  # deferred: start-up speed
    platform, params, profile = cost_inputs(args)
    elf, note = profile_elf(args, profile)
    rows, total = by_function(profile, platform, elf, params)
    n = inferences_in(profile)
    if args.collapsed:
        graph = None if args.flat else call_graph(profile, block_names(profile, elf))
        try:
            Path(args.collapsed).write_text("\n".join(collapsed_stacks(rows, graph)) + "\n")
        except OSError as err:
            raise TinysimError(f"--collapsed {args.collapsed}: cannot write ({err.strerror}); "
                               "choose another path") from None
        wrote(args.collapsed, "collapsed stacks, whole window")
    if args.json:
        print(json.dumps({"platform": platform.name, "elf": elf, "inferences": n,
                          "total": total.as_dict(), "functions": [
                              {"function": r.name, "cycles": r.cycles, "instructions": r.instructions,
                               "block_executions": r.executions, "joules": r.joules}
                              for r in rows[:args.top]]}, indent=2))
        return 0
    _print_text(platform, profile, total, rows, n, note, args.top)
    return 0


def _print_text(platform, profile, total, rows, n: int, note: str, top: int) -> None:
    column, what, _ = platform.flash.stall_terms
    per = f" per inference (the window ran {n})" if n > 1 else ""
    print(f"{report.workload_of(profile.meta)} on {platform.name} at {fmt_clock(total.clock_hz)} "
          f"({total.wait_states} {column}, {what}){per}: {total.cycles / n:,.0f} cycles, "
          f"{total.seconds * 1e3 / n:.3f} ms, {total.joules * 1e6 / n:,.1f} {report.uj()}, "
          f"{total.instructions / n:,.0f} instructions, CPI {total.cycles / max(total.instructions, 1):.2f}")
    if note:
        print(note)
    print()
    print("\n".join(class_lines(total, n)))
    print()
    shown = rows[:top]
    cpi = [f"{r.cycles / r.instructions:.2f}" if r.instructions else "-" for r in shown]
    lines = report.text_table(
        ["%", "cycles", "instructions", "CPI", f"energy {report.uj()}", "function"],
        [[f"{100 * r.cycles / max(total.cycles, 1):.1f}%" for r in shown],
         [f"{r.cycles / n:,.0f}" for r in shown], [f"{r.instructions / n:,.0f}" for r in shown], cpi,
         report.column([r.joules * 1e6 / n for r in shown]), [r.name for r in shown]], left=[-1])
    print("\n".join(lines))
    if len(rows) > top:
        rest = sum(r.cycles for r in rows[top:])
        print(f"{100 * rest / max(total.cycles, 1):.1f}% {rest / n:,.0f} cycles in "
              f"{len(rows) - top} more functions (--top N lists more)")
    if total.unclassified:
        print(f"warning: {len(total.unclassified)} unclassified instruction(s) costed as 1 cycle: "
              + ", ".join(f"{m}@0x{a:08x}" for a, m in total.unclassified[:5]))



# Instruction classes under this share of the cycles are summed into one row of the text output
# (--json has every class).
MINOR_CLASS = 0.005


def class_lines(total, n: int = 1):
    """The instruction classes, most cycles first: count and cycles (per inference), share."""
    classes = sorted(total.by_class.items(), key=lambda kv: -kv[1]["cycles"])
    small = [(k, v) for k, v in classes if v["cycles"] < MINOR_CLASS * max(total.cycles, 1)]
    if len(small) > 1:   # the long tail in one row
        classes = [kv for kv in classes if kv not in small] + [
            (f"{len(small)} other classes", {"count": sum(v["count"] for _, v in small),
                                             "cycles": sum(v["cycles"] for _, v in small)})]
    extra = [(name, total.breakdown.get(key, 0.0)) for name, key in (
        ("flash (instruction fetch)", "flash_imiss_cycles"),
        ("flash (prefetch)", "flash_iprefetch_cycles"),
        ("flash (data)", "flash_dmiss_cycles"),
        ("outside blocks (interrupts, sleep)", "outside_block_cycles"))]
    names = [k for k, _ in classes] + [k for k, v in extra if v]
    counts = [f"{v['count'] / n:,.0f}" for _, v in classes] + ["" for _, v in extra if v]
    cycles = [v["cycles"] for _, v in classes] + [v for _, v in extra if v]
    return report.text_table(
        ["instruction class", "count", "cycles", "%"],
        [names, counts, [f"{c / n:,.0f}" for c in cycles],
         [f"{100 * c / max(total.cycles, 1):.1f}%" for c in cycles]], left=1)


def _run_layers(args) -> int:
    from ..pipeline.layers import layer_costs  # deferred: `tinysim --help` start-up speed
    if args.profile:
        raise TinysimError("--layers emulates one inference of the ELF: give the ELF, not --profile "
                           "(a saved profile has no per-call timing)")
    if not args.elf:
        raise TinysimError("--layers needs the benchmark image (ELF) to emulate")
    elf = Path(args.elf)
    if not elf.is_file():
        raise TinysimError(f"{elf}: ELF file not found")
    platform = platform_for(args, elf)
    entry = manifest_entry(load_manifest(elf.parent), elf.stem, elf)
    result = layer_costs(platform, elf, model_path(entry, elf.stem, MODELS_DIR))
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    print("\n".join(layer_lines(result, platform)))
    if result.note:
        print(result.note)
    return 0


def layer_lines(result, platform):
    rows = result.layers
    total = result.window_cycles
    lines = [f"{result.workload} on {platform.name} at {fmt_clock(result.clock_hz)}: one inference, "
             f"{total:,.0f} cycles, {total / result.clock_hz * 1e3:.3f} ms"
             + (f"; layer names from {result.model}" if result.model else
                "; no model beside the image: layers named by kernel")]
    names = [r.label for r in rows] + ["(outside the layers: harness, invoke, interrupts, waits)",
                                       "total"]
    cycles = [r.cycles for r in rows] + [result.other_cycles, total]
    insns = [r.instructions for r in rows] + [result.other_instructions, result.window_instructions]
    macs = [r.macs for r in rows] + [None, sum(r.macs or 0 for r in rows) or None]
    lines += report.text_table(
        ["layer", "cycles", "ms", "%", "instructions", "CPI", "cyc/MAC"],
        [names, [f"{c:,.0f}" for c in cycles], report.column([c / result.clock_hz * 1e3 for c in cycles]),
         [f"{100 * c / max(total, 1):.1f}%" for c in cycles], [f"{i:,}" for i in insns],
         [f"{c / i:.2f}" if i else "-" for c, i in zip(cycles, insns)],
         [f"{c / m:.2f}" if m else "-" for c, m in zip(cycles, macs)]], left=1)
    return lines
