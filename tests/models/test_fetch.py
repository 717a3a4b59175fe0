"""Pretrained-model fetch: verification on local files, offline behaviour. No real download."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tinysim.cli import main as cli_main
from tinysim.errors import ModelError
from tinysim.models import fetch as fetch_mod
from tinysim.models.fetch import Expected, fetch, reference_expectations, verify_model
from tinysim.workloads import WORKLOADS

MODELS = Path(__file__).resolve().parents[2] / "models"
# A local port nothing listens on: the connection is refused at once, no network involved.
UNREACHABLE = "https://127.0.0.1:9/"


def _expect_generated(model_id: str) -> Expected:
    """The reference expectation, with size and SHA-256 of our generated file instead."""
    data = (MODELS / f"{model_id}.tflite").read_bytes()
    ref = reference_expectations()[model_id]
    return Expected(len(data), hashlib.sha256(data).hexdigest(), ref.input_shape,
                    ref.output_shape, ref.ops)


# The official files as the steering repository keeps them (models/README.md there lists the
# same hashes); read in place, never copied into this repository.
OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "models" / "mlperf-tiny-official"


def test_reference_table_is_the_published_one():
    table = reference_expectations()
    assert {k: (v.size, v.sha256[:16]) for k, v in table.items()} == {
        "kws01": (53_936, "aeea436800704fce"), "vww01": (333_288, "597a384c8c2c8a12"),
        "ic01": (98_496, "3c002613d1b2475e"), "ad01": (276_976, "87cf24194ef93d1d")}
    assert all(len(v.sha256) == 64 for v in table.values())   # the full digest, not a prefix
    assert WORKLOADS.get("ic01").pretrained.repo_path.endswith(
        "image_classification/trained_models/pretrainedResnet_quant.tflite")


@pytest.mark.parametrize("model_id", ["kws01", "vww01", "ic01", "ad01"])
def test_generated_models_pass_adjusted_expectations(model_id):
    verify_model((MODELS / f"{model_id}.tflite").read_bytes(), model_id, _expect_generated(model_id))


def test_generated_model_is_not_the_reference():
    with pytest.raises(ModelError) as err:
        verify_model((MODELS / "kws01.tflite").read_bytes(), "kws01.tflite",
                     reference_expectations()["kws01"])
    assert "kws01.tflite" in str(err.value) and "expected 53936" in str(err.value)


def test_corrupted_copy_rejected_naming_file_and_difference(tmp_path):
    data = bytearray((MODELS / "ic01.tflite").read_bytes())
    data[len(data) // 2] ^= 0x5A  # one flipped weight byte: size and graph fine, sha256 not
    with pytest.raises(ModelError) as err:
        verify_model(bytes(data), "copy/ic01.tflite", _expect_generated("ic01"))
    msg = str(err.value)
    assert msg.startswith("copy/ic01.tflite: ") and "sha256" in msg and "size" not in msg


@pytest.mark.parametrize("model_id", ["kws01", "vww01", "ic01", "ad01"])
def test_official_files_pass_the_pinned_expectations(model_id):
    path = OFFICIAL / f"{model_id}_official.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not present (the steering repository's models/ folder, ../shared)")
    verify_model(path.read_bytes(), str(path), reference_expectations()[model_id])


def test_a_file_matching_only_an_md5_prefix_is_refused():
    """The old check took any file whose MD5 began with 8 given hex digits: the full SHA-256 is
    checked now, so a same-size, same-graph file with one byte changed is refused."""
    path = OFFICIAL / "kws01_official.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared)")
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    with pytest.raises(ModelError, match="sha256"):
        verify_model(bytes(data), "kws01", reference_expectations()["kws01"])


def test_wrong_graph_rejected_with_shapes_and_ops():
    kws = (MODELS / "kws01.tflite").read_bytes()
    wrong = _expect_generated("kws01")
    wrong = Expected(wrong.size, wrong.sha256, (1, 49, 10, 2), (1, 11), {"CONV_2D": 5})
    with pytest.raises(ModelError) as err:
        verify_model(kws, "kws01.tflite", wrong)
    msg = str(err.value)
    assert "input shape [1, 49, 10, 1], expected [1, 49, 10, 2]" in msg
    assert "output shape [1, 12], expected [1, 11]" in msg and "op set" in msg


def test_truncated_copy_rejected(tmp_path):
    data = (MODELS / "ad01.tflite").read_bytes()[:1000]
    with pytest.raises(ModelError, match=r"ad01.tflite: .*size 1000 bytes.*graph unreadable"):
        verify_model(data, "ad01.tflite", _expect_generated("ad01"))


def test_fetch_uses_files_placed_by_hand(tmp_path):
    dest = tmp_path / "pretrained"
    dest.mkdir()
    # One file under its id, one under its upstream name (as copied from the repository).
    shutil.copy(MODELS / "kws01.tflite", dest / "kws01.tflite")
    shutil.copy(MODELS / "ad01.tflite", dest / "ad01_int8.tflite")
    table = {m: _expect_generated(m) for m in ("kws01", "ad01")}
    path = fetch(dest, ["kws01", "ad01"], base_url=UNREACHABLE, expectations=table, log=lambda m: None)
    doc = json.loads(path.read_text())
    assert sorted(doc["models"]) == ["ad01", "kws01"]
    ad = doc["models"]["ad01"]
    assert (dest / "ad01.tflite").read_bytes() == (MODELS / "ad01.tflite").read_bytes()
    assert ad["sha256"] == hashlib.sha256((MODELS / "ad01.tflite").read_bytes()).hexdigest()
    assert ad["params"] == 265_864 and ad["source"].startswith("local file ad01_int8.tflite")


def test_fetch_rejects_bad_local_file(tmp_path):
    (tmp_path / "vww01.tflite").write_bytes(b"\0" * 333_288)
    with pytest.raises(ModelError, match=r"vww01.tflite: not the expected model: .*sha256"):
        fetch(tmp_path, ["vww01"], base_url=UNREACHABLE, log=lambda m: None)


def test_fetch_offline_says_it_needs_network_and_where_to_put_files(tmp_path):
    with pytest.raises(ModelError) as err:
        fetch(tmp_path, ["ic01"], base_url=UNREACHABLE, timeout=5, log=lambda m: None)
    msg = str(err.value)
    assert "needs network access" in msg
    assert str(tmp_path / "ic01.tflite") in msg and "pretrainedResnet_quant.tflite" in msg
    assert not (tmp_path / "ic01.tflite").exists()


def test_cli_fetch_offline_is_a_clean_error(tmp_path, capsys):
    code = cli_main(["models", "fetch", "--dest", str(tmp_path), "--only", "kws01",
                     "--base-url", UNREACHABLE])
    err = capsys.readouterr().err
    assert code == 2 and "needs network access" in err and "Traceback" not in err


def test_only_https(tmp_path):
    with pytest.raises(ModelError, match="only https"):
        fetch(tmp_path, ["kws01"], base_url="http://127.0.0.1:9/", log=lambda m: None)


def test_default_url_points_at_a_pinned_mlcommons_tiny_commit():
    url = fetch_mod.DEFAULT_BASE_URL
    assert url.startswith("https://") and "mlcommons/tiny" in url
    assert "/master/" not in url and "/main/" not in url
    commit = url.rstrip("/").rsplit("/", 1)[1]
    assert len(commit) == 40 and all(c in "0123456789abcdef" for c in commit)
    assert all(WORKLOADS.get(w).pretrained.commit == commit for w in ("kws01", "vww01", "ic01", "ad01"))


# The network itself cannot run here, so these two replace only the HTTP transfer.

def test_downloaded_bytes_verified_and_stored(tmp_path, monkeypatch):
    served = (MODELS / "ic01.tflite").read_bytes()
    seen = []

    def fake_download(url, limit, timeout):
        seen.append((url, limit))
        return served

    monkeypatch.setattr(fetch_mod, "_download", fake_download)
    path = fetch(tmp_path, ["ic01"], expectations={"ic01": _expect_generated("ic01")},
                 log=lambda m: None)
    assert seen == [(fetch_mod.DEFAULT_BASE_URL + WORKLOADS.get("ic01").pretrained.repo_path, len(served))]
    assert (tmp_path / "ic01.tflite").read_bytes() == served
    entry = json.loads(path.read_text())["models"]["ic01"]
    assert entry["source"] == seen[0][0] and entry["sha256"] == hashlib.sha256(served).hexdigest()


def test_http_error_is_not_called_a_network_problem(tmp_path, monkeypatch):
    import urllib.error

    def not_found(url, limit, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", None, None)

    monkeypatch.setattr(fetch_mod, "_download", not_found)
    with pytest.raises(ModelError, match=r"HTTP 404 Not Found.*--base-url"):
        fetch(tmp_path, ["kws01"], log=lambda m: None)


# `models fetch --from DIR`: a local copy, checked by the same pinned hashes as a download.

def test_fetch_from_a_local_copy_of_the_official_models(tmp_path, capsys):
    if not (OFFICIAL / "kws01_official.tflite").is_file():
        pytest.skip(f"{OFFICIAL} not present (../shared)")
    dest = tmp_path / "pretrained"
    code = cli_main(["models", "fetch", "--from", str(OFFICIAL), "--dest", str(dest)])
    assert code == 0, capsys.readouterr().err
    doc = json.loads((dest / "manifest.json").read_text())
    assert sorted(doc["models"]) == ["ad01", "ic01", "kws01", "vww01"]
    for model_id, entry in doc["models"].items():
        assert entry["sha256"] == reference_expectations()[model_id].sha256
        assert (dest / f"{model_id}.tflite").read_bytes() == \
            (OFFICIAL / f"{model_id}_official.tflite").read_bytes()
        assert entry["source"].startswith(f"local copy {OFFICIAL / (model_id + '_official.tflite')}")


def test_fetch_from_names_the_missing_file(tmp_path):
    src = tmp_path / "copy"
    src.mkdir()
    with pytest.raises(ModelError) as err:
        fetch(tmp_path / "dest", ["vww01"], from_dir=src, log=lambda m: None)
    msg = str(err.value)
    assert f"--from {src}: no vww01 model there" in msg
    assert "vww01.tflite" in msg and "vww_96_int8.tflite" in msg and "vww01_official.tflite" in msg
    assert not (tmp_path / "dest" / "vww01.tflite").exists()


def test_fetch_from_names_the_mismatched_file(tmp_path):
    src = tmp_path / "copy"
    src.mkdir()
    shutil.copy(MODELS / "ic01.tflite", src / "ic01_official.tflite")   # ours, not the official one
    with pytest.raises(ModelError, match=rf"{src / 'ic01_official.tflite'}: not the expected model: .*sha256"):
        fetch(tmp_path / "dest", ["ic01"], from_dir=src, log=lambda m: None)
    assert not (tmp_path / "dest" / "ic01.tflite").exists()


def test_cli_fetch_from_missing_directory_is_a_clean_error(tmp_path, capsys):
    code = cli_main(["models", "fetch", "--from", str(tmp_path / "nope"), "--dest", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "no such directory" in err and "Traceback" not in err
