/*
 * nRF5340 DK board port, application core: HFCLK from the DK's 32 MHz crystal (HFXO), core clock
 * 128 MHz (CLOCK HFCLKCTRL = Div1), main regulator on DC/DC, the instruction/data CACHE on,
 * UARTE0 console on the interface MCU's virtual COM port (VCOM0). The 64-bit DWT time base,
 * SysTick, the RX byte queue with the WFI getc are the Cortex-M boards' shared part
 * (platforms/common/cortex_m_board.c). Register names and offsets: nrf5340_regs.h (nRF5340 PS).
 * Runs in the Secure state.
 *
 * The UARTE moves bytes by EasyDMA: TX starts a 1-byte transfer per character (the next waits
 * for the previous one's ENDTX); RX runs 1-byte transfers back to back (SHORTS ENDRX_STARTRX)
 * into two bytes used in turn, and the ENDRX interrupt queues each received byte.
 */
#include "board_config.h" /* generated from nrf5340-dk.toml + nrf5340.toml at build time */
#include "nrf5340_regs.h"
#include "cortex_m_board.h"   /* time base, SysTick, getc: platforms/common/cortex_m_board.c */
#include "cortex_m_startup.h" /* Console_IRQHandler: the console vector */

#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz: 128 MHz */
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */

_Static_assert(SYSCLK_HZ == 128000000u || SYSCLK_HZ == 64000000u,
               "the application core runs at 128 MHz (HFCLKCTRL Div1) or 64 MHz (Div2)");
_Static_assert(UARTE_BAUDRATE_FOR(CONSOLE_BAUD) != 0u, "[console] baud is not in the UARTE BAUDRATE table");

/* nRF5340 DK virtual COM port VCOM0 (the interface MCU's UART): P0.20 TXD, P0.22 RXD, P0.19 RTS,
 * P0.21 CTS (nRF5340 DK user guide "Virtual serial ports", recalled; the same pins as Zephyr's
 * nrf5340dk cpuapp uart0). Flow control is not used. */
#define CONSOLE_TX_PIN 20u
#define CONSOLE_RX_PIN 22u

static volatile uint8_t s_rx_byte[2]; /* the RX transfers write these in turn */
static volatile uint32_t s_rx_turn;   /* which one the running transfer writes */
static volatile uint8_t s_tx_byte;    /* the byte of the TX transfer in flight */
static volatile uint32_t s_tx_busy;   /* a TX transfer was started and its ENDTX not yet seen */

/* PS CLOCK: the HFXO starts on TASKS_HFCLKSTART with HFCLKSRC = HFXO (EVENTS_HFCLKSTARTED when it
 * runs); HCLK128M is divided by HFCLKCTRL.HCLK (reset Div2 = 64 MHz). The UARTE's baud generator
 * runs from the 16 MHz peripheral clock, not HCLK, so the switch does not touch the console. */
static void clock_init(void)
{
    REGULATORS_VREGMAIN_DCDCEN = 1u; /* PS REGULATORS: main regulator on DC/DC (the DK has the coil) */

    CLOCK_HFCLKSRC = CLOCK_HFCLKSRC_HFXO;
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }
    CLOCK_EVENTS_HFCLKSTARTED = 0u;

    CLOCK_HFCLKCTRL = (SYSCLK_HZ == 128000000u) ? CLOCK_HFCLKCTRL_HCLK_DIV1 : CLOCK_HFCLKCTRL_HCLK_DIV2;
}

/* PS CACHE: ENABLE = 1 turns on the instruction/data cache in front of flash (off after reset). */
static void cache_init(void)
{
    CACHE_INVALIDATE = 1u;
    CACHE_ENABLE = 1u;
}

/* PS UARTE: PSEL, BAUDRATE, CONFIG (8N1, no flow control), ENABLE = 8; the receiver is started
 * once and keeps itself running through the ENDRX -> STARTRX short. RXD.PTR is double-buffered:
 * once RXSTARTED is raised the next transfer's buffer can be written. */
static void console_init(void)
{
    P0_OUTSET = 1u << CONSOLE_TX_PIN; /* TX idles high */
    P0_PIN_CNF(CONSOLE_TX_PIN) = GPIO_PIN_CNF_OUTPUT;
    P0_PIN_CNF(CONSOLE_RX_PIN) = GPIO_PIN_CNF_INPUT_CONNECT | GPIO_PIN_CNF_PULLUP;

    UARTE0_PSEL_TXD = UARTE_PSEL(0u, CONSOLE_TX_PIN);
    UARTE0_PSEL_RXD = UARTE_PSEL(0u, CONSOLE_RX_PIN);
    UARTE0_PSEL_RTS = UARTE_PSEL_DISCONNECTED;
    UARTE0_PSEL_CTS = UARTE_PSEL_DISCONNECTED;
    UARTE0_BAUDRATE = UARTE_BAUDRATE_FOR(CONSOLE_BAUD);
    UARTE0_CONFIG = 0u;
    UARTE0_ENABLE = UARTE_ENABLE_ENABLED;

    s_rx_turn = 0u;
    UARTE0_RXD_PTR = (uint32_t)(uintptr_t)&s_rx_byte[0];
    UARTE0_RXD_MAXCNT = 1u;
    UARTE0_SHORTS = UARTE_SHORTS_ENDRX_STARTRX;
    UARTE0_EVENTS_RXSTARTED = 0u;
    UARTE0_TASKS_STARTRX = 1u;
    while (UARTE0_EVENTS_RXSTARTED == 0u) {
    }
    UARTE0_EVENTS_RXSTARTED = 0u;
    UARTE0_RXD_PTR = (uint32_t)(uintptr_t)&s_rx_byte[1]; /* the buffer of the transfer after it */

    UARTE0_INTENSET = UARTE_INT_ENDRX | UARTE_INT_ERROR;
    NVIC_IPR8(UARTE0_IRQN) = 0x80u;
    NVIC_ISER(UARTE0_IRQN / 32u) = 1u << (UARTE0_IRQN % 32u);
}

/* ENDRX: the transfer into s_rx_byte[turn] is complete, and the short has started the next one
 * into the other byte; point RXD.PTR back at this one for the transfer after that. */
void Console_IRQHandler(void)
{
    if (UARTE0_EVENTS_ERROR) {
        UARTE0_EVENTS_ERROR = 0u;
        UARTE0_ERRORSRC = UARTE0_ERRORSRC; /* write 1 to clear */
    }
    if (UARTE0_EVENTS_ENDRX) {
        UARTE0_EVENTS_ENDRX = 0u;
        uint32_t turn = s_rx_turn;
        cortex_m_console_rx(s_rx_byte[turn]);
        s_rx_turn = turn ^ 1u;
        while (UARTE0_EVENTS_RXSTARTED == 0u) {
        }
        UARTE0_EVENTS_RXSTARTED = 0u;
        UARTE0_RXD_PTR = (uint32_t)(uintptr_t)&s_rx_byte[turn];
    }
}

void board_init(void)
{
    clock_init();
    cache_init();
    cortex_m_cycle_counter_start();
    console_init();
    cortex_m_ticks_start();
}

static void tx_wait(void)
{
    if (s_tx_busy) {
        while (UARTE0_EVENTS_ENDTX == 0u) {
        }
        s_tx_busy = 0u;
    }
}

void board_putc(char c)
{
    tx_wait(); /* the previous character has left: its buffer and the transmitter are free */
    s_tx_byte = (uint8_t)c;
    UARTE0_EVENTS_ENDTX = 0u;
    UARTE0_TXD_PTR = (uint32_t)(uintptr_t)&s_tx_byte;
    UARTE0_TXD_MAXCNT = 1u;
    UARTE0_TASKS_STARTTX = 1u;
    s_tx_busy = 1u;
}

void board_halt(void)
{
    tx_wait(); /* ENDTX: the last byte has left the pin */
    for (;;) {
        __asm volatile("bkpt #0");
    }
}
