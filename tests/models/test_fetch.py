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
    """The reference expectation, with size and MD5 of our generated file instead."""
    data = (MODELS / f"{model_id}.tflite").read_bytes()
    ref = reference_expectations()[model_id]
    return Expected(len(data), hashlib.md5(data).hexdigest()[:8], ref.input_shape,
                    ref.output_shape, ref.ops)


def test_reference_table_is_the_published_one():
    table = reference_expectations()
    assert {k: (v.size, v.md5_prefix) for k, v in table.items()} == {
        "kws01": (53_936, "618aeb15"), "vww01": (333_288, "f0b01141"),
        "ic01": (98_496, "2d6dd487"), "ad01": (276_976, "361fa1b1")}
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
    data[len(data) // 2] ^= 0x5A  # one flipped weight byte: size and graph fine, md5 not
    with pytest.raises(ModelError) as err:
        verify_model(bytes(data), "copy/ic01.tflite", _expect_generated("ic01"))
    msg = str(err.value)
    assert msg.startswith("copy/ic01.tflite: ") and "md5" in msg and "size" not in msg


def test_wrong_graph_rejected_with_shapes_and_ops():
    kws = (MODELS / "kws01.tflite").read_bytes()
    wrong = _expect_generated("kws01")
    wrong = Expected(wrong.size, wrong.md5_prefix, (1, 49, 10, 2), (1, 11), {"CONV_2D": 5})
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
    with pytest.raises(ModelError, match=r"vww01.tflite: not the expected model: .*md5"):
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


def test_default_url_points_at_mlcommons_tiny():
    assert fetch_mod.DEFAULT_BASE_URL.startswith("https://") and "mlcommons/tiny" in fetch_mod.DEFAULT_BASE_URL


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
    assert entry["source"] == seen[0][0] and entry["md5"] == hashlib.md5(served).hexdigest()


def test_http_error_is_not_called_a_network_problem(tmp_path, monkeypatch):
    import urllib.error

    def not_found(url, limit, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", None, None)

    monkeypatch.setattr(fetch_mod, "_download", not_found)
    with pytest.raises(ModelError, match=r"HTTP 404 Not Found.*--base-url"):
        fetch(tmp_path, ["kws01"], log=lambda m: None)
