"""`tinysim accuracy --direct` writes inputs into the firmware's db buffer by ELF symbol: the same
outputs, input by input, as sending them over the emulated UART, and it says which path it took."""

import json

import pytest

from tinysim.cli import main
from tinysim.errors import TinysimError
from tinysim.harness.datasets import make_dataset
from tinysim.harness.protocol import DutClient
from tinysim.pipeline.direct_load import DirectLoadClient
from tinysim.pipeline.emulated_transport import EmulatedTransport


def accuracy(tmp_path, capsys, *extra):
    rc = main(["accuracy", "--workload", "kws01", "--dataset", str(tmp_path / "data"), "--json",
               "--out", str(tmp_path / "results"), *extra])
    assert rc == 0
    return json.loads(capsys.readouterr().out)


def test_direct_load_scores_what_the_uart_path_scores(tmp_path, capsys):
    make_dataset("kws01", tmp_path / "data" / "kws01", 4, seed=11)
    uart = accuracy(tmp_path, capsys)
    direct = accuracy(tmp_path, capsys, "--direct")
    assert uart["inputs_via"].startswith("sent over the emulated UART")
    assert direct["inputs_via"].startswith("written straight into the firmware's db buffer (--direct")
    assert direct["files"] == uart["files"] == 4
    assert direct["firmware"] == uart["firmware"]


def test_direct_load_gives_the_uart_paths_raw_outputs(repo_root, tmp_path):
    elf = repo_root / "firmware_images" / "nucleo-l4r5zi" / "kws01.elf"
    inputs = [e.windows[0] for e in make_dataset("kws01", tmp_path / "kws01", 3, seed=12).entries]
    outputs = []
    for direct in (False, True):
        transport = EmulatedTransport("nucleo-l4r5zi", elf)
        try:
            client = (DirectLoadClient if direct else DutClient)(transport, timeout=60, infer_timeout=600)
            client.wait_ready()
            per = []
            for data in inputs:
                client.load(data)
                per.append(client.infer(1, 0).raw)
            if direct:
                assert client.bytes_loaded == 3 * 490
            outputs.append(per)
        finally:
            transport.close()
    assert outputs[0] == outputs[1]
    assert len({tuple(o) for o in outputs[0]}) > 1  # the inputs reached the model: outputs differ


def test_direct_load_refuses_an_image_without_the_harness_buffer(repo_root, monkeypatch):
    elf = repo_root / "firmware_images" / "nucleo-l4r5zi" / "kws01.elf"
    transport = EmulatedTransport("nucleo-l4r5zi", elf)
    try:
        monkeypatch.delitem(transport.machine.firmware.symbols, "db_pos")
        with pytest.raises(TinysimError, match="no symbol db_pos: --direct writes inputs"):
            DirectLoadClient(transport)
    finally:
        transport.close()
