"""What the Cortex-M MPU lets code do where: pure functions of the MPU's registers.

PMSAv7 (ARMv7-M: Cortex-M4, M7; ARM DDI 0403E.e B3.5): up to 16 regions of 2^(SIZE+1) bytes
(SIZE >= 4: 32 bytes up), size-aligned (the base's bits below the size are ignored, as the
region's address comparison does), each of 256 bytes or more split in eight subregions that
RASR.SRD can take out of it; where regions overlap the highest-numbered one decides
(B3.5.4). Access permissions from RASR.AP (table B3-15), execute-never from RASR.XN; an
instruction fetch also needs read permission (B3.5.9).

PMSAv8 (ARMv8-M: Cortex-M33; ARM DDI 0553 B3.10 "MPU"): regions [RBAR.BASE, RLAR.LIMIT + 31]
at 32-byte granularity; RBAR.AP (00 read/write privileged only, 01 read/write any, 10 read-only
privileged only, 11 read-only any) and RBAR.XN; an address in more than one enabled region
faults, whatever they allow. The region's memory attributes (MAIR) do not enter: they set
cacheability and ordering, not permissions (as QEMU's model reads them too; mpu.c checks a
Device region running code against it).

Both: with MPU_CTRL.ENABLE clear, or while the execution priority is below 0 (HardFault, NMI,
FAULTMASK) with HFNMIENA clear, the MPU checks nothing (`active`). An address in no region is
the background region: the default memory map for privileged code when PRIVDEFENA is set, a
fault otherwise. Accesses to the Private Peripheral Bus (0xE0000000-0xE00FFFFF) always use the
default memory map (B3.5.1). The default map's own execute-never regions are the engine's
concern (fault_status.execute_never), not these functions'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

READ, WRITE, EXEC = 1, 2, 4
ALL = READ | WRITE | EXEC
RW, RO = READ | WRITE, READ
SPACE = 1 << 32
PPB = (0xE0000000, 0xE0100000)
CTRL_ENABLE, CTRL_HFNMIENA, CTRL_PRIVDEFENA = 1, 2, 4

# PMSAv7 RASR.AP -> (privileged, unprivileged); 0b100 is reserved (UNPREDICTABLE): no access
_AP7 = {0: (0, 0), 1: (RW, 0), 2: (RW, RO), 3: (RW, RW), 4: (0, 0), 5: (RO, 0), 6: (RO, RO), 7: (RO, RO)}
# PMSAv8 RBAR.AP -> (privileged, unprivileged)
_AP8 = {0: (RW, 0), 1: (RW, RW), 2: (RO, 0), 3: (RO, RO)}


@dataclass(frozen=True)
class MpuConfig:
    """The registers that decide: MPU_CTRL, each region's RBAR and RASR (v7) or RLAR (v8)."""
    pmsa: int
    ctrl: int
    bars: Tuple[int, ...]
    attrs: Tuple[int, ...]

    @property
    def enabled(self) -> bool:
        return bool(self.ctrl & CTRL_ENABLE)


def active(config: MpuConfig, execution_priority: int) -> bool:
    """Whether the MPU checks accesses made at this execution priority."""
    return config.enabled and (execution_priority >= 0 or bool(config.ctrl & CTRL_HFNMIENA))


@dataclass(frozen=True)
class _Region:
    begin: int
    end: int
    privileged: int       # READ | WRITE allowed
    unprivileged: int
    xn: bool
    holes: Tuple[Tuple[int, int], ...] = ()   # disabled subregions (v7)

    def covers(self, addr: int) -> bool:
        return self.begin <= addr < self.end and not any(b <= addr < e for b, e in self.holes)

    def edges(self):
        yield self.begin
        yield self.end
        for b, e in self.holes:
            yield b
            yield e


def _regions(config: MpuConfig) -> List[_Region]:
    out = []
    for bar, attr in zip(config.bars, config.attrs):
        if not attr & 1:
            continue
        if config.pmsa == 7:
            size_field = (attr >> 1) & 0x1F
            if size_field < 4:
                continue  # below 32 bytes: UNPREDICTABLE (B3.5.9); no region here
            size = 1 << (size_field + 1)
            begin = bar & ~(size - 1) & 0xFFFFFFFF
            priv, unpriv = _AP7[(attr >> 24) & 7]
            holes = ()
            if size >= 256:
                srd, sub = (attr >> 8) & 0xFF, size // 8
                holes = tuple((begin + i * sub, begin + (i + 1) * sub) for i in range(8) if srd >> i & 1)
            out.append(_Region(begin, min(begin + size, SPACE), priv, unpriv, bool(attr >> 28 & 1), holes))
        else:
            begin, end = bar & ~0x1F, (attr & ~0x1F) + 0x20
            priv, unpriv = _AP8[(bar >> 1) & 3]
            if begin < end:
                out.append(_Region(begin, end, priv, unpriv, bool(bar & 1)))
    return out


def _allowed(config: MpuConfig, regions: List[_Region], addr: int, privileged: bool) -> int:
    if PPB[0] <= addr < PPB[1]:
        return ALL
    hits = [r for r in regions if r.covers(addr)]
    if not hits:
        return ALL if privileged and config.ctrl & CTRL_PRIVDEFENA else 0
    if config.pmsa == 8 and len(hits) > 1:
        return 0
    r = hits[-1]  # v7: the highest-numbered region decides
    perms = r.privileged if privileged else r.unprivileged
    return perms | (EXEC if perms & READ and not r.xn else 0)


def allowed(config: MpuConfig, addr: int, privileged: bool) -> int:
    """READ | WRITE | EXEC: what the enabled MPU lets code of this privilege do at `addr`."""
    return _allowed(config, _regions(config), addr & 0xFFFFFFFF, privileged)


def spans(config: MpuConfig, privileged: bool) -> List[Tuple[int, int, int]]:
    """[begin, end) spans covering the address space, each with what the enabled MPU allows
    there (READ | WRITE | EXEC), neighbours with the same permissions merged."""
    regions = _regions(config)
    edges = sorted({0, SPACE, *PPB, *(e for r in regions for e in r.edges() if 0 <= e <= SPACE)})
    out: List[Tuple[int, int, int]] = []
    for begin, end in zip(edges, edges[1:]):
        perms = _allowed(config, regions, begin, privileged)
        if out and out[-1][2] == perms and out[-1][1] == begin:
            out[-1] = (out[-1][0], end, perms)
        else:
            out.append((begin, end, perms))
    return out


def denied(config: MpuConfig, privileged: bool) -> List[Tuple[int, int, int]]:
    """The spans where the enabled MPU refuses something: (begin, end, READ | WRITE | EXEC refused)."""
    return [(b, e, ALL & ~p) for b, e, p in spans(config, privileged) if p != ALL]
