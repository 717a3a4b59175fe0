"""EmulatedTransport with firmwares that misbehave as a DUT: one halts, one spins forever, one
faults. Uses the board port's test firmwares (tinysim/firmware/tests), built for the
NUCLEO-L4R5ZI port."""

import pytest

from tinysim.errors import EmulationError, ProtocolError

pytestmark = pytest.mark.toolchain

PLATFORM = "nucleo-l4r5zi"

try:
    import tinysim.emu.counter  # noqa: F401
except ImportError:
    pytest.skip("the emulator's native counter is not built: pip install -e .", allow_module_level=True)

from tinysim.harness.protocol import DutClient  # noqa: E402
from tinysim.harness.transports import TransportClosed  # noqa: E402
from tinysim.pipeline.emulated_transport import EmulatedTransport  # noqa: E402


@pytest.fixture(scope="module")
def firmware(tmp_path_factory):
    from tinysim.firmware.build import build_test_firmware

    out = tmp_path_factory.mktemp("emu-tests")
    return lambda name: build_test_firmware(name, PLATFORM, out)


def test_halting_firmware_closes_the_transport(firmware):
    with EmulatedTransport(PLATFORM, firmware("hello")) as transport:
        assert transport.read_line(1) == "hello from nucleo-l4r5zi"
        assert transport.read_line(1).startswith("cycles ")
        with pytest.raises(TransportClosed, match="the firmware halted"):
            transport.read_line(1)


def test_halting_firmware_as_a_dut(firmware):
    client = DutClient(EmulatedTransport(PLATFORM, firmware("hello")))
    with pytest.raises(ProtocolError, match=r"'\(boot\)': the DUT went away .*halted.*Last lines: < hello from"):
        client.wait_ready()


def test_runaway_firmware_is_a_timeout(firmware):
    transport = EmulatedTransport(PLATFORM, firmware("runaway"), max_instructions_per_read=2_000_000)
    client = DutClient(transport)
    assert transport.read_line(1) == "runaway: spinning"
    with pytest.raises(ProtocolError, match=r"command 'name': no answer"):
        client.command("name")
    assert transport.last_result.exit == "budget"


def test_faulting_firmware_reports_the_fault(firmware):
    transport = EmulatedTransport(PLATFORM, firmware("fault_unmapped"))
    with pytest.raises(EmulationError, match="the firmware faulted") as err:
        while transport.read_line(1) is not None:
            pass
    assert "main" in str(err.value)  # the report names the faulting function


def test_idle_firmware_answers_none_at_once(firmware):
    """echo waits for input: with nothing sent, reading returns None (no wall-clock wait)."""
    transport = EmulatedTransport(PLATFORM, firmware("echo"))
    lines = []
    while True:
        line = transport.read_line(3600)  # would hang for an hour if the wait were real
        if line is None:
            break
        lines.append(line)
    assert lines == ["echo ready"] and transport.last_result.exit == "idle"
    transport.write(b"ping\r")  # input wakes it up again
    assert transport.read_line(1) == "ping"
    assert transport.read_line(1) is None
