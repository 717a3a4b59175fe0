"""Published firmware beside tinysim's own in one simulation (tinysim.pipeline.published_side)."""

from pathlib import Path

import pytest

from tinysim.pipeline.published_side import matching_entries, side_by_side
from tinysim.platform import load_platform
from tinysim.published.catalogue import load_catalogue
from tinysim.published.fetch import fetch

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "published"


def test_st_builds_match_the_reference_board_settings_only():
    cat = load_catalogue()
    ours = load_platform("nucleo-l4r5zi")
    [kws] = matching_entries(cat, ours, "kws01")
    assert kws.board == "NUCLEO-L4R5ZI-P" and kws.mode == "performance"
    # another clock is another board setting: nothing to compare with
    assert matching_entries(cat, ours.with_overrides(clock_hz=80_000_000), "kws01") == []
    assert matching_entries(cat, load_platform("esp32c3-devkitm"), "kws01") == []


def test_an_unfetched_build_says_what_to_fetch(tmp_path):
    rows = side_by_side("nucleo-l4r5zi", ["ad01"], cache=tmp_path)
    assert rows["ad01"].simulated_latency_ms is None
    assert "tinysim published fetch --filter st-v1.3-nucleo-l4r5zi-p-ad01-performance" in rows["ad01"].note


def test_st_ad01_runs_beside_ours(tmp_path):
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present (the steering repo's shared/published copy)")
    cat = load_catalogue()
    [entry] = cat.select(["st-v1.3-nucleo-l4r5zi-p-ad01-performance"])
    fetch(cat, entry, from_dir=SHARED, cache=tmp_path)
    row = side_by_side("nucleo-l4r5zi", ["ad01"], cache=tmp_path)["ad01"]
    assert row.entry_id == entry.id and row.measured_latency_ms == pytest.approx(4.7937)
    # simulated on the same board settings; silicon's figure is the reference, within 10%
    assert row.simulated_latency_ms == pytest.approx(row.measured_latency_ms, rel=0.10)
