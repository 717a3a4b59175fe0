"""`tinysim run`: JSON output, exit status on faults, clear errors without tracebacks."""

from __future__ import annotations

import json

from tinysim.cli import main


def test_run_json(fw, capsys):
    rc = main(["run", str(fw("hello")), "--platform", "nucleo-l4r5zi", "--json", "--unmodelled"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    for key in ("instructions", "wall_s", "mips", "uart", "stack_peak_bytes", "exit", "cycles", "fault"):
        assert key in out
    assert out["exit"] == "halt" and out["uart"].startswith("hello from")
    assert out["fault"] is None and isinstance(out["unmodelled"], list)


def test_run_fault_exits_nonzero_with_report(fw, capsys):
    rc = main(["run", str(fw("fault_unmapped")), "--platform", "nucleo-l4r5zi"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "unmapped-read" in out and "main+" in out and "fault_unmapped: loading" in out


def test_run_input_and_budget(fw, capsys):
    rc = main(["run", str(fw("echo")), "--platform", "nucleo-l4r5zi", "--input", "hey\\nquit\\n", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["uart"] == "echo ready\r\nhey\r\nbye\r\n"
    rc = main(["run", str(fw("runaway")), "--platform", "nucleo-l4r5zi", "--max-instructions", "1000"])
    assert rc == 1 and "instruction budget" in capsys.readouterr().out


def test_not_an_elf_is_a_clean_error(tmp_path, capsys):
    bad = tmp_path / "bad.elf"
    bad.write_text("nope")
    rc = main(["run", str(bad), "--platform", "nucleo-l4r5zi"])
    assert rc == 2
    assert "bad.elf: not an ELF" in capsys.readouterr().err
