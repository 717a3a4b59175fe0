"""Cortex-M core peripherals alone: SysTick against the cycle count, NVIC, SCB, DWT."""

from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.core.dwt import Dwt
from tinysim.emu.peripherals.core.nvic import Nvic
from tinysim.emu.peripherals.core.scb import Scb
from tinysim.emu.peripherals.core.state import ExceptionState
from tinysim.emu.peripherals.core.systick import SysTick


def test_systick_counts_down_with_cycles_and_pends_exception():
    host, state = NullHost(), ExceptionState()
    st = SysTick("systick", 0xE000E010, 0x10, host=host, state=state)
    st.reg_write("LOAD", 999)
    st.reg_write("VAL", 0)
    st.reg_write("CTRL", 0b111)  # ENABLE | TICKINT | CLKSOURCE=core
    host.cycles = 1
    assert st.reg_read("VAL") == 999
    host.cycles = 501
    assert st.reg_read("VAL") == 499
    assert st.next_event(host.cycles) == 1000
    assert 15 not in state.pending
    host.cycles = 1000
    st.tick(host.cycles)
    assert 15 in state.pending
    assert st.reg_read("CTRL") & (1 << 16)  # COUNTFLAG, cleared by the read
    assert not st.reg_read("CTRL") & (1 << 16)
    assert st.next_event(host.cycles) == 2000


def test_systick_external_clock_divides_by_8():
    host = NullHost()
    st = SysTick("systick", 0xE000E010, 0x10, host=host, state=ExceptionState())
    st.reg_write("LOAD", 99)
    st.reg_write("CTRL", 0b011)  # CLKSOURCE = external reference (HCLK/8 on STM32)
    host.cycles = 80
    assert st.reg_read("VAL") == 90
    assert st.next_event(host.cycles) == 800


def test_nvic_enable_pend_priority():
    state = ExceptionState(priority_bits=4)
    nvic = Nvic("nvic", 0xE000E100, 0x3F0, host=NullHost(), state=state)
    nvic.write(0x008, 4, 1 << 6)  # ISER2 bit 6 -> IRQ 70
    assert 16 + 70 in state.enabled
    assert nvic.read(0x008, 4) == 1 << 6
    nvic.write(0x108, 4, 1 << 6)  # ISPR2
    assert state.is_pending(86)
    nvic.write(0x188, 4, 1 << 6)  # ICPR2
    assert not state.is_pending(86)
    nvic.write(0x300 + 70, 1, 0x8F)  # IPR byte store
    assert state.priority_of(86) == 0x80  # only 4 priority bits exist
    assert nvic.read(0x300 + 68, 4) == 0x80 << 16
    nvic.write(0x088, 4, 1 << 6)  # ICER2
    assert 86 not in state.enabled


def test_scb_icsr_vtor_aircr_and_unmodelled():
    host, state = NullHost(), ExceptionState()
    scb = Scb("scb", 0xE000ED00, 0x100, host=host, state=state)
    assert scb.reg_read("CPUID") == 0x410FC241
    assert scb.reg_read("CFSR") == 0 and scb.reg_read("HFSR") == 0
    scb.reg_write("ICSR", 1 << 28)  # PENDSVSET
    assert 14 in state.pending and scb.reg_read("ICSR") & (1 << 28)
    scb.reg_write("ICSR", 1 << 27)  # PENDSVCLR
    assert 14 not in state.pending
    scb.reg_write("VTOR", 0x08000123)
    assert scb.vtor == 0x08000100
    scb.reg_write("AIRCR", 0x00000304)  # no VECTKEY: ignored
    assert host.stops == [] and state.prigroup == 0
    scb.reg_write("AIRCR", 0x05FA0304)  # PRIGROUP=3, SYSRESETREQ
    assert state.prigroup == 3 and host.stops == ["reset"]
    scb.reg_write("SHPR3", 0xF0 << 24)  # SysTick priority
    assert state.priority_of(15) == 0xF0
    scb.reg_write("CPACR", 0xF << 20)
    assert scb.reg_read("CPACR") == 0xF << 20
    scb.reg_read("DHCSR")
    assert host.unmodelled_log == [("scb", "DHCSR", "read")]


def test_dwt_cyccnt_counts_cycles_since_enabled():
    host = NullHost()
    dwt = Dwt("dwt", 0xE0001000, 0x1000, host=host)
    host.cycles = 100
    assert dwt.reg_read("CYCCNT") == 0  # not enabled
    dwt.reg_write("CTRL", 1)
    host.cycles = 350
    assert dwt.reg_read("CYCCNT") == 250
    dwt.reg_write("CYCCNT", 0xFFFFFFFF)
    host.cycles = 352
    assert dwt.reg_read("CYCCNT") == 1  # wraps at 2^32
    assert host.timestamps == 3
