"""MLPerf Tiny runner dataset layout: generation, loading, malformed input, th_load_tensor view."""

import numpy as np
import pytest

from tinysim import workloads
from tinysim.errors import ModelError
from tinysim.harness import datasets
from tinysim.harness.datasets import input_to_model_tensor, load_dataset, make_dataset


@pytest.mark.parametrize("workload,size", [("kws01", 490), ("vww01", 27648), ("ic01", 3072),
                                           ("ad01", 102400)])
def test_make_dataset_writes_runner_layout(tmp_path, workload, size):
    ds = make_dataset(workload, tmp_path, 4, seed=1)
    lines = (tmp_path / "y_labels.csv").read_text().splitlines()
    assert len(lines) == 4 and len(ds) == 4
    for line, entry in zip(lines, ds.entries):
        fields = line.split(",")
        assert fields[0] == entry.file and (tmp_path / entry.file).stat().st_size == size
        assert int(fields[1]) == workloads.get(workload).num_classes
        assert int(fields[2]) == entry.label
        if workload == "ad01":
            assert fields[3:] == ["2560", "512"]
        else:
            assert len(fields) == 3


def test_make_dataset_is_deterministic_and_seed_dependent(tmp_path):
    a = make_dataset("ic01", tmp_path / "a", 3, seed=5)
    b = make_dataset("ic01", tmp_path / "b", 3, seed=5)
    c = make_dataset("ic01", tmp_path / "c", 3, seed=6)
    assert [e.windows for e in a.entries] == [e.windows for e in b.entries]
    assert [e.windows for e in a.entries] != [e.windows for e in c.entries]


def test_classifier_labels_cycle_through_classes(tmp_path):
    ds = make_dataset("kws01", tmp_path, 24, seed=0)
    assert ds.labels == [i % 12 for i in range(24)]


def test_ad_windows_are_the_runner_slices(tmp_path):
    ds = make_dataset("ad01", tmp_path, 2, seed=0)
    entry = ds.entries[1]
    assert entry.label == 1 and entry.file.startswith("anomaly")
    raw = (tmp_path / entry.file).read_bytes()
    assert len(entry.windows) == 196
    assert all(len(w) == 2560 for w in entry.windows)
    assert entry.windows[0] == raw[:2560]
    assert entry.windows[7] == raw[7 * 512: 7 * 512 + 2560]
    assert entry.windows[-1] == raw[-2560:]


def test_limit_reads_first_lines(tmp_path):
    make_dataset("vww01", tmp_path, 5, seed=0)
    ds = load_dataset("vww01", tmp_path, limit=2)
    assert [e.file for e in ds.entries] == ["tst_000000_0.bin", "tst_000001_1.bin"]


def _write(tmp_path, csv_text, files=None):
    (tmp_path / "y_labels.csv").write_text(csv_text)
    for name, data in (files or {}).items():
        (tmp_path / name).write_bytes(data)


def test_wrong_size_names_file_and_line(tmp_path):
    _write(tmp_path, "ok.bin,10,1\nshort.bin,10,2\n", {"ok.bin": bytes(3072), "short.bin": bytes(3000)})
    with pytest.raises(ModelError) as err:
        load_dataset("ic01", tmp_path)
    msg = str(err.value)
    assert "short.bin" in msg and "3000 bytes" in msg and "3072" in msg and "y_labels.csv:2" in msg


def test_missing_label_names_line(tmp_path):
    _write(tmp_path, "a.bin,12\n", {"a.bin": bytes(490)})
    with pytest.raises(ModelError, match=r"y_labels.csv:1: .*missing label"):
        load_dataset("kws01", tmp_path)


def test_missing_bin_named(tmp_path):
    _write(tmp_path, "a.bin,12,3\nnothere.bin,12,4\n", {"a.bin": bytes(490)})
    with pytest.raises(ModelError, match=r"y_labels.csv:2: input file .*nothere.bin does not exist"):
        load_dataset("kws01", tmp_path)


def test_missing_csv_says_what_to_do(tmp_path):
    with pytest.raises(ModelError, match="y_labels.csv.*make_dataset"):
        load_dataset("kws01", tmp_path)


def test_unreadable_csv(tmp_path):
    (tmp_path / "y_labels.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ModelError, match="y_labels.csv: cannot read"):
        load_dataset("kws01", tmp_path)


def test_bad_fields(tmp_path):
    _write(tmp_path, "a.bin,12,x\n", {"a.bin": bytes(490)})
    with pytest.raises(ModelError, match="label 'x' is not an integer"):
        load_dataset("kws01", tmp_path)
    _write(tmp_path, "a.bin,12,12\n")
    with pytest.raises(ModelError, match="label 12 outside 0..11"):
        load_dataset("kws01", tmp_path)
    _write(tmp_path, "a.bin,10,1\n")
    with pytest.raises(ModelError, match="num_classes 10 but kws01 has 12"):
        load_dataset("kws01", tmp_path)


def test_ad_line_needs_window_and_stride(tmp_path):
    _write(tmp_path, "n.bin,2,0\n", {"n.bin": bytes(102400)})
    with pytest.raises(ModelError, match="expected 5 comma-separated fields for ad01"):
        load_dataset("ad01", tmp_path)
    _write(tmp_path, "n.bin,2,0,2561,512\n")
    with pytest.raises(ModelError, match="window_bytes 2561"):
        load_dataset("ad01", tmp_path)


def test_unknown_workload():
    with pytest.raises(ModelError, match="unknown workload 'foo'"):
        load_dataset("foo", ".")


def test_input_tensor_kws_is_raw_int8():
    raw = np.array([-128, -1, 0, 5, 127], np.int8).tobytes()
    assert input_to_model_tensor("kws01", raw).tolist() == [-128, -1, 0, 5, 127]


@pytest.mark.parametrize("workload", ["vww01", "ic01"])
def test_input_tensor_images_are_u8_minus_128(workload):
    raw = bytes([0, 1, 127, 128, 200, 255])
    assert input_to_model_tensor(workload, raw).tolist() == [-128, -127, -1, 0, 72, 127]


def test_input_tensor_ad_quantizes_like_the_firmware():
    # scale 0.5, zp 10: 1.25/0.5 = 2.5 rounds away from zero to 3 -> 13; -1.25 -> -3 -> 7;
    # 0.2 -> 0.4 -> 0 -> 10; large values clamp to the int8 range.
    floats = np.array([1.25, -1.25, 0.2, 1000.0, -1000.0], "<f4").tobytes()
    assert input_to_model_tensor("ad01", floats, (0.5, 10)).tolist() == [13, 7, 10, 127, -128]


def test_input_tensor_ad_needs_quant():
    with pytest.raises(ModelError, match="scale, zero_point"):
        input_to_model_tensor("ad01", bytes(8))
