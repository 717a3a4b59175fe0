"""The nRF5340 models alone (no CPU), on a NullHost standing in for the machine: the UARTE with
EasyDMA (nRF5340 PS chapter UARTE), CLOCK (HFCLKCTRL), CACHE, NVMC, REGULATORS and GPIO."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost

CLOCK = 128_000_000
BAUD_115200 = 0x01D60000           # PS UARTE BAUDRATE: 115200, actual rate 115108
CHAR = round(10 * CLOCK / 115_108)  # core cycles per 8N1 character
RAM = 0x20000000
ENDRX, TXDRDY, ENDTX, ERROR, RXSTARTED = 1 << 4, 1 << 7, 1 << 8, 1 << 9, 1 << 19
SHORT_ENDRX_STARTRX = 1 << 5


def make(model, base=0x50000000, size=0x1000, irq=None, host=None, name=None, **params):
    host = host or NullHost()
    return model_class(model)(name or model, base, size, irq, params, host=host), host


def uarte():
    host = NullHost()
    host.clock = CLOCK
    host.memory[RAM] = bytearray(256)
    u, _ = make("uart.nrf_uarte", 0x50008000, irq=8, host=host)
    u.reg_write("BAUDRATE", BAUD_115200)
    u.reg_write("ENABLE", 8)
    return u, host


# ---- UARTE ------------------------------------------------------------------------------------
def test_uarte_resets_with_the_ps_values():
    u, _ = make("uart.nrf_uarte")
    assert u.get("BAUDRATE") == 0x04000000 and u.get("PSEL_TXD") == 0xFFFFFFFF
    assert u.get("ENABLE") == 0 and u.baud() == 250_000


def test_uarte_baud_is_the_ps_actual_rate():
    u, _ = uarte()
    assert u.baud() == 115_108
    u.reg_write("BAUDRATE", 0x00275000)
    assert u.baud() == 9598


def test_uarte_tx_dma_reads_ram_and_ends_after_the_last_character():
    u, host = uarte()
    host.memory[RAM][0:3] = b"abc"
    u.reg_write("TXD_PTR", RAM)
    u.reg_write("TXD_MAXCNT", 3)
    u.reg_write("TASKS_STARTTX", 1)
    assert bytes(host.tx) == b"abc" and u.reg_read("TXD_AMOUNT") == 3
    assert u.reg_read("EVENTS_TXSTARTED") == 1
    assert u.reg_read("EVENTS_ENDTX") == 0
    host.cycles = CHAR + 1
    assert u.reg_read("EVENTS_TXDRDY") == 1 and u.reg_read("EVENTS_ENDTX") == 0
    host.cycles = 3 * CHAR - 100
    assert u.reg_read("EVENTS_ENDTX") == 0
    host.cycles = 3 * CHAR + 1
    assert u.reg_read("EVENTS_ENDTX") == 1
    u.reg_write("EVENTS_ENDTX", 0)
    assert u.reg_read("EVENTS_ENDTX") == 0


def test_uarte_a_long_transfer_is_paced_to_its_last_byte():
    """EasyDMA hands the line all MAXCNT bytes at once: none is lost to a holding-register limit,
    and ENDTX comes MAXCNT character times later."""
    u, host = uarte()
    host.memory[RAM][0:200] = bytes(range(200))
    u.reg_write("TXD_PTR", RAM)
    u.reg_write("TXD_MAXCNT", 200)
    u.reg_write("TASKS_STARTTX", 1)
    assert bytes(host.tx) == bytes(range(200))
    host.cycles = 199 * CHAR + 1
    assert u.reg_read("EVENTS_TXDRDY") == 1 and u.reg_read("EVENTS_ENDTX") == 0
    host.cycles = 200 * CHAR + 1
    assert u.reg_read("EVENTS_ENDTX") == 1


def test_uarte_polling_endtx_skips_to_the_end_of_the_character():
    u, host = uarte()
    host.memory[RAM][0] = 0x55
    u.reg_write("TXD_PTR", RAM)
    u.reg_write("TXD_MAXCNT", 1)
    u.reg_write("TASKS_STARTTX", 1)
    polls = 0
    while not u.reg_read("EVENTS_ENDTX"):
        host.cycles += 8
        polls += 1
    assert polls < 10 and CHAR <= host.cycles <= CHAR + 64


def test_uarte_tasks_do_nothing_while_disabled():
    u, host = uarte()
    u.reg_write("ENABLE", 0)
    u.reg_write("TXD_PTR", RAM)
    u.reg_write("TXD_MAXCNT", 1)
    u.reg_write("TASKS_STARTTX", 1)
    assert not host.tx and u.reg_read("EVENTS_TXSTARTED") == 0


def test_uarte_rx_dma_writes_each_byte_and_restarts_through_the_short():
    u, host = uarte()
    u.reg_write("RXD_PTR", RAM + 0x10)
    u.reg_write("RXD_MAXCNT", 1)
    u.reg_write("SHORTS", SHORT_ENDRX_STARTRX)
    u.reg_write("INTENSET", ENDRX)
    u.reg_write("TASKS_STARTRX", 1)
    assert u.reg_read("EVENTS_RXSTARTED") == 1 and not host.irqs.get(8)
    u.reg_write("EVENTS_RXSTARTED", 0)
    u.reg_write("RXD_PTR", RAM + 0x11)         # double-buffered: the next transfer's buffer
    u.inject(b"xy")
    host.cycles = CHAR + 1
    u.tick(host.cycles)
    assert host.memory[RAM][0x10] == ord("x") and host.irqs[8]
    assert u.reg_read("EVENTS_ENDRX") == 1 and u.reg_read("EVENTS_RXSTARTED") == 1
    assert u.reg_read("RXD_AMOUNT") == 0       # the short already started the next transfer
    u.reg_write("EVENTS_ENDRX", 0)
    assert not host.irqs[8]
    host.cycles = 2 * CHAR + 1
    u.tick(host.cycles)
    assert host.memory[RAM][0x11] == ord("y") and u.reg_read("EVENTS_ENDRX") == 1


def test_uarte_bytes_wait_in_the_fifo_then_overrun_without_a_transfer():
    u, host = uarte()
    u.reg_write("INTENSET", ERROR)
    u.inject(b"123456")
    host.cycles = 6 * CHAR + 1
    u.tick(host.cycles)
    assert len(u.rx) == 4                       # the 4-byte RX FIFO
    assert u.reg_read("EVENTS_ERROR") == 1 and u.reg_read("ERRORSRC") & 1 and host.irqs[8]
    u.reg_write("ERRORSRC", 1)
    assert u.reg_read("ERRORSRC") == 0
    u.reg_write("RXD_PTR", RAM)
    u.reg_write("RXD_MAXCNT", 8)
    u.reg_write("TASKS_FLUSHRX", 1)
    assert bytes(host.memory[RAM][0:4]) == b"1234" and u.reg_read("RXD_AMOUNT") == 4


def test_uarte_stoprx_ends_the_transfer_with_rxto():
    u, host = uarte()
    u.reg_write("RXD_PTR", RAM)
    u.reg_write("RXD_MAXCNT", 8)
    u.reg_write("TASKS_STARTRX", 1)
    u.inject(b"ab")
    host.cycles = 2 * CHAR + 1
    u.tick(host.cycles)
    assert u.reg_read("EVENTS_ENDRX") == 0 and u.reg_read("EVENTS_RXDRDY") == 1
    u.reg_write("TASKS_STOPRX", 1)
    assert u.reg_read("EVENTS_ENDRX") == 1 and u.reg_read("EVENTS_RXTO") == 1
    assert u.reg_read("RXD_AMOUNT") == 2 and bytes(host.memory[RAM][0:2]) == b"ab"


def test_uarte_wakes_the_core_only_with_an_rx_interrupt_enabled():
    u, _ = uarte()
    assert not u.can_wake()
    u.reg_write("INTENSET", ENDRX)
    assert u.can_wake() and u.reg_read("INTEN") == ENDRX
    u.reg_write("INTENCLR", ENDRX)
    assert not u.can_wake()


# ---- CLOCK ------------------------------------------------------------------------------------
def test_clock_boots_at_64mhz_and_hfclkctrl_div1_gives_128mhz():
    clock, host = make("clock.nrf53_clock", 0x50005000, irq=5)
    assert clock.get("HFCLKCTRL") == 1 and clock.core_clock_hz() == 64e6
    clock.reg_write("HFCLKCTRL", 0)
    assert clock.core_clock_hz() == 128e6 and host.clock_changes == 1
    assert not clock.tree().problems
    clock.reg_write("HFCLKCTRL", 0)            # no change, no report
    assert host.clock_changes == 1


def test_clock_hfclkstart_runs_the_selected_source_and_raises_the_event():
    clock, host = make("clock.nrf53_clock", 0x50005000, irq=5)
    clock.reg_write("HFCLKSRC", 1)              # HFXO
    clock.reg_write("INTENSET", 1)
    clock.reg_write("TASKS_HFCLKSTART", 1)
    assert clock.reg_read("EVENTS_HFCLKSTARTED") == 1 and host.irqs[5]
    assert clock.reg_read("HFCLKSTAT") == (1 << 16) | 1 and clock.reg_read("HFCLKRUN") == 1
    clock.reg_write("EVENTS_HFCLKSTARTED", 0)
    assert not host.irqs[5]


# ---- CACHE and NVMC ---------------------------------------------------------------------------
def test_cache_enable_is_what_the_nvmc_reports_and_is_told_to_the_host():
    host = NullHost()
    cache, _ = make("cache.nrf53_cache", 0x50001000, host=host)
    clock, _ = make("clock.nrf53_clock", 0x50005000, host=host)
    nvmc, _ = make("flash.nrf53_nvmc", 0x50039000, host=host)
    host.peripherals = {"cache": cache, "clock": clock}
    assert not nvmc.icache and not nvmc.dcache and nvmc.prefetch is False
    cache.reg_write("ENABLE", 1)
    assert nvmc.icache and nvmc.dcache
    assert host.flash_changes == [(True, True)]      # switched on: empty
    cache.reg_write("MODE", 1)                          # RAM mode: nothing cached
    assert not nvmc.icache
    cache.reg_write("MODE", 0)
    cache.reg_write("INVALIDATE", 1)
    assert host.flash_changes[-1] == (True, True)
    assert nvmc.reg_read("READY") == 1 and nvmc.latency == 0   # no platform: no table


def test_nvmc_latency_follows_the_soc_tables_clock():
    from tinysim.platform import load_platform

    host = NullHost()
    host.platform = load_platform("nrf5340-dk")
    clock, _ = make("clock.nrf53_clock", 0x50005000, host=host)
    nvmc, _ = make("flash.nrf53_nvmc", 0x50039000, host=host)
    host.peripherals = {"clock": clock}
    assert nvmc.latency == host.platform.flash.wait_states(64e6, "normal")
    clock.reg_write("HFCLKCTRL", 0)
    assert nvmc.latency == host.platform.flash.wait_states(128e6, "normal")


# ---- REGULATORS and GPIO ----------------------------------------------------------------------
def test_regulators_store_the_dcdc_enable():
    reg, host = make("power.nrf53_regulators", 0x50004000, name="regulators")
    assert not reg.dcdc_main
    reg.reg_write("VREGMAIN_DCDCEN", 1)
    assert reg.dcdc_main and reg.reg_read("MAINREGSTATUS") == 0
    reg.reg_write("SYSTEMOFF", 1)
    assert host.unmodelled_log == [("regulators", "SYSTEMOFF", "write")]


def test_gpio_outset_drives_a_pin_and_pin_cnf_sets_its_direction():
    gpio, host = make("gpio.nrf_gpio", 0x50842500, 0x300, name="p0")
    driven = []
    host.pin_driven = lambda p, pin, level: driven.append((pin, level))
    assert gpio.get("PIN_CNF20") == 2 and gpio.reg_read("DIR") == 0
    gpio.reg_write("OUTSET", 1 << 20)                   # not an output yet: no pin change
    gpio.reg_write("PIN_CNF20", 1)                      # DIR = output
    assert gpio.reg_read("DIR") == 1 << 20 and gpio.reg_read("IN") & (1 << 20)
    gpio.reg_write("OUTCLR", 1 << 20)
    assert driven == [("P0.20", 0)] and not gpio.reg_read("IN") & (1 << 20)
    gpio.reg_write("PIN_CNF22", 3 << 2)                 # input with pull-up
    assert gpio.reg_read("IN") & (1 << 22)
    gpio.reg_write("DIRSET", 1 << 5)
    assert gpio.get("PIN_CNF5") & 1


def test_gpio_p1_has_sixteen_pins():
    gpio, _ = make("gpio.nrf_gpio", 0x50842800, 0x300, pins=16)
    gpio.reg_write("OUT", 0xFFFFFFFF)
    assert gpio.reg_read("OUT") == 0xFFFF
