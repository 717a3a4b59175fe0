"""mpu_rules.py: what the PMSAv7 and PMSAv8 MPUs allow where, from register values (ARM DDI 0403
B3.5, DDI 0553 B3.10), and the scan for the instructions that change what the MPU checks."""

from tinysim.emu.mpu_enforce import thumb_mpu_state_writes
from tinysim.emu.mpu_rules import ALL, EXEC, READ, WRITE, MpuConfig, active, allowed, denied, spans

RW, RO = READ | WRITE, READ


def v7(ctrl, *regions):
    """regions: (base, log2 size, AP, XN, SRD); RASR built as B3.5.9 lays it out."""
    bars = tuple(b for b, *_ in regions)
    attrs = tuple(xn << 28 | ap << 24 | srd << 8 | (log2 - 1) << 1 | 1 for _b, log2, ap, xn, srd in regions)
    return MpuConfig(7, ctrl, bars, attrs)


def test_pmsav7_permissions_subregions_and_priority():
    c = v7(5, (0x20000000, 16, 3, 1, 0),            # region 0: 64 KiB read/write, XN
           (0x20000100, 8, 0, 1, 0b10),             # region 1: 256 B no access, subregion 1 out
           (0x20000140, 5, 6, 0, 0))                # region 2: 32 B read-only, executable
    assert allowed(c, 0x20000000, True) == RW
    assert allowed(c, 0x20000100, True) == 0
    assert allowed(c, 0x20000120, True) == RW       # the disabled subregion: region 0 decides
    assert allowed(c, 0x2000013F, False) == RW
    assert allowed(c, 0x20000140, False) == RO | EXEC   # the higher region wins over region 1
    assert allowed(c, 0x20000160, True) == 0
    assert allowed(c, 0x08000000, True) == ALL      # background, PRIVDEFENA
    assert allowed(c, 0x08000000, False) == 0       # no background for unprivileged code
    assert allowed(c, 0xE000ED00, False) == ALL     # the PPB: always the default map
    assert allowed(v7(1, (0x20000000, 16, 3, 1, 0)), 0x08000000, True) == 0   # PRIVDEFENA clear


def test_pmsav7_access_permission_table():
    want = {0: (0, 0), 1: (RW, 0), 2: (RW, RO), 3: (RW, RW), 5: (RO, 0), 6: (RO, RO), 7: (RO, RO)}
    for ap, (priv, unpriv) in want.items():
        c = v7(1, (0x1000, 12, ap, 1, 0))
        assert (allowed(c, 0x1000, True), allowed(c, 0x1000, False)) == (priv, unpriv), ap


def test_pmsav7_small_regions_and_unaligned_bases():
    assert allowed(v7(1, (0x1000, 4, 3, 0, 0)), 0x1000, True) == 0   # SIZE 3 (16 B): no region
    c = v7(1, (0x1010, 5, 3, 0, 0))                  # base below the size ignored: [0x1000, 0x1020)
    assert allowed(c, 0x1000, True) == ALL and allowed(c, 0x1020, True) == 0


def test_pmsav8_regions_overlaps_and_permissions():
    def region(base, end, ap, xn):
        return base | ap << 1 | xn, (end - 32) | 1
    r = [region(0x20000000, 0x20010000, 1, 1), region(0x20010000, 0x20010040, 0, 0),
         region(0x20010020, 0x20010060, 3, 0)]
    c = MpuConfig(8, 5, tuple(b for b, _ in r), tuple(a for _, a in r))
    assert allowed(c, 0x20000000, False) == RW
    assert allowed(c, 0x20010000, True) == RW | EXEC and allowed(c, 0x20010000, False) == 0
    assert allowed(c, 0x20010020, True) == 0        # in two regions: a fault, whatever they allow
    assert allowed(c, 0x20010040, False) == RO | EXEC
    assert allowed(c, 0x20010060, True) == ALL and allowed(c, 0x20010060, False) == 0


def test_spans_cover_the_space_and_denied_lists_refusals():
    c = v7(5, (0x20000000, 16, 3, 1, 0))
    s = spans(c, True)
    assert s[0][0] == 0 and s[-1][1] == 1 << 32
    assert all(a[1] == b[0] for a, b in zip(s, s[1:]))
    assert denied(c, True) == [(0x20000000, 0x20010000, EXEC)]
    assert (0x20000000, 0x20010000, EXEC) in denied(c, False)


def test_active_follows_enable_and_hfnmiena():
    assert not active(v7(0), 0)
    assert active(v7(1), 0) and not active(v7(1), -1) and active(v7(3), -1)


def test_scan_finds_the_instructions_that_change_what_the_mpu_checks():
    # encodings as arm-none-eabi-as gives them (-mcpu=cortex-m4)
    msr_control = bytes.fromhex("80f31488")   # msr CONTROL, r0
    msr_faultmask = bytes.fromhex("80f31388")
    msr_primask = bytes.fromhex("80f31088")
    cpsid_f, cpsie_f, cpsie_i = bytes.fromhex("71b6"), bytes.fromhex("61b6"), bytes.fromhex("62b6")
    nop = bytes.fromhex("00bf")
    code = nop + msr_control + cpsie_i + msr_primask + cpsid_f + msr_faultmask + cpsie_f
    assert thumb_mpu_state_writes(code) == [2, 12, 14, 18]
    assert thumb_mpu_state_writes(nop * 4) == []
