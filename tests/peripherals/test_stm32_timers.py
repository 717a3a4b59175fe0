"""The STM32 TIMx model alone (no CPU): counting in device time from the kernel clock, the
prescaler and auto-reload with their preload rules, update events and the update interrupt."""

import pytest

from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.timer.stm32_tim import Stm32Tim
from tinysim.emu.peripherals.timer.ticks import kernel_clock_hz

IRQ = 25   # TIM1_UP/TIM16 (RM0432 Table 58)


def _tim(core_hz=120e6, tim_hz=None, bits=16):
    host = NullHost()
    host.clock = core_hz
    params = {"bits": bits}
    if tim_hz:
        params["kernel_clock_hz"] = tim_hz
    return Stm32Tim("tim16", 0x40014400, 0x400, IRQ, params, host), host


def test_reset_values():
    t, _ = _tim()
    assert t.reg_read("ARR") == 0xFFFF and t.reg_read("CNT") == 0 and t.reg_read("PSC") == 0
    assert t.reg_read("CR1") == 0 and t.reg_read("SR") == 0
    t32, _ = _tim(bits=32)
    assert t32.reg_read("ARR") == 0xFFFFFFFF


def test_counts_microseconds_with_prescaler_only_after_an_update():
    t, host = _tim()
    t.reg_write("PSC", 119)                 # 120 MHz / 120 = 1 MHz
    t.reg_write("CR1", 1)
    host.cycles = 1200
    assert t.reg_read("CNT") == 1200        # PSC is preloaded: still /1 until an update event
    t.reg_write("EGR", 1)                   # UG: counter cleared, PSC loaded, UIF set
    assert t.reg_read("CNT") == 0 and t.reg_read("SR") & 1
    host.cycles += 120 * 1000 + 119
    assert t.reg_read("CNT") == 1000
    host.cycles += 1
    assert t.reg_read("CNT") == 1001


def test_update_interrupt_every_period_and_next_event():
    t, host = _tim()
    t.reg_write("PSC", 119)
    t.reg_write("ARR", 999)                 # 1 ms period
    t.reg_write("EGR", 1)
    t.reg_write("SR", 0)
    t.reg_write("DIER", 1)
    t.reg_write("CR1", 1)
    start = host.cycles
    assert t.next_event(start) == start + 120_000
    host.cycles = start + 119_999
    t.tick(host.cycles)
    assert not host.irqs.get(IRQ) and t.reg_read("CNT") == 999
    host.cycles += 1
    t.tick(host.cycles)
    assert host.irqs[IRQ] and t.reg_read("CNT") == 0
    t.reg_write("SR", 0)                     # the handler clears UIF (rc_w0)
    assert host.irqs[IRQ] is False
    assert t.next_event(host.cycles) == start + 240_000
    host.cycles = start + 10 * 120_000 + 5 * 120   # many periods unseen: 5 us into the 11th
    assert t.reg_read("CNT") == 5 and t.reg_read("SR") & 1


def test_timer_clock_slower_than_core_and_one_pulse():
    t, host = _tim(core_hz=120e6, tim_hz=60e6)   # e.g. APB at /4 -> timer clock x2 = HCLK/2
    t.reg_write("ARR", 99)
    t.reg_write("CR1", 1 | 8)                     # CEN | OPM
    host.cycles = 199
    assert t.reg_read("CNT") == 99
    host.cycles = 200
    assert t.reg_read("CNT") == 0 and t.reg_read("SR") & 1
    assert not t.reg_read("CR1") & 1              # one-pulse: stopped at the update event
    host.cycles = 1000
    assert t.reg_read("CNT") == 0


def test_arr_preload_and_repetition_counter():
    t, host = _tim(tim_hz=120e6)
    t.reg_write("ARR", 9)
    t.reg_write("CR1", 0x80 | 1)                  # ARPE: the first ARR write was already shadowed
    t.reg_write("ARR", 19)                        # preloaded: takes effect at the next update
    host.cycles = 10
    assert t.reg_read("CNT") == 0 and t.reg_read("SR") & 1
    t.reg_write("SR", 0)
    host.cycles = 29
    assert t.reg_read("CNT") == 19 and not t.reg_read("SR") & 1
    t.reg_write("RCR", 2)                          # an update event every 3 overflows
    host.cycles = 30
    assert t.reg_read("SR") & 1                   # this overflow loads RCR
    t.reg_write("SR", 0)
    host.cycles = 30 + 2 * 20
    assert not t.reg_read("SR") & 1
    host.cycles = 30 + 3 * 20
    assert t.reg_read("SR") & 1


def test_stopped_counter_holds_and_cnt_is_writable():
    t, host = _tim(tim_hz=120e6)
    t.reg_write("CR1", 1)
    host.cycles = 500
    t.reg_write("CR1", 0)
    host.cycles = 900
    assert t.reg_read("CNT") == 500
    t.reg_write("CNT", 7)
    t.reg_write("CR1", 1)
    host.cycles = 910
    assert t.reg_read("CNT") == 17


def test_a_clock_change_keeps_the_count():
    t, host = _tim(core_hz=120e6)
    t.reg_write("CR1", 1)
    host.cycles = 1000
    assert t.reg_read("CNT") == 1000
    host.clock = 60e6          # the core clock halves; the timer clock follows it (no RCC answer)
    host.cycles = 1500
    assert t.reg_read("CNT") == 1500


def test_unemulated_features_are_reported_by_field():
    t, host = _tim()
    t.reg_write("CR1", 0x10)
    t.reg_write("DIER", 0x2)
    names = {r for _, r, _ in host.unmodelled_log}
    assert names == {"CR1.DIR (down-counting)",
                     "DIER (capture/compare, trigger, break or DMA requests)"}


def test_bad_width_is_a_clear_error():
    from tinysim.errors import PlatformError
    with pytest.raises(PlatformError, match="16 or 32"):
        Stm32Tim("tim2", 0x40000000, 0x400, 28, {"bits": 24})


# ---- LPTIM ------------------------------------------------------------------------------------
from tinysim.emu.peripherals.timer.stm32_lptim import Stm32Lptim  # noqa: E402

LPTIM_IRQ = 65


def _lptim(core_hz=120e6, kernel_hz=None):
    host = NullHost()
    host.clock = core_hz
    params = {"kernel_clock_hz": kernel_hz} if kernel_hz else {}
    return Stm32Lptim("lptim1", 0x40007C00, 0x400, LPTIM_IRQ, params, host), host


def test_lptim_reset_values():
    t, _ = _lptim()
    assert t.reg_read("ARR") == 1 and t.reg_read("CNT") == 0 and t.reg_read("ISR") == 0


def test_lptim_continuous_counting_with_prescaler_and_matches():
    t, host = _lptim(kernel_hz=30e6)                 # 4 core cycles per kernel tick
    t.reg_write("CFGR", 2 << 9)                      # PRESC /4: one count per 16 core cycles
    t.reg_write("IER", 0x2)                          # ARRMIE
    t.reg_write("CR", 1)                             # ENABLE
    t.reg_write("ARR", 99)
    t.reg_write("CMP", 10)
    assert t.reg_read("ISR") & 0x18 == 0x18          # ARROK, CMPOK
    t.reg_write("ICR", 0x18)
    t.reg_write("CR", 1 | 4)                         # CNTSTRT
    assert t.next_event(host.cycles) == 99 * 16
    host.cycles = 10 * 16
    assert t.reg_read("CNT") == 10 and t.reg_read("ISR") == 0x1      # CMPM at CNT = CMP
    host.cycles = 99 * 16
    t.tick(host.cycles)
    assert t.reg_read("ISR") & 0x2 and host.irqs[LPTIM_IRQ] is True
    t.reg_write("ICR", 0x3)
    assert host.irqs[LPTIM_IRQ] is False
    host.cycles = (100 * 1000 + 5) * 16              # a thousand periods later
    assert t.reg_read("CNT") == 5 and t.reg_read("ISR") & 0x3 == 0x3
    assert t.next_event(host.cycles) == (100 * 1000 + 99) * 16


def test_lptim_single_mode_stops_after_the_match():
    t, host = _lptim(kernel_hz=120e6)
    t.reg_write("CR", 1)
    t.reg_write("ARR", 9)
    t.reg_write("CR", 1 | 2)                         # SNGSTRT
    host.cycles = 8
    assert t.reg_read("CNT") == 8 and not t.reg_read("ISR") & 0x2
    host.cycles = 9                                  # the ARR match: ARRM, and the counter stops
    assert t.reg_read("ISR") & 0x2 and t.reg_read("CNT") == 0
    host.cycles = 50
    assert t.reg_read("CNT") == 0 and t.next_event(host.cycles) is None


def test_lptim_external_clock_is_reported():
    t, host = _lptim()
    t.reg_write("CFGR", 1)
    assert host.unmodelled_log == [("lptim1", "CFGR.CKSEL (external clock)", "write")]


def test_lptim_whose_clock_source_is_off_stands_still():
    t, host = _lptim()
    host.kernel_clock_hz = lambda name: 0.0          # e.g. LPTIM1SEL = LSI with LSI off
    t.reg_write("IER", 0x2)
    t.reg_write("CR", 1)
    t.reg_write("ARR", 99)
    t.reg_write("CR", 1 | 4)
    host.cycles = 1_000_000
    assert t.reg_read("CNT") == 0 and t.next_event(host.cycles) is None


@pytest.mark.parametrize("make_timer", [_tim, _lptim])
def test_tim_and_lptim_take_their_kernel_clock_from_one_lookup(make_timer):
    """timer/ticks.py `kernel_clock_hz`: the param overrides, else the clock controller's clock
    for the timer's name (0.0: the source is off), else the core clock."""
    t, host = make_timer(core_hz=120e6)
    assert kernel_clock_hz(t) == 120e6                       # no clock controller: the core clock
    host.kernel_clock_hz = lambda name: {t.name: 60e6}.get(name)
    assert kernel_clock_hz(t) == 60e6                        # derived for this timer's name
    host.kernel_clock_hz = lambda name: 0.0
    assert kernel_clock_hz(t) == 0.0                         # its source is off
    t.params["kernel_clock_hz"] = 30e6
    assert kernel_clock_hz(t) == 30e6                        # the override wins
