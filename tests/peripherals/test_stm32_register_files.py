"""SAI1 and DBGMCU alone: register files with the manual's names and reset values, and what they
report as not emulated."""

from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.misc.stm32_dbgmcu import Stm32Dbgmcu
from tinysim.emu.peripherals.sai.stm32_sai import Stm32Sai


def test_sai_reset_values_and_read_back():
    host = NullHost()
    sai = Stm32Sai("sai1", 0x40015400, 0x400, 74, host=host)
    assert sai.reg_read("ACR1") == 0x40 and sai.reg_read("BFRCR") == 7 and sai.reg_read("ASR") == 8
    sai.reg_write("ACR2", 0x1234)
    sai.reg_write("ACR1", 0x40 | 1 | 1 << 16)            # SAIEN reads back at once
    assert sai.reg_read("ACR1") >> 16 & 1 and sai.reg_read("ACR2") == 0x1234
    assert host.unmodelled_log == []
    sai.reg_write("ASR", 0)                                # read-only
    assert sai.reg_read("ASR") == 8


def test_sai_reports_what_would_need_audio():
    host = NullHost()
    sai = Stm32Sai("sai1", 0x40015400, 0x400, 74, host=host)
    sai.reg_write("ACR1", 1 << 16 | 1 << 17)               # SAIEN + DMAEN
    sai.reg_write("BIM", 1)
    sai.reg_read("ADR")
    assert [r for _, r, _ in host.unmodelled_log] == [
        "ACR1.DMAEN (audio samples are not streamed)", "BIM (SAI interrupts are not raised)", "ADR"]


def test_dbgmcu_idcode_is_read_only_and_freeze_registers_store():
    host = NullHost()
    d = Stm32Dbgmcu("dbgmcu", 0xE0042000, 0x400, params={"idcode": 0x10006470}, host=host)
    assert d.reg_read("IDCODE") == 0x10006470 and d.reg_read("CR") == 0
    d.reg_write("IDCODE", 0)
    d.reg_write("CR", 0x7)
    d.reg_write("APB2FZR", 1 << 17)                        # freeze TIM16 while halted
    assert d.reg_read("IDCODE") == 0x10006470 and d.reg_read("CR") == 7
    assert d.reg_read("APB2FZR") == 1 << 17 and host.unmodelled_log == []
