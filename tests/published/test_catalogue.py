"""The catalogue of published measurements: it parses, it matches the published files, and fetch
verifies what it copies."""

import hashlib
import re
import statistics
from pathlib import Path

import pytest

from tinysim.errors import TinysimError
from tinysim.published import load_catalogue
from tinysim.published.catalogue import CatalogueError
from tinysim.published.fetch import FetchError, fetch, find_cached

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "published"
FOLDERS = {"NUCLEO-L4R5ZI-P": "mlperf-tiny-v1.3-st-nucleo-l4r5zi-p",
           "NUCLEO-U575ZI-Q": "mlperf-tiny-v1.3-st-nucleo-u575zi-q",
           "NUCLEO-U385RG-Q": "mlperf-tiny-v1.3-st-nucleo-u385rg-q"}
SHORT = {"kws01": "kws", "vww01": "vww", "ic01": "ic", "ad01": "ad"}


def need_shared():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present (the steering repo's shared/published copy); "
                    "the catalogue's figures are checked against it when it is there")


def test_catalogue_has_the_eight_l4r5zi_p_builds_and_the_u5_boards():
    cat = load_catalogue()
    l4 = cat.select(["st-v1.3-nucleo-l4r5zi-p-*"])
    assert len(l4) == 8
    assert {(e.workload, e.mode) for e in l4} == {(w, m) for w in SHORT for m in ("performance", "energy")}
    assert all(e.platform == "nucleo-l4r5zi-p" and e.declared["clock_hz"] == 120_000_000 for e in l4)
    u575 = cat.select(["st-v1.3-nucleo-u575zi-q-*"])
    assert len(u575) == 8 and all(e.platform == "nucleo-u575zi-q" for e in u575)
    u385 = cat.select(["st-v1.3-nucleo-u385rg-q-*"])
    assert len(u385) == 8 and all(e.platform == "nucleo-u385rg-q" for e in u385)
    assert len(cat.entries) == 24
    for e in cat.entries:
        assert cat.url(e).startswith("https://") and cat.source["commit"] in cat.url(e)


def test_catalogue_figures_and_hashes_match_the_published_files():
    need_shared()
    cat = load_catalogue()
    for e in cat.entries:
        folder = SHARED / FOLDERS[e.board] / SHORT[e.workload]
        assert hashlib.sha256((folder / e.file).read_bytes()).hexdigest() == e.sha256, e.id
        text = (folder / f"{e.mode}-results.txt").read_text()
        if e.mode == "performance":
            thr = float(re.search(r"Median throughput is\s+([\d.]+)", text).group(1))
            assert e.measured["throughput_ips"] == thr
            assert e.latency_ms == pytest.approx(1000 / thr, rel=1e-4)
        else:
            assert e.energy_uj == float(re.search(r"Median energy cost is\s+([\d.]+)", text).group(1))
            powers = [float(x) for x in re.findall(r"Power\s*:\s*([\d.]+) mW", text)]
            assert e.measured["power_mw"] == statistics.median(powers)
        commit = (SHARED / FOLDERS[e.board] / ".commit").read_text().split()[0]
        assert cat.source["commit"] == commit


def test_filter_selects_and_a_typo_is_an_error():
    cat = load_catalogue()
    assert {e.workload for e in cat.select(["kws01"])} == {"kws01"}
    assert len(cat.select(["*l4r5zi-p*energy"])) == 4
    with pytest.raises(CatalogueError, match="matches no entry"):
        cat.select(["kws1"])


def test_bad_catalogue_names_file_entry_and_field(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[[entry]]\nid = "x"\nkind = "published"\nworkload = "kws01"\nmode = "performance"\n'
                   'file = "a.hex"\nsha256 = "zz"\npath = "p"\nmeasured = { latency_ms = 1.0 }\n')
    with pytest.raises(CatalogueError, match=r"c.toml: entry 1 \(x\): sha256"):
        load_catalogue(bad)
    bad.write_text('[[entry]]\nid = "x"\nkind = "self"\nimage = "a/b.elf"\nworkload = "kws01"\n'
                   'mode = "performance"\nmeasured = { energy_uj = 1.0 }\n')
    with pytest.raises(CatalogueError, match="measured.energy_uj: not a performance figure"):
        load_catalogue(bad)


def test_fetch_from_dir_checks_the_hash_and_offline_fails_clearly(tmp_path, monkeypatch):
    cat = load_catalogue()
    entry = cat.select(["st-v1.3-nucleo-l4r5zi-p-ad01-performance"])[0]
    mirror = tmp_path / "mirror" / "deep"
    mirror.mkdir(parents=True)
    (mirror / entry.file).write_bytes(b"not the firmware")
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match="right name but sha256"):
        fetch(cat, entry, from_dir=tmp_path / "mirror", cache=cache)
    assert find_cached(entry, cache) is None

    def offline(*a, **k):
        import urllib.error
        raise urllib.error.URLError("no network")
    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(FetchError, match="--from DIR"):
        fetch(cat, entry, cache=cache)
    assert isinstance(FetchError("x"), TinysimError)


def test_fetch_from_the_shared_copy(tmp_path):
    need_shared()
    cat = load_catalogue()
    entry = cat.select(["st-v1.3-nucleo-l4r5zi-p-ad01-performance"])[0]
    path = fetch(cat, entry, from_dir=SHARED, cache=tmp_path)
    assert path.is_file() and find_cached(entry, tmp_path) == path
    assert fetch(cat, entry, cache=tmp_path) == path   # cached: no download needed


def test_published_list_cli(capsys, monkeypatch, tmp_path):
    import json
    from tinysim.cli import main
    monkeypatch.setenv("TINYSIM_CACHE", str(tmp_path))
    assert main(["published", "list", "--filter", "*l4r5zi-p*", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["entries"]) == 8 and all(e["file"] is None for e in doc["entries"])
    assert all(e["url"].startswith("https://") for e in doc["entries"])


def test_the_l4r5zi_p_setup_board_loads_and_is_not_a_build_target():
    from tinysim.platform import available_platforms, load_platform
    from tinysim.published import board_ref
    p = load_platform(board_ref("nucleo-l4r5zi-p"))
    assert p.name == "nucleo-l4r5zi-p" and p.soc == "stm32l4r5" and p.clock_hz == 120_000_000
    assert (p.flash.dbank, p.flash.line_bytes) == (False, 16)      # "Single Bank Mode Activated"
    assert p.energy.vdd_v == 3.0 and p.energy.regulator == "smps"
    assert "static_ua" in p.energy.fitted                           # FITTED, see the board file
    from tinysim.firmware.images import DEFAULT_PLATFORMS
    assert "nucleo-l4r5zi-p" in available_platforms()               # a board like any other ...
    assert "nucleo-l4r5zi-p" not in DEFAULT_PLATFORMS               # ... with no tinysim images
    assert board_ref("nucleo-l4r5zi") == "nucleo-l4r5zi"
