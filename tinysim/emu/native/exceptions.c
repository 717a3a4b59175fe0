/* ARMv7-M exception entry and return for the Cortex-M engine (tinysim/emu/exception_frames.py).
 *
 * Unicorn has no M-profile exception model usable here, so tinysim stacks and unstacks the frame
 * itself (tinysim/emu/cortex_m.py, CortexMMachine._enter / _return).  Done from Python that is
 * some 30 uc_reg_read / uc_reg_write calls through the binding per exception; a firmware taking
 * an interrupt per received character spends most of its wall time there.  These two functions
 * do the same register and memory work in one call; which exception, arbitration, tail-chaining
 * and the NVIC state stay in Python.  They follow the Python version operation for operation
 * (same registers in the same order), so both give the same machine state: ARM DDI 0403E.e
 * B1.5.6 (PushStack, ExceptionTaken) and B1.5.8 (ExceptionReturn, PopStack), with the rules the
 * Python docstrings give (GE bits through APSR_NZCVQG, EPSR.T set in the stacked xPSR, xPSR bit 9
 * for the 8-byte alignment pad, the extended frame when CONTROL.FPCA is set, FPCAR under
 * FPCCR.LSPEN).
 *
 * Unicorn entry points and register ids come from Python (ts_exc_api) so this file neither links
 * against libunicorn nor hard-codes its register numbering.
 */
#include <stdint.h>

typedef int (*ts_reg_rw_fn)(void *uc, int regid, void *value);
typedef int (*ts_mem_read_fn)(void *uc, uint64_t addr, void *bytes, uint64_t size);
typedef int (*ts_mem_write_fn)(void *uc, uint64_t addr, const void *bytes, uint64_t size);

/* Register ids, in this order (filled by Python from unicorn.arm_const). */
enum {
    R_R0, R_R1, R_R2, R_R3, R_R12, R_LR, R_PC, R_XPSR, /* the basic frame, in stacking order */
    R_SP, R_MSP, R_PSP, R_CONTROL, R_FPSCR, R_APSR_NZCVQG,
    R_S0, /* S0..S15 follow */
    R_COUNT = R_S0 + 16
};

typedef struct {
    ts_reg_rw_fn reg_read;
    ts_reg_rw_fn reg_write;
    ts_mem_read_fn mem_read;
    ts_mem_write_fn mem_write;
    const uint64_t *memories; /* [begin, end) pairs: where a stack frame may be */
    uint32_t n_memories;
    int32_t reg[R_COUNT];
} ts_exc_api;

/* Results: ts_exc_enter / ts_exc_return return one of these. */
enum {
    TS_EXC_OK = 0,
    TS_EXC_BAD_FRAME = 1,    /* entry: the frame is outside every memory (nothing else changed) */
    TS_EXC_VECTOR_READ = 2,  /* entry: registers set, the vector could not be read */
    TS_EXC_FRAME_READ = 3,   /* return: the frame could not be read (nothing changed) */
};

#define EPSR_T (1u << 24)
#define XPSR_ALIGN (1u << 9)
#define APSR_BITS 0xF80F0000u
#define FPCCR_ASPEN (1u << 31)
#define FPCCR_LSPEN (1u << 30)
#define CONTROL_NPRIV 1u
#define CONTROL_SPSEL 2u
#define CONTROL_FPCA 4u

static inline uint32_t rd(const ts_exc_api *a, void *uc, int r)
{
    uint32_t v = 0;
    a->reg_read(uc, a->reg[r], &v);
    return v;
}

static inline void wr(const ts_exc_api *a, void *uc, int r, uint32_t v)
{
    a->reg_write(uc, a->reg[r], &v);
}

static int in_memory(const ts_exc_api *a, uint64_t addr)
{
    for (uint32_t i = 0; i < a->n_memories; i++)
        if (addr >= a->memories[2 * i] && addr < a->memories[2 * i + 1])
            return 1;
    return 0;
}

/* The handler starts: LR = EXC_RETURN, IPSR = exc (T set), PC = its vector. */
static int start_handler(const ts_exc_api *a, void *uc, uint32_t exc, uint32_t exc_return,
                         uint32_t vector_base)
{
    wr(a, uc, R_LR, exc_return);
    wr(a, uc, R_XPSR, 0x01000000u | exc);
    uint32_t vector;
    if (a->mem_read(uc, (uint64_t)vector_base + 4u * exc, &vector, 4) != 0)
        return TS_EXC_VECTOR_READ;
    wr(a, uc, R_PC, vector & ~1u);
    return TS_EXC_OK;
}

/* Exception entry (B1.5.6): stack the frame, switch to Handler mode on MSP, LR = EXC_RETURN,
 * IPSR = exc, PC = the vector at vector_base + 4 * exc.  `fpccr`: FPCCR (its ASPEN and LSPEN).
 * `limits`: ARMv8-M's MSPLIM and PSPLIM (0, 0: none to check).  A frame that would go below the
 * limit of its stack is not written and that stack pointer is set to the limit (ARMv8-M ARM
 * B3.20; pushes above the limit are IMPLEMENTATION DEFINED, and QEMU, like this, makes none):
 * out[2] bit 2, and the caller raises the STKOF UsageFault.  out[0] = frame address (the limit
 * then), out[1] = FPCAR to set (when out[2] bit 0), out[2] bit 1 = an extended (FP) frame. */
int ts_exc_enter(const ts_exc_api *a, void *uc, uint32_t exc, uint32_t vector_base, uint32_t fpccr,
                 const uint32_t *limits, uint32_t *out)
{
    uint32_t control = rd(a, uc, R_CONTROL);
    uint32_t xpsr = rd(a, uc, R_XPSR);
    int thread = (xpsr & 0x1FF) == 0;
    int use_psp = thread && (control & CONTROL_SPSEL);
    /* With FPCCR.ASPEN clear the core never sets CONTROL.FPCA (B3.2.23), so no FP context is
     * stacked; Unicorn, which keeps its own FPCCR with ASPEN set, sets FPCA at every FPU
     * instruction, so it is not trusted then (a FPCA the firmware sets itself is missed). */
    int fp = (control & CONTROL_FPCA) != 0 && (fpccr & FPCCR_ASPEN);
    int lspen = (fpccr & FPCCR_LSPEN) != 0;
    uint32_t words[26];
    for (int i = 0; i < 8; i++)
        words[i] = rd(a, uc, R_R0 + i);
    /* Unicorn's register reads and writes follow MRS and MSR's privilege rules: an unprivileged
     * Thread reads MSP and PSP as 0 and cannot write them (nor CONTROL), and in Handler mode a
     * CONTROL.SPSEL write is ignored. So an unprivileged Thread is made a privileged one for the
     * entry (nPRIV cleared from Handler mode, the only place that may), and nPRIV set again at
     * the end: it is the thread's, and Handler mode is privileged anyway. */
    uint32_t npriv = thread ? (control & CONTROL_NPRIV) : 0;
    if (npriv) {
        wr(a, uc, R_XPSR, (xpsr & ~0x1FFu) | exc);
        control &= ~CONTROL_NPRIV;
        wr(a, uc, R_CONTROL, control);
        wr(a, uc, R_XPSR, xpsr);
    }
    uint32_t sp = rd(a, uc, use_psp ? R_PSP : R_MSP);
    uint32_t size = fp ? 0x68 : 0x20;
    uint32_t frame = (sp - size) & ~7u;
    words[7] |= EPSR_T; /* Unicorn's xPSR leaves out T, which is 1 whenever code runs (B1.4.2) */
    if (sp & 4)
        words[7] |= XPSR_ALIGN;
    else
        words[7] &= ~XPSR_ALIGN;
    out[2] = fp ? 2u : 0u;
    if (fp) {
        for (int i = 0; i < 16; i++)
            words[8 + i] = rd(a, uc, R_S0 + i);
        words[24] = rd(a, uc, R_FPSCR);
        words[25] = 0;
        if (lspen) {
            out[1] = (frame + 0x20) & 0xFFFFFFF8u;
            out[2] |= 1u;
        }
    }
    uint32_t limit = limits[use_psp ? 1 : 0];
    if (frame < limit) {
        frame = limit;
        out[2] |= 4u;
    } else {
        /* little-endian host and target: the words are the frame's bytes */
        a->mem_write(uc, frame, words, size); /* a failure is reported below, as in Python */
    }
    out[0] = frame;
    if (!in_memory(a, frame))
        return TS_EXC_BAD_FRAME;
    uint32_t exc_return = fp ? 0xFFFFFFE1u : 0xFFFFFFF1u;
    if (thread)
        exc_return |= use_psp ? 0xCu : 0x8u;
    if (use_psp) {
        wr(a, uc, R_PSP, frame);
        wr(a, uc, R_CONTROL, control & ~(CONTROL_SPSEL | CONTROL_FPCA));
    } else {
        wr(a, uc, R_CONTROL, control & ~CONTROL_FPCA);
    }
    wr(a, uc, R_MSP, use_psp ? rd(a, uc, R_MSP) : frame);
    wr(a, uc, R_SP, rd(a, uc, R_MSP));
    int status = start_handler(a, uc, exc, exc_return, vector_base);
    if (npriv)
        wr(a, uc, R_CONTROL, rd(a, uc, R_CONTROL) | CONTROL_NPRIV);
    return status;
}

/* Tail-chaining (B1.5.8, Cortex-M4): the next exception runs on the same frame. */
int ts_exc_tail_chain(const ts_exc_api *a, void *uc, uint32_t exc, uint32_t exc_return, uint32_t vector_base)
{
    wr(a, uc, R_CONTROL, rd(a, uc, R_CONTROL) & ~CONTROL_FPCA);
    return start_handler(a, uc, exc, exc_return, vector_base);
}

/* Exception return (B1.5.8) with a valid EXC_RETURN (checked in Python): unstack the frame
 * from the stack EXC_RETURN names, restore the registers, xPSR and CONTROL.FPCA. */
int ts_exc_return(const ts_exc_api *a, void *uc, uint32_t exc_return)
{
    int to_thread = (exc_return & 0x8) != 0;
    int use_psp = (exc_return & 0x4) != 0;
    int fp = !(exc_return & 0x10);
    uint32_t sp = rd(a, uc, use_psp ? R_PSP : R_MSP);
    uint32_t size = fp ? 0x68 : 0x20;
    uint32_t words[8], fpw[18];
    if (a->mem_read(uc, sp, words, 0x20) != 0)
        return TS_EXC_FRAME_READ;
    if (fp) {
        if (a->mem_read(uc, (uint64_t)sp + 0x20, fpw, 0x48) != 0)
            return TS_EXC_FRAME_READ;
        for (int i = 0; i < 16; i++)
            wr(a, uc, R_S0 + i, fpw[i]);
        wr(a, uc, R_FPSCR, fpw[16]);
    }
    uint32_t new_sp = sp + size + ((words[7] & XPSR_ALIGN) ? 4 : 0);
    uint32_t control = rd(a, uc, R_CONTROL);
    control = fp ? (control | CONTROL_FPCA) : (control & ~CONTROL_FPCA);
    if (to_thread && use_psp)
        control |= CONTROL_SPSEL;
    /* Back to an unprivileged Thread: it returns as a privileged one, so that its CONTROL and
     * stack pointer writes are not ignored (see ts_exc_enter), and nPRIV is set again last. */
    uint32_t npriv = to_thread ? (control & CONTROL_NPRIV) : 0;
    if (npriv) {
        control &= ~CONTROL_NPRIV;
        wr(a, uc, R_CONTROL, rd(a, uc, R_CONTROL) & ~CONTROL_NPRIV);
    }
    /* IPSR and EPSR (T, ITSTATE) from xPSR first: in Handler mode a CONTROL.SPSEL write is
     * ignored (B5.2.3 MSR; so in Unicorn), and the return to a PSP thread would lose SPSEL and
     * write the process stack pointer into MSP. Unicorn 2.1.4 drops the GE bits of an XPSR
     * write, so the APSR (N Z C V Q GE) is written again through APSR_NZCVQG. Then CONTROL,
     * which in Thread mode swaps the banked SP as SPSEL says, then the stack pointer it selects. */
    wr(a, uc, R_XPSR, words[7] & ~XPSR_ALIGN);
    wr(a, uc, R_APSR_NZCVQG, words[7] & APSR_BITS);
    wr(a, uc, R_CONTROL, control);
    wr(a, uc, use_psp ? R_PSP : R_MSP, new_sp);
    for (int i = 0; i < 6; i++)
        wr(a, uc, R_R0 + i, words[i]);
    wr(a, uc, R_SP, new_sp);
    wr(a, uc, R_PC, words[6] & ~1u);
    if (npriv)
        wr(a, uc, R_CONTROL, control | CONTROL_NPRIV);
    return TS_EXC_OK;
}
