"""bench's like-for-like table: published builds simulated on the same board settings."""

import json
from pathlib import Path

import pytest

from tinysim.cli import main
from tinysim.published.catalogue import load_catalogue
from tinysim.published.fetch import fetch

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "published"


def test_bench_puts_st_ad01_beside_ours(tmp_path, monkeypatch, capsys):
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present (the steering repo's shared/published copy)")
    monkeypatch.setenv("TINYSIM_CACHE", str(tmp_path / "cache"))
    cat = load_catalogue()
    [entry] = cat.select(["st-v1.3-nucleo-l4r5zi-p-ad01-performance"])
    fetch(cat, entry, from_dir=SHARED)
    assert main(["bench", "--workload", "ad01", "--quick", "--synthetic", "--json",
                 "--out", str(tmp_path / "r")]) == 0
    doc = json.loads(capsys.readouterr().out)
    side = doc["published_beside"]["ad01"]
    [ours] = [r["metrics"]["latency_ms"] for r in doc["results"]]
    assert side["entry_id"] == entry.id and side["ours_latency_ms"] == ours
    assert side["simulated_latency_ms"] == pytest.approx(4.79, rel=0.10)   # silicon 4.794 ms
    saved = json.loads(next((tmp_path / "r").glob("*/results.json")).read_text())
    assert saved["published_beside"] == doc["published_beside"]
    # and it can be skipped
    assert main(["bench", "--workload", "ad01", "--quick", "--synthetic", "--json", "--no-published",
                 "--out", str(tmp_path / "r2")]) == 0
    assert "published_beside" not in json.loads(capsys.readouterr().out)
