"""The emulated LPM01A (tinysim.pipeline.lpm01a) alone: the commands the MLCommons runner sends,
the ascii_dec values, and a stream the runner's own parser reads back (its power_manager_lpm.py,
imported from ../shared/clients when present)."""

import importlib.util
import re
from pathlib import Path

import pytest

from tinysim.pipeline.lpm01a import Lpm01a, ascii_dec, parse_number

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO.parent / "shared" / "clients" / "mlcommons-tiny-runner"

# What power_manager_lpm.py's setup(), power_on() and start() send, in order (devices yaml voltage 3).
SETUP = ["htc", 'lcd 1 "MLPerf Tiny"', 'lcd 2 "     monitor    "', "pwr off", "acqtime inf", "trigdelay 0",
         "trigsrc sw", "eventsrc d7 fal", "output energy", "format ascii_dec", "freq 1k", "volt 3000m",
         'lcd 2 "             3V "', "pwr on nostatus", "start"]


def lines(data: bytes):
    return data.decode().split("\r\n")[:-1]


def test_ascii_dec_is_four_digits_a_sign_and_a_power_of_ten():
    assert ascii_dec(6.409e-4) == "6409-07"     # the help text's example: 640.9 uA
    assert ascii_dec(33e-6) == "3300-08"
    assert ascii_dec(0.99996) == "1000-03"      # rounds up into a fifth digit: renormalised
    assert ascii_dec(12346.0) == "1235+01"
    assert ascii_dec(0.0) == "0000+00"
    for text, value in (("3300m", 3.3), ("2m", 2e-3), ("2-3", 2e-3), ("100u", 1e-4), ("10", 10.0)):
        assert parse_number(text) == pytest.approx(value)
    assert parse_number("lots") is None


def test_every_runner_command_is_acknowledged_with_its_own_text():
    pm = Lpm01a(model_vdd_v=3.0)
    for command in SETUP:
        reply = lines(pm.host_bytes(command.encode() + b"\r\n", 0.0))
        assert reply[0] == f"ack {command}", reply
    assert pm.acquiring and pm.output == "energy" and pm.hz == 1000 and pm.volt == 3.0
    assert pm.warnings == []
    # The runner's stop() waits for this line; tear_down sends stop again once stopped.
    assert lines(pm.host_bytes(b"stop\r\n", 1.0)) == ["ack stop", "Acquisition completed"]
    assert lines(pm.host_bytes(b"stop\r\n", 1.0))[-1] == "Acquisition completed"


def test_bad_commands_get_an_error_and_a_detail():
    pm = Lpm01a(model_vdd_v=3.0)
    assert lines(pm.host_bytes(b"volt 5000m\r\n", 0.0)) == [
        "error volt 5000m", "Error detail: volt 5000m: expected a voltage in [1800m; 3300m]"]
    assert lines(pm.host_bytes(b"warp 9\r\n", 0.0))[1] == "Error detail: unknown command 'warp'"
    assert lines(pm.host_bytes(b"format bin_hexa\r\n", 0.0))[0] == "error format bin_hexa"
    pm.host_bytes(b"volt 1800m\r\n", 0.0)
    assert "model's current drawn at 1.8 V" in pm.warnings[0]


def _acquiring(volt="3000m"):
    pm = Lpm01a(model_vdd_v=3.0)
    for command in ("eventsrc d7 fal", "output energy", "freq 1k", "acqtime inf", f"volt {volt}"):
        pm.command(command, 0.0)
    pm.command("start", 2.0)     # acquisition starts at device time 2 s
    return pm


def test_samples_integrate_the_supplied_energy_per_period_with_events_in_place():
    pm = _acquiring()
    pm.supply(1.0, 2.5, 3.0)           # before the start: only [2.0, 2.5) counts, 1 J
    pm.supply(2.5, 4.0, 0.3)           # 0.2 J per second
    pm.edge(2.0105)                    # inside sample 10
    pm.edge(3.5004)                    # inside sample 1500
    out = lines(pm.take(3.0005)) + lines(pm.take(4.5))
    values = [l for l in out if re.fullmatch(r"\d{4}[+-]\d{2}", l)]
    assert len(values) == 2500         # [2.0, 4.5) at 1 kHz; [4.0, 4.5) had no supply but streams zeros
    assert [l for l in out if l.startswith("TimeStamp")] == ["TimeStamp: 001s 000ms, buff 00%",
                                                             "TimeStamp: 002s 000ms, buff 00%"]
    assert out.index("event 1 ris") == 10             # after samples 0..9: the runner's sample index 10
    before_2 = [l for l in out[: out.index("event 2 ris")] if re.fullmatch(r"\d{4}[+-]\d{2}", l)]
    assert len(before_2) == 1500
    joules = [float(v.replace("+", "e+").replace("-", "e-")) for v in values]
    assert sum(joules[:500]) == pytest.approx(1.0, rel=1e-3)
    assert sum(joules[500:2000]) == pytest.approx(0.3, rel=1e-3)


def test_take_stops_at_now_and_resumes():
    pm = _acquiring()
    pm.supply(2.0, 2.010, 1e-3)
    first = lines(pm.take(2.0055))
    assert len(first) == 5             # only whole periods
    assert len(lines(pm.take(2.010))) == 5


def test_energy_scales_with_the_supply_voltage_current_with_none():
    pm = _acquiring("1800m")
    pm.supply(2.0, 2.001, 3e-5)        # 30 uJ at the model's 3.0 V
    assert lines(pm.take(2.001)) == [ascii_dec(3e-5 * 1.8 / 3.0)]
    pm = Lpm01a(model_vdd_v=3.0)
    pm.command("freq 1k", 0.0)
    pm.command("acqtime inf", 0.0)
    pm.command("start", 0.0)           # output current (the default): 30 uJ / 1 ms / 3 V = 10 mA
    pm.supply(0.0, 0.001, 3e-5)
    assert lines(pm.take(0.001)) == ["1000-05"]


def test_a_finite_acquisition_ends_by_itself():
    pm = Lpm01a(model_vdd_v=3.0)
    pm.command("freq 1k", 0.0)
    pm.command("acqtime 5m", 0.0)
    pm.command("start", 0.0)
    out = lines(pm.take(1.0))
    assert len(out) == 6 and out[-1] == "Acquisition completed" and not pm.acquiring


@pytest.mark.skipif(not (RUNNER / "power_manager" / "power_manager_lpm.py").is_file(),
                    reason=f"needs the MLCommons runner in {RUNNER} (../shared/clients next to the repository)")
def test_the_runners_own_parser_reads_the_stream():
    spec = importlib.util.spec_from_file_location("_runner_lpm", RUNNER / "power_manager" / "power_manager_lpm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parse = module.LPMCommands(None, None)._extract_current_values
    pm = _acquiring()
    pm.supply(2.0, 2.003, 9e-5)
    for line in lines(pm.take(2.003)):
        assert re.match(r"\d{4}[+-]\d{2}", line)                      # read_loop's data test
        assert parse(line) == pytest.approx([3e-5], rel=1e-3)
    pm.edge(2.0031)
    assert lines(pm.take(2.004)) == ["event 1 ris", "0000+00"]   # the edge, then its (empty) period
    assert parse("0000+00") == [0.0]
