"""The console line in the system (issue 10): the emulated board receives what the host sends at
the baud rate, loses nothing a firmware reads in time, and its transmissions take device time."""

from __future__ import annotations

import json

import pytest

from tinysim.cli import main
from tinysim.pipeline.session import build_session

BOARDS = ("nucleo-l4r5zi", "gd32vf103-longan", "esp32c3-devkitm")


@pytest.mark.parametrize("board", BOARDS)
def test_fifty_lines_to_echo_come_back(fw, board, tmp_path, capsys):
    lines = [f"line {i:02d} " + "x" * (i % 40) for i in range(50)]
    feed = tmp_path / "lines.txt"
    feed.write_text("\n".join(lines) + "\nquit\n")
    rc = main(["run", str(fw("echo", board)), "--platform", board, "--input-file", str(feed), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["exit"] == "halt", out["exit"]
    echoed = out["uart"].replace("\r", "").split("\n")
    assert echoed[0] == "echo ready" and echoed[-2] == "bye"
    assert echoed[1:-2] == lines


def test_hello_transmit_takes_its_characters_time(fw):
    """`hello` prints one line, waits for TC and halts: the run lasts N characters at 115200 baud
    (10 bits each) plus its start-up code."""
    session = build_session(fw("hello"), "nucleo-l4r5zi")
    result = session.run(max_instructions=50_000_000)
    assert result.exit == "halt"
    n = len(result.uart.encode())
    line_cycles = n * 10 / 115_200 * session.platform.clock_hz
    assert line_cycles <= result.cycles <= line_cycles + 60_000, (result.cycles, line_cycles)
