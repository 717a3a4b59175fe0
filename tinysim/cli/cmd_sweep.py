"""`tinysim sweep`: emulate once, re-cost for many clocks / memory sizes, no re-emulation."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from ..atomic import atomic_file
from ..cost import estimate
from ..cost.evaluate import provenance
from ..cost.footprint import footprint, memory_windows
from ..units import fmt_clock, fmt_size, parse_clocks, parse_sizes
from ..errors import TinysimError
from .options import add_common_arguments, load_platform_arg, overlay_params

NAME = "sweep"
HELP = "latency and energy of one run re-costed over clocks and memory sizes"


def add_arguments(p) -> None:
    add_common_arguments(p)
    p.add_argument("--clock", default=None,
                   help="clocks: 16MHz,48MHz,120MHz or a range 4MHz..120MHz:100 "
                        "(default: the platform clock)")
    p.add_argument("--sram", default=None,
                   help="total SRAM sizes to check the image against: 256KiB,128KiB (the "
                        "platform shrinks its last SRAM first)")
    p.add_argument("--flash", default=None, help="total flash sizes to check against: 1MiB")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--plot", metavar="OUT.png", help="plot latency and energy against clock")
    p.add_argument("--save-profile", metavar="FILE.npz",
                   help="keep the recorded profile for later re-costing")


def sweep_rows(profile, platform, clocks, srams=(None,), flashes=(None,), elf=None, params=None):
    """One dict per variant: clock, wait states, cycles, seconds, joules, watts, fit."""
    rows = []
    for clock, sram, flash in itertools.product(clocks, srams, flashes):
        variant = platform.with_overrides(clock_hz=clock, sram_bytes=sram, flash_bytes=flash)
        est = estimate(profile, variant, params)
        row = {"clock_hz": clock, "wait_states": est.wait_states, "cycles": est.cycles,
               "seconds": est.seconds, "joules": est.joules, "avg_power_w": est.avg_power_w,
               "instructions": est.instructions, "sram": sram, "flash": flash}
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


def format_table(rows) -> str:
    head = f"{'clock':>10} {'WS':>3} {'cycles':>14} {'latency':>11} {'energy':>11} " \
           f"{'power':>9}  {'sram':>9} {'flash':>9}  fits"
    lines = [head, "-" * len(head)]
    for r in rows:
        fits = {True: "yes", False: "NO", None: "n/a"}[r["fits"]]
        lines.append(
            f"{fmt_clock(r['clock_hz']):>10} {r['wait_states']:>3} {r['cycles']:>14,.0f} "
            f"{r['seconds'] * 1e3:>8.3f} ms {r['joules'] * 1e3:>8.4f} mJ "
            f"{r['avg_power_w'] * 1e3:>6.2f} mW  "
            f"{fmt_size(r['sram']) if r['sram'] else '-':>9} "
            f"{fmt_size(r['flash']) if r['flash'] else '-':>9}  {fits}")
        for msg in r.get("memory_report", []):
            lines.append(f"{'':>12}{msg}")
    return "\n".join(lines)


def plot(rows, out_path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seen = {}
    for r in rows:  # one point per clock (memory sizes do not change timing)
        seen.setdefault(r["clock_hz"], r)
    pts = sorted(seen.values(), key=lambda r: r["clock_hz"])
    mhz = [r["clock_hz"] / 1e6 for r in pts]
    fig, ax1 = plt.subplots(figsize=(7, 4))
    ax1.plot(mhz, [r["seconds"] * 1e3 for r in pts], "o-", color="tab:blue", label="latency")
    ax1.set_xlabel("clock (MHz)")
    ax1.set_ylabel("latency (ms)", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(mhz, [r["joules"] * 1e3 for r in pts], "s--", color="tab:red", label="energy")
    ax2.set_ylabel("energy (mJ)", color="tab:red")
    for ax in (ax1, ax2):  # absolute scales from 0: a flat energy curve must look flat
        ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.1)
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    last_ws = None
    for r in pts:  # label where the flash wait states step up
        if r["wait_states"] != last_ws:
            ax1.annotate(f"{r['wait_states']} WS", (r["clock_hz"] / 1e6, r["seconds"] * 1e3),
                         textcoords="offset points", xytext=(4, 6), fontsize=7)
            last_ws = r["wait_states"]
    ax1.set_title(title)
    fig.tight_layout()
    out_path = Path(out_path)
    try:   # atomic: a failed or full-disk write leaves the previous plot, no partial file
        with atomic_file(out_path, "plot", "choose another path (the table above is complete)") as f:
            fig.savefig(f, dpi=120, format=out_path.suffix[1:].lower())
    finally:
        plt.close(fig)


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


def run(args) -> int:
    from ..pipeline.profiles import obtain_profile  # deferred: `tinysim --help` start-up speed
    check_plot_path(args.plot)
    clocks = parse_clocks(args.clock) if args.clock else None   # a bad --clock fails first
    platform = load_platform_arg(args.platform)
    params = overlay_params(args)
    profile = obtain_profile(args, platform, params)
    if args.save_profile:
        try:
            profile.save(args.save_profile)
        except OSError as err:
            raise TinysimError(f"--save-profile {args.save_profile}: cannot write the profile "
                               f"({err.strerror}); choose another path") from None
        except TinysimError as err:
            raise TinysimError(f"--save-profile {args.save_profile}: {err}") from None
    clocks = clocks or [float(platform.clock_hz)]
    srams = parse_sizes(args.sram, "--sram") if args.sram else [None]
    flashes = parse_sizes(args.flash, "--flash") if args.flash else [None]
    if (args.sram or args.flash) and not args.elf:
        raise TinysimError("--sram/--flash need the firmware ELF to know the section sizes")
    rows = sweep_rows(profile, platform, clocks, srams, flashes, args.elf, params)
    if args.json:
        print(json.dumps({"platform": getattr(platform, "name", None),
                          "window": profile.meta.get("window"),
                          "elf_sha256": profile.meta.get("elf_sha256"),
                          "unclassified": profile.meta.get("unclassified", []),
                          "provenance": provenance(platform, params),
                          "rows": rows}, indent=2))
    else:
        print(f"platform {getattr(platform, 'name', '?')}, window "
              f"{profile.meta.get('window', '?')}, {profile.instructions:,} instructions")
        print(format_table(rows))
        if profile.meta.get("unclassified"):
            print(f"warning: {len(profile.meta['unclassified'])} unclassified instruction(s) "
                  "costed as 1 cycle: " + ", ".join(
                      f"{m}@0x{a:08x}" for a, m in profile.meta["unclassified"][:5]))
    if args.plot:
        try:
            plot(rows, args.plot, f"{profile.meta.get('window', '')} on "
                                  f"{getattr(platform, 'name', '')}")
        except OSError as err:
            raise TinysimError(f"--plot {args.plot}: cannot write the plot ({err.strerror}); "
                               "choose another path (the table above is complete)") from None
        except TinysimError as err:   # the atomic write failed: the file is named in err
            raise TinysimError(f"--plot {args.plot}: {err}") from None
        except ValueError as err:   # matplotlib: an unknown image format
            raise TinysimError(f"--plot {args.plot}: {err}; name the file .png, .svg or .pdf") from None
        except ImportError:
            raise TinysimError("--plot needs matplotlib: pip install matplotlib "
                               "(the table above is complete)") from None
    return 0
