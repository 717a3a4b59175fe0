"""`tinysim sweep`: emulate once, re-cost for many clocks / memory sizes, no re-emulation."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from ..atomic import atomic_file
from ..cost import estimate
from ..cost.evaluate import provenance
from ..cost.footprint import footprint, memory_windows
from .. import report
from ..units import fmt_clock, fmt_size, parse_clocks, parse_sizes
from ..errors import TinysimError
from ..image import is_elf_file
from .options import add_common_arguments, cost_inputs, wrote

NAME = "sweep"
HELP = "latency and energy of one run re-costed over clocks and memory sizes"


def add_arguments(p) -> None:
    add_common_arguments(p)
    p.add_argument("--clock", default=None,
                   help="clocks: 16MHz,48MHz,120MHz or a range 4MHz..120MHz:100; a number "
                        "without a unit is MHz (--clock 120 = 120 MHz; default: the platform clock)")
    p.add_argument("--sram", default=None,
                   help="total SRAM sizes to check the image against: 256KiB,128KiB (the "
                        "platform shrinks its last SRAM first)")
    p.add_argument("--flash", default=None, help="total flash sizes to check against: 1MiB")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--plot", metavar="OUT.png", help="plot latency and energy against clock")
    p.add_argument("--save-profile", metavar="FILE.npz",
                   help="keep the recorded profile for later re-costing")


def sweep_rows(profile, platform, clocks, srams=(None,), flashes=(None,), elf=None, params=None,
               inferences: int = 1):
    """One dict per variant: clock, wait states, cycles, seconds, joules, watts, fit. Cycles,
    seconds, joules and instructions are per inference: the window's totals over `inferences`."""
    rows = []
    per = float(max(inferences, 1))
    for clock, sram, flash in itertools.product(clocks, srams, flashes):
        variant = platform.with_overrides(clock_hz=clock, sram_bytes=sram, flash_bytes=flash)
        est = estimate(profile, variant, params)
        row = {"clock_hz": clock, "wait_states": est.wait_states, "cycles": est.cycles / per,
               "seconds": est.seconds / per, "joules": est.joules / per,
               "avg_power_w": est.avg_power_w, "instructions": est.instructions / per,
               "sram": sram, "flash": flash}
        if elf:
            needs = footprint(elf, memory_windows(platform), memory_windows(variant))
            row["fits"] = all(n.fits for n in needs)
            row["memory"] = [{"memory": n.memory, "kind": n.kind, "needed": n.needed,
                              "available": n.available, "fits": n.fits,
                              "sections": dict(n.sections)} for n in needs]
            row["memory_report"] = [n.describe() for n in needs if not n.fits]
        else:
            row["fits"] = None
        rows.append(row)
    return rows


def _per_clock(rows):
    """One row per clock (memory sizes change the fit, never the timing), by clock."""
    seen = {}
    for r in rows:
        seen.setdefault(r["clock_hz"], r)
    return sorted(seen.values(), key=lambda r: r["clock_hz"])


def _per_memory(rows):
    """One row per SRAM x flash size (the fit does not depend on the clock)."""
    seen = {}
    for r in rows:
        seen.setdefault((r["sram"], r["flash"]), r)
    return list(seen.values())


def format_table(rows, stall_column: str = "WS") -> str:
    """The timing table, one line per clock, then the memory-fit table, one line per SRAM x flash
    size with what does not fit said once under it. `stall_column`: the platform's name for its
    flash timing column (`WS` wait states, `refill` cache-refill cycles)."""
    clocks = _per_clock(rows)
    lines = report.text_table(
        ["clock", stall_column, "cycles", "latency ms", f"energy {report.uj()}", "power mW"],
        [[fmt_clock(r["clock_hz"]) for r in clocks], [str(r["wait_states"]) for r in clocks],
         [f"{r['cycles']:,.0f}" for r in clocks],
         report.column([r["seconds"] * 1e3 for r in clocks]),
         report.column([r["joules"] * 1e6 for r in clocks]),
         report.column([r["avg_power_w"] * 1e3 for r in clocks])])
    memory = [r for r in _per_memory(rows) if r["sram"] or r["flash"] or r["fits"] is not None]
    if memory and any(r["sram"] or r["flash"] for r in memory):
        lines.append("")
        fit_lines = report.text_table(
            ["sram", "flash", "fits"],
            [[fmt_size(r["sram"]) if r["sram"] else "platform" for r in memory],
             [fmt_size(r["flash"]) if r["flash"] else "platform" for r in memory],
             [{True: "yes", False: "NO", None: "n/a"}[r["fits"]] for r in memory]], left=3)
        lines += fit_lines[:2]
        for r, text in zip(memory, fit_lines[2:]):
            lines.append(text)
            lines += [f"    {msg}" for msg in r.get("memory_report", [])]
    elif memory and memory[0]["fits"] is not None:
        lines.append("fits the platform's memory: " + ("yes" if memory[0]["fits"] else "NO"))
        lines += [f"    {msg}" for msg in memory[0].get("memory_report", [])]
    return "\n".join(lines)


def plot(rows, out_path, title: str, stall_label: str = "WS") -> None:
    """Write `figure(...)` to `out_path` (.png, .svg, .pdf), atomically."""
    import matplotlib.pyplot as plt   # deferred: matplotlib is optional and slow to import

    fig = figure(rows, title, stall_label)
    out_path = Path(out_path)
    try:   # atomic: a failed or full-disk write leaves the previous plot, no partial file
        with atomic_file(out_path, "plot", "choose another path (the table above is complete)") as f:
            fig.savefig(f, dpi=120, format=out_path.suffix[1:].lower())
    finally:
        plt.close(fig)


def figure(rows, title: str, stall_label: str = "WS"):
    """Latency (log scale: 4 MHz and 120 MHz on one plot) and energy against the clock, with a
    grid, a legend, and the clocks where the flash timing steps marked by dotted lines with
    their value above the plot (never on a marker)."""
    import matplotlib   # deferred: matplotlib is optional and slow to import

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = _per_clock(rows)
    mhz = [r["clock_hz"] / 1e6 for r in pts]
    fig, ax1 = plt.subplots(figsize=(7, 4))
    l1 = ax1.plot(mhz, [r["seconds"] * 1e3 for r in pts], "o-", color="tab:blue", markersize=3,
                  label="latency per inference (ms, log scale)")
    ax1.set_yscale("log")
    ax1.set_xlabel("core clock (MHz)")
    ax1.set_ylabel("latency (ms)", color="tab:blue")
    ax1.grid(True, which="both", alpha=0.3)
    ax2 = ax1.twinx()
    unit = report.uj()
    l2 = ax2.plot(mhz, [r["joules"] * 1e6 for r in pts], "s--", color="tab:red", markersize=3,
                  label=f"energy per inference ({unit})")
    ax2.set_ylabel(f"energy ({unit})", color="tab:red")
    ax2.set_ylim(bottom=0, top=ax2.get_ylim()[1] * 1.15)   # from 0: a flat energy curve looks flat
    ax2.ticklabel_format(axis="y", useOffset=False, style="plain")
    last = None
    for r in pts:   # where the flash timing steps: a dotted line, its value at the top edge
        if r["wait_states"] != last and last is not None:
            x = r["clock_hz"] / 1e6
            ax1.axvline(x, color="grey", linestyle=":", linewidth=0.8)
            ax1.text(x, 1.01, f"{r['wait_states']} {stall_label}", transform=ax1.get_xaxis_transform(),
                     fontsize=7, ha="center", va="bottom", color="grey")
        last = r["wait_states"]
    ax1.legend(l1 + l2, [l.get_label() for l in l1 + l2], loc="center right", fontsize=8)
    ax1.set_title(title, pad=14)
    fig.tight_layout()
    return fig


def check_plot_path(plot) -> None:
    """`--plot DIR` or a name without a suffix: matplotlib would silently write `DIR.png` beside it."""
    if not plot:
        return
    path = Path(plot)
    if path.is_dir():
        raise TinysimError(f"--plot {path}: is a directory; give the image file to write "
                           f"(e.g. {path / 'sweep.png'})")
    if not path.suffix:
        raise TinysimError(f"--plot {path}: no file type; name the file .png, .svg or .pdf "
                           f"(e.g. {path}.png)")


def _sections_image(image):
    """`image` when it is an ELF (its sections give the memory footprint), else None: an Intel
    HEX or raw binary has no sections, so its variants are costed without the fits check."""
    return image if image and is_elf_file(image) else None


def run(args) -> int:
    from ..pipeline.profiles import inferences_in  # deferred: `tinysim --help` start-up speed
    check_plot_path(args.plot)
    clocks = parse_clocks(args.clock) if args.clock else None   # a bad --clock fails first
    platform, params, profile = cost_inputs(args)
    if args.save_profile:
        try:
            profile.save(args.save_profile)
        except OSError as err:
            raise TinysimError(f"--save-profile {args.save_profile}: cannot write the profile "
                               f"({err.strerror}); choose another path") from None
        except TinysimError as err:
            raise TinysimError(f"--save-profile {args.save_profile}: {err}") from None
        wrote(args.save_profile, "profile")
    clocks = clocks or [float(platform.clock_hz)]
    srams = parse_sizes(args.sram, "--sram") if args.sram else [None]
    flashes = parse_sizes(args.flash, "--flash") if args.flash else [None]
    sections = _sections_image(args.elf)
    if (args.sram or args.flash) and not sections:
        raise TinysimError("--sram/--flash need the firmware ELF to know the section sizes"
                           + (f" ({args.elf} is an Intel HEX or raw binary image: give the ELF "
                              "of the same build)" if args.elf else ""))
    n = inferences_in(profile)
    rows = sweep_rows(profile, platform, clocks, srams, flashes, sections, params, inferences=n)
    column, what, _ = platform.flash.stall_terms
    workload = report.workload_of(profile.meta, args.elf)
    inference = n > 1 or str(profile.meta.get("window", "")).startswith("infer")
    if args.json:
        print(json.dumps({"platform": platform.name, "workload": workload,
                          "window": profile.meta.get("window"), "inferences": n,
                          "per": "inference" if inference else "whole run", "wait_states_are": what,
                          "elf_sha256": profile.meta.get("elf_sha256"),
                          "unclassified": profile.meta.get("unclassified", []),
                          "provenance": provenance(platform, params),
                          "rows": rows}, indent=2))
    else:
        per = f"per inference (the window ran {n})" if n > 1 else \
            "per inference" if inference else "whole run"
        print(f"{workload} on {platform.name}: {per}, {profile.instructions / n:,.0f} "
              f"instructions; {column} = {what}")
        print(format_table(rows, column))
        if profile.meta.get("unclassified"):
            print(f"warning: {len(profile.meta['unclassified'])} unclassified instruction(s) "
                  "costed as 1 cycle: " + ", ".join(
                      f"{m}@0x{a:08x}" for a, m in profile.meta["unclassified"][:5]))
    if args.plot:
        _write_plot(rows, args.plot, f"{workload} on {platform.name}", column)
    return 0


def _write_plot(rows, path, title: str, stall_label: str) -> None:
    try:
        plot(rows, path, title, stall_label)
    except OSError as err:
        raise TinysimError(f"--plot {path}: cannot write the plot ({err.strerror}); "
                           "choose another path (the table above is complete)") from None
    except TinysimError as err:   # the atomic write failed: the file is named in err
        raise TinysimError(f"--plot {path}: {err}") from None
    except ValueError as err:   # matplotlib: an unknown image format
        raise TinysimError(f"--plot {path}: {err}; name the file .png, .svg or .pdf") from None
    except ImportError:
        raise TinysimError("--plot needs matplotlib: pip install matplotlib "
                           "(the table above is complete)") from None
    wrote(path, "plot")
