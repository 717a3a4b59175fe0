"""Serial lines at their baud rate in device time (issue 10): one character per 10 bit times on
RX and TX, overrun when a byte is not read in time, and a spinning core that skips to the next
change of the line. The models alone, with a NullHost clock standing in for the core."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost

CLOCK = 120_000_000
BAUD = 115_200
CHAR = round(10 * CLOCK / BAUD)  # core cycles per 8N1 character

# LPUART CR1 / ISR bits (RM0432 section 53.7)
UE, RE, TE, RXNEIE = 1, 1 << 2, 1 << 3, 1 << 5
ORE, RXNE, TC, TXE = 1 << 3, 1 << 5, 1 << 6, 1 << 7


def lpuart(kernel_hz=16_000_000):
    host = NullHost()
    host.clock = CLOCK
    u = model_class("uart.stm32_lpuart")("lpuart1", 0x40008000, 0x400, 70,
                                         {"kernel_clock_hz": kernel_hz}, host=host)
    u.reg_write("BRR", round(256 * kernel_hz / BAUD))
    u.reg_write("CR1", UE | RE | TE)
    return u, host


def poll_until(u, host, bit, step=8, limit=10**9):
    """A firmware's tight status loop: read ISR every `step` cycles until `bit` sets."""
    polls = 0
    while not u.reg_read("ISR") & bit:
        host.cycles += step
        polls += 1
        assert host.cycles < limit, "flag never set"
    return polls


def test_transmit_of_n_bytes_takes_n_character_times():
    u, host = lpuart()
    n = 50
    for i in range(n):
        poll_until(u, host, TXE)
        u.reg_write("TDR", 0x41 + i % 26)
    poll_until(u, host, TC)
    assert len(host.tx) == n
    expected = n * 10 / BAUD * CLOCK
    # Within a few poll steps of N x 10 / baud (BRR rounds the baud rate by < 0.01%).
    assert abs(host.cycles - expected) <= expected * 1e-4 + 64, (host.cycles, expected)


def test_a_spinning_poll_skips_to_the_change_instead_of_emulating_it():
    u, host = lpuart()
    u.reg_write("TDR", 0x41)
    u.reg_write("TDR", 0x42)  # waits in the holding register: TXE clear
    assert not u.reg_read("ISR") & TXE
    polls = poll_until(u, host, TXE)
    assert polls < 10  # not the ~1300 polls of 8 cycles one character time takes
    assert host.cycles >= CHAR * 0.999


def test_rx_bytes_land_one_character_time_apart():
    u, host = lpuart()
    u.inject(b"ab")
    assert not u.reg_read("ISR") & RXNE  # nothing has arrived yet
    host.cycles = CHAR - 100
    assert not u.read(0x1C, 4) & RXNE
    host.cycles = CHAR + 10
    assert u.reg_read("ISR") & RXNE and u.reg_read("RDR") == ord("a")
    assert not u.reg_read("ISR") & RXNE
    host.cycles = 2 * CHAR + 10
    assert u.reg_read("RDR") == ord("b")
    assert not u.reg_read("ISR") & ORE


def test_an_unread_byte_is_overrun_by_the_next():
    u, host = lpuart()
    u.inject(b"xyz")
    host.cycles = 3 * CHAR + 10  # three characters landed, none read
    isr = u.reg_read("ISR")
    assert isr & ORE and isr & RXNE
    assert u.reg_read("RDR") == ord("x")  # RDR keeps the first; the shift register lost y and z
    assert u.overruns == 2
    u.reg_write("ICR", ORE)  # ORECF
    assert not u.reg_read("ISR") & ORE


def test_rx_interrupt_raised_at_the_landing_time():
    u, host = lpuart()
    u.reg_write("CR1", UE | RE | TE | RXNEIE)
    u.inject(b"q")
    assert host.irqs.get(70) is False
    due = u.next_event(host.cycles)
    assert due == CHAR
    host.cycles = due
    u.tick(due)
    assert host.irqs[70] is True


def test_bytes_sent_before_the_receiver_runs_wait_on_the_wire():
    host = NullHost()
    host.clock = CLOCK
    u = model_class("uart.stm32_lpuart")("lpuart1", 0x40008000, 0x400, 70,
                                         {"kernel_clock_hz": 16_000_000}, host=host)
    u.inject(b"hey")  # before the firmware set a baud rate: the line is not running
    host.cycles = 10_000_000
    u.reg_write("BRR", round(256 * 16_000_000 / BAUD))
    u.reg_write("CR1", UE | RE | TE)
    got = []
    for _ in range(3):
        poll_until(u, host, RXNE)
        got.append(u.reg_read("RDR"))
    assert bytes(got) == b"hey" and not u.reg_read("ISR") & ORE


def test_usart_divider_and_oversampling_by_8():
    host = NullHost()
    host.clock = CLOCK
    u = model_class("uart.stm32_lpuart")("usart1", 0x40013800, 0x400, 37,
                                         {"kernel_clock_hz": 120_000_000, "divider": "usart"}, host=host)
    u.reg_write("BRR", 120_000_000 // 921_600)  # OVER8 = 0: baud = f_ck / BRR
    assert u.baud() == 120_000_000 / 130
    usartdiv = round(2 * 120_000_000 / 921_600)  # OVER8 = 1: BRR[2:0] = USARTDIV[3:0] >> 1
    u.reg_write("CR1", 1 << 15)
    u.reg_write("BRR", (usartdiv & ~0xF) | ((usartdiv & 0xF) >> 1))
    assert abs(u.baud() - 921_600) / 921_600 < 2e-3


def test_gd32_usart_paced_with_overrun():
    host = NullHost()
    host.clock = 108_000_000
    u = model_class("uart.stm32f1_usart")("usart0", 0x40013800, 0x400, 56, {}, host=host)
    u.reg_write("BAUD", round(108_000_000 / BAUD))
    u.reg_write("CTL0", (1 << 13) | (1 << 3) | (1 << 2))
    u.inject(b"12")
    host.cycles = 3 * round(10 * 108_000_000 / BAUD)
    stat = u.reg_read("STAT")
    assert stat & (1 << 3) and stat & (1 << 5)  # ORERR, RBNE
    assert u.reg_read("DATA") == ord("1")
    assert not u.reg_read("STAT") & (1 << 3)  # STAT then DATA cleared ORERR


def test_a_dma_block_queues_every_byte_and_keeps_the_pacing():
    u, host = lpuart()  # tx_fifo = 1: a data-register write could not queue more than one byte
    first_out = u.transmit_block(bytes(range(20)))
    assert bytes(host.tx) == bytes(range(20)) and first_out == CHAR
    assert u.tx_idle_at() == 20 * CHAR
    host.cycles = 18 * CHAR + 1  # byte 19 has gone to the shift register, byte 20 waits
    isr = u.reg_read("ISR")
    assert not isr & TXE and not isr & TC
    host.cycles = 19 * CHAR + 1  # the last byte is in the shift register: TXE, not yet TC
    isr = u.reg_read("ISR")
    assert isr & TXE and not isr & TC
    host.cycles = 20 * CHAR + 1
    assert u.reg_read("ISR") & TC


def test_a_dma_block_behind_a_busy_shift_register_starts_when_it_frees():
    u, host = lpuart()
    u.reg_write("TDR", 0x41)  # one character on the line
    assert u.transmit_block(b"xy") == 2 * CHAR  # x leaves one character after the A
    assert u.tx_idle_at() == 3 * CHAR
