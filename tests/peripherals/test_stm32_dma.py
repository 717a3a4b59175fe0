"""DMA1 + DMAMUX1 alone (no CPU): memory to memory, memory to a UART paced by its transmitter,
a UART's received bytes to memory, flags and interrupts, transfer errors."""

from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.dma.stm32_dma import Stm32Dma
from tinysim.emu.peripherals.dma.stm32_dmamux import Stm32Dmamux
from tinysim.emu.peripherals.uart.stm32_lpuart import Stm32Lpuart

RAM = 0x2000_0000
IRQS = [11, 12, 13, 14, 15, 16, 17]
EN, TCIE, HTIE, DIR, CIRC, MINC, MEM2MEM = 1, 2, 4, 0x10, 0x20, 0x80, 1 << 14
UE, RE, TE = 1, 4, 8


def _system(clock=120e6):
    host = NullHost()
    host.clock = clock
    host.memory[RAM] = bytearray(4096)
    mux = Stm32Dmamux("dmamux1", 0x40020800, 0x400, None,
                      {"requests": {"34": "lpuart1:rx", "35": "lpuart1:tx"}}, host)
    dma = Stm32Dma("dma1", 0x40020000, 0x400, None, {"irqs": IRQS}, host)
    uart = Stm32Lpuart("lpuart1", 0x40008000, 0x400, 70, {"kernel_clock_hz": 16e6}, host)
    for p in (mux, dma, uart):
        host.devices[p.name] = p
    return host, mux, dma, uart


def test_reset_values_and_register_names():
    _, mux, dma, _ = _system()
    assert dma.reg_read("ISR") == 0 and dma.reg_read("CCR7") == 0 and dma.reg_read("CNDTR1") == 0
    assert mux.reg_read("C13CR") == 0 and mux.reg_read("RG3CR") == 0


def test_memory_to_memory_with_widths_and_interrupt():
    host, _, dma, _ = _system()
    host.memory[RAM][0:8] = bytes(range(1, 9))
    dma.reg_write("CPAR2", RAM)             # source (peripheral side, incrementing)
    dma.reg_write("CMAR2", RAM + 0x100)
    dma.reg_write("CNDTR2", 4)
    # 16-bit source, 32-bit destination: each half-word is zero-extended
    dma.reg_write("CCR2", MEM2MEM | (1 << 8) | (2 << 10) | 0x40 | MINC | TCIE | EN)
    assert host.memory[RAM][0x100:0x110] == bytes([1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0, 0, 7, 8, 0, 0])
    assert dma.reg_read("CNDTR2") == 0
    assert dma.reg_read("ISR") == (0x1 | 0x2 | 0x4) << 4      # GIF2 TCIF2 HTIF2
    assert host.irqs[12] is True
    dma.reg_write("IFCR", 1 << 4)                              # CGIF2 clears all of channel 2
    assert dma.reg_read("ISR") == 0 and host.irqs[12] is False


def test_memory_to_uart_is_paced_by_the_transmitter():
    host, mux, dma, uart = _system()
    uart.reg_write("BRR", 256 * 16_000_000 // 115200)
    uart.reg_write("CR3", 1 << 7)                               # DMAT
    uart.reg_write("CR1", UE | TE)
    host.memory[RAM][0:5] = b"hello"
    mux.reg_write("C0CR", 35)                                   # DMA1 channel 1 <- LPUART1_TX
    dma.reg_write("CPAR1", 0x40008028)                          # LPUART1_TDR
    dma.reg_write("CMAR1", RAM)
    dma.reg_write("CNDTR1", 5)
    dma.reg_write("CCR1", DIR | MINC | TCIE | EN)
    assert bytes(host.tx) == b"he"                             # shift register + holding register
    char = uart.char_cycles()
    assert char == round(10 * 120e6 / (256 * 16e6 / (256 * 16_000_000 // 115200)))
    for _ in range(10):
        due = dma.next_event(host.cycles)
        if due is None:
            break
        host.cycles = due
        uart.tick(due)
        dma.tick(due)
    assert bytes(host.tx) == b"hello"
    assert dma.reg_read("ISR") & 0x2 and host.irqs[11] is True
    assert host.cycles == 3 * char                              # the last byte entered the shift register


def test_uart_to_memory_and_circular_reload():
    host, mux, dma, uart = _system()
    uart.reg_write("CR3", 1 << 6)                               # DMAR (no baud: instantaneous line)
    uart.reg_write("CR1", UE | RE)
    mux.reg_write("C2CR", 34)                                   # DMA1 channel 3 <- LPUART1_RX
    dma.reg_write("CPAR3", 0x40008024)                          # LPUART1_RDR
    dma.reg_write("CMAR3", RAM + 0x40)
    dma.reg_write("CNDTR3", 4)
    dma.reg_write("CCR3", CIRC | MINC | TCIE | EN)
    assert dma.can_wake()
    uart.inject(b"abcdef")
    dma.tick(host.cycles)
    assert host.memory[RAM][0x40:0x44] == b"efcd"               # wrapped after 4 bytes
    assert dma.reg_read("CNDTR3") == 2 and dma.reg_read("ISR") & (0x2 << 8)


def test_a_bus_error_disables_the_channel_and_sets_teif():
    host, _, dma, _ = _system()
    dma.reg_write("CPAR1", 0x6000_0000)                         # nothing there
    dma.reg_write("CMAR1", RAM)
    dma.reg_write("CNDTR1", 2)
    dma.reg_write("CCR1", MEM2MEM | MINC | EN)
    assert dma.reg_read("ISR") & 0x9 == 0x9 and not dma.reg_read("CCR1") & EN
    assert dma.reg_read("CNDTR1") == 2


def test_a_request_without_a_model_is_reported():
    host, mux, dma, _ = _system()
    mux.reg_write("C0CR", 36)                                   # SAI1_A: not in the table
    dma.reg_write("CNDTR1", 1)
    dma.reg_write("CCR1", EN)
    assert any("request 36" in r for _, r, _ in host.unmodelled_log)
    assert dma.reg_read("CNDTR1") == 1


def test_memory_to_memory_with_circular_runs_one_pass_and_says_so():
    # RM0432: MEM2MEM and CIRC must not be set together; the model must not loop for ever
    host, _, dma, _ = _system()
    host.memory[RAM][0:4] = b"abcd"
    dma.reg_write("CPAR3", RAM)
    dma.reg_write("CMAR3", RAM + 0x200)
    dma.reg_write("CNDTR3", 4)
    dma.reg_write("CCR3", MEM2MEM | CIRC | 0x40 | MINC | EN)
    assert host.memory[RAM][0x200:0x204] == b"abcd"
    assert dma.reg_read("CCR3") & EN == 0 and dma.reg_read("CNDTR3") == 0
    assert any("CCR3" in str(u) and "CIRC" in str(u) for u in host.unmodelled_log)
