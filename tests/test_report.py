"""Report tables and summaries: published figures beside ours, ratios, comparisons."""

import io

from rich.console import Console

from tinysim import report
from tinysim.workloads import published as reference
from tinysim.harness.results import Identity, Metrics, Provenance, ResultRow


def row(workload, latency_ms, platform="nucleo-l4r5zi", sha="aa", **m):
    return ResultRow(Identity(workload, platform, "unicorn", elf_sha256=sha),
                     Metrics(latency_ms=latency_ms, **m), Provenance())


def render(table) -> str:
    buf = io.StringIO()
    Console(file=buf, width=250, color_system=None).print(table)
    return buf.getvalue()


def test_reference_figures_match_the_published_table():
    assert reference.V05_REFERENCE.latency("kws01") == 181.92
    assert reference.V05_REFERENCE.energy("vww01") == 24313.0
    assert reference.V10_MICROTVM.latency("ic01") == 389.56
    assert reference.V13_XCUBEAI.energy("ad01") == 160.4
    assert all(s.source for s in reference.STACKS)
    assert reference.ratio_to_baseline("kws01", 90.96) == 0.5


def test_bench_and_reference_tables():
    rows = [row("kws01", 90.96, energy_uj=3000.0, cycles=1.0e7, cycles_per_mac=3.76, bit_exact=True)]
    ours = render(report.bench_table(rows))
    assert "90.96" in ours and "3,000" in ours and "10.00M" in ours and "3.76" in ours and "yes" in ours
    ref = render(report.reference_table(rows))
    for s in reference.STACKS:
        assert s.key in ref
    assert "181.9" in ref and "7,374" in ref and "1,431" in ref   # v0.5 ms and uJ, v1.3 uJ
    assert "0.50" in ref                                         # 90.96 / 181.92


def test_tables_fit_an_80_column_terminal():
    rows = [row(w, 123.456, energy_uj=12345.6, avg_power_mw=40.1, cycles=12_345_678, instructions=9_876_543,
                cycles_per_mac=4.56, bit_exact=False) for w in ("kws01", "vww01", "ic01", "ad01")]
    for table in (report.bench_table(rows), report.reference_table(rows)):
        buf = io.StringIO()
        Console(file=buf, width=80, color_system=None).print(table)
        assert "…" not in buf.getvalue()          # nothing cut off


def test_no_reference_for_other_boards():
    rows = [row("kws01", 50.0, platform="gd32vf103-longan")]
    assert report.reference_table(rows) is None
    assert "50" in render(report.bench_table(rows))


def test_summary_has_the_headline_keys():
    s = report.summary([row("ad01", 5.025, energy_uj=200.0, wall_s=3.0, sim_speed=0.5,
                            bit_exact=None, bit_exact_reason="no interpreter")])
    e = s["ad01"]
    for key in ("latency_ms", "energy_uj", "cycles", "wall_s", "bit_exact", "sim_speed"):
        assert key in e
    assert e["ratio_vs_v05_reference"] == 0.5 and e["bit_exact_reason"] == "no interpreter"


def test_compare_rows_and_table_deltas():
    a = [row("kws01", 100.0, energy_uj=1000.0), row("ad01", 10.0)]
    b = [row("kws01", 90.0, energy_uj=1100.0, sha="bb"), row("vww01", 300.0)]
    rows = {e["workload"]: e for e in report.compare_rows(a, b)}
    assert rows["kws01"]["latency_ms"]["delta_pct"] == -10.0
    assert abs(rows["kws01"]["energy_uj"]["delta_pct"] - 10.0) < 1e-9
    assert rows["kws01"]["elf_changed"] is True
    assert rows["ad01"]["latency_ms"] == {"a": 10.0, "b": None}
    assert rows["vww01"]["latency_ms"] == {"a": None, "b": 300.0}
    text = render(report.compare_table(a, b, "runA", "runB"))
    assert "-10.0%" in text and "+10.0%" in text and "kws01 *" in text and "runA" in text


def test_hw_table_error_column():
    measured = row("kws01", 100.0)
    simulated = row("kws01", 95.0)
    text = render(report.hw_table(measured, simulated))
    assert "-5.0%" in text
    assert report.error_pct(100.0, 95.0) == -5.0 and report.error_pct(None, 1.0) is None


def test_fmt():
    assert report.fmt(None) == "-"
    assert report.fmt(1234567) == "1,234,567"
    assert report.fmt(181.92) == "181.9"
    assert report.fmt(True) == "yes"
