"""GD32VF103 and ESP32-C3 peripheral models alone (no CPU)."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost


def make(model, base, size, irq=None, **params):
    host = NullHost()
    return model_class(model)(model, base, size, irq, params, host=host), host


def test_stm32f1_usart_tx_rx_and_irq():
    u, host = make("uart.stm32f1_usart", 0x40013800, 0x400, irq=56)
    assert u.reg_read("STAT") & 0xC0 == 0xC0  # TBE, TC
    u.reg_write("CTL0", (1 << 13) | (1 << 3) | (1 << 2) | (1 << 5))  # UEN TEN REN RBNEIE
    u.reg_write("DATA", ord("k"))
    assert host.tx == b"k"
    u.inject(b"q")
    assert u.reg_read("STAT") & (1 << 5) and host.irqs[56] is True
    assert u.reg_read("DATA") == ord("q") and host.irqs[56] is False


def test_gd32_rcu_ready_flags_and_switch():
    rcu, _ = make("clock.gd32_rcu", 0x40021000, 0x400)
    rcu.reg_write("CTL", rcu.reg_read("CTL") | (1 << 16) | (1 << 24))  # HXTALEN, PLLEN
    ctl = rcu.reg_read("CTL")
    assert ctl & (1 << 17) and ctl & (1 << 25)  # HXTALSTB, PLLSTB
    rcu.reg_write("CFG0", 2)  # SCS = PLL
    assert (rcu.reg_read("CFG0") >> 2) & 3 == 2  # SCSS


def test_nuclei_systimer_counts_hclk_over_4():
    t, host = make("timer.nuclei_systimer", 0xD1000000, 0x1000, divider=4)
    host.cycles = 4000
    assert t.reg_read("MTIME_LO") == 1000
    t.reg_write("MTIMECMP_HI", 0)
    t.reg_write("MTIMECMP_LO", 1500)
    assert not t.timer_pending(host.cycles)
    assert t.next_event(host.cycles) == 6000
    host.cycles = 6000
    assert t.timer_pending(host.cycles)
    t.reg_write("MSTOP", 1)  # stopped: mtime holds
    host.cycles = 10000
    assert t.reg_read("MTIME_LO") == 1500


def test_nuclei_eclic_enable_bits():
    e, _ = make("intc.nuclei_eclic", 0xD2000000, 0x10000)
    assert e.reg_read("CLICINFO") & 0x1FFF == 87
    e.write(0x1000 + 4 * 7 + 1, 1, 1)  # CLICINTIE[7]
    assert e.source_enabled(7) and not e.source_enabled(56)
    e.write(0xB, 1, 0x20)  # MTH
    assert e.threshold() == 0x20


def test_esp32c3_uart_fifo_status():
    u, host = make("uart.esp32c3_uart", 0x60000000, 0x100, irq=21)
    u.reg_write("FIFO", ord("a"))
    assert host.tx == b"a"
    assert (u.reg_read("STATUS") >> 16) & 0x3FF == 0  # TX drained at once
    u.reg_write("CONF1", 2)  # RXFIFO_FULL_THRHD = 2
    u.reg_write("INT_ENA", 1)
    u.inject(b"x")
    assert u.reg_read("STATUS") & 0x3FF == 1 and not host.irqs.get(21)
    u.inject(b"y")
    assert host.irqs[21] is True and u.reg_read("INT_ST") & 1
    assert u.reg_read("FIFO") == ord("x")
    assert host.irqs[21] is False


def test_esp32c3_systimer_latch_and_period_alarm():
    t, host = make("timer.esp32c3_systimer", 0x60023000, 0x100, irq=37, tick_hz=16_000_000,
                   clock_hz=160_000_000)
    host.cycles = 1000
    t.reg_write("UNIT0_OP", 1 << 30)
    assert t.reg_read("UNIT0_OP") & (1 << 29) and t.reg_read("UNIT0_VALUE_LO") == 100
    t.reg_write("TARGET0_CONF", 160 | (1 << 30))  # period 160 ticks = 1600 cycles
    t.reg_write("COMP0_LOAD", 1)
    t.reg_write("CONF", t.reg_read("CONF") | (1 << 24))
    t.reg_write("INT_ENA", 1)
    assert t.next_event(host.cycles) == 2600
    host.cycles = 2600
    t.tick(host.cycles)
    assert t.reg_read("INT_RAW") & 1 and host.irqs[37] is True
    t.reg_write("INT_CLR", 1)
    assert host.irqs[37] is False and t.next_event(host.cycles) == 4200


def test_esp32c3_interrupt_matrix_routing():
    m, _ = make("intc.esp32c3_intmtx", 0x600C2000, 0x800)
    assert m.line_for(21) is None
    m.reg_write("MAP21", 5)
    m.reg_write("CPU_INT_PRI_5", 2)
    assert m.line_for(21) is None  # line not enabled
    m.reg_write("CPU_INT_ENABLE", 1 << 5)
    assert m.line_for(21) == 5
    m.reg_write("CPU_INT_THRESH", 3)
    assert m.line_for(21) is None  # below the threshold
