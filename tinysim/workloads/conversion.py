"""Input conversions: how the `db` bytes of one inference become the model's int8 input tensor.

Each conversion exists twice, once here (numpy, for the TFLite interpreter and the host side)
and once in the firmware's `th_load_tensor` (tinysim/firmware/harness/th_workload.c), and the two
must agree bit for bit. A workload names its conversion in its registry entry; the compiler writes
the matching `TS_INPUT_CONVERSION` value into the generated model.h, so the firmware picks the
conversion without knowing any workload id. A new workload whose bytes arrive in one of these
forms needs no C change; a new form needs a conversion here and a case in th_load_tensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from tinysim.errors import ModelError
from tinysim.registry import Registry

Quant = Optional[tuple[float, int]]  # the model input's (scale, zero_point)


@dataclass(frozen=True)
class Conversion:
    name: str
    c_value: int  # TS_INPUT_CONVERSION in model.h (th_workload.c's enum input_kind)
    bytes_per_element: int  # `db` bytes per model input element
    to_tensor: Callable[[bytes, Quant], np.ndarray]  # flat int8 array
    random_payload: Callable[[np.random.Generator, int, Quant], bytes]  # (rng, payload bytes, quant)
    needs_quant: bool = False  # True: to_tensor needs the model input's (scale, zero_point)


CONVERSIONS: Registry[Conversion] = Registry("input conversion")


def _random_bytes(rng: np.random.Generator, n: int, quant: Quant) -> bytes:
    """Uniform random bytes (int8 codes / uint8 pixels)."""
    return rng.integers(0, 256, n, dtype=np.uint8).tobytes()


def _int8_copy(window: bytes, quant: Quant) -> np.ndarray:
    """The bytes are already int8 codes (KWS: MFCCs quantized by the host)."""
    return np.frombuffer(window, np.int8).copy()


def _uint8_minus_128(window: bytes, quant: Quant) -> np.ndarray:
    """uint8 pixel - 128 (exact for models whose input zero point is -128: VWW, IC)."""
    return (np.frombuffer(window, np.uint8).astype(np.int16) - 128).astype(np.int8)


def _float32_quantize(window: bytes, quant: Quant) -> np.ndarray:
    """float32 LE quantized with the model input (scale, zero_point) as round(x / scale) + zp,
    clamped to int8 (the AD reference's QuantizeFloatToInt8; round half away from zero like C's
    roundf)."""
    if quant is None:
        raise ModelError("a float32 input needs the model's input (scale, zero_point) to quantize floats")
    scale, zero_point = quant
    values = np.frombuffer(window, "<f4")
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ModelError(f"float32 input value {bad} is {values[bad]}: NaN and infinity cannot be "
                         "quantized; give finite values")
    # value / scale in single precision, as the C helper divides two floats.
    x = (np.frombuffer(window, "<f4") / np.float32(scale)).astype(np.float64)
    q = np.sign(x) * np.floor(np.abs(x) + 0.5) + int(zero_point)
    return np.clip(q, -128, 127).astype(np.int8)


def _random_floats(rng: np.random.Generator, n_bytes: int, quant: Quant) -> bytes:
    """Finite float32 (random bytes could be NaN). With the model's input (scale, zero_point) the
    values span its whole representable range plus 5% either side, so the firmware's saturating
    quantization is exercised too; without it, a unit normal."""
    n = n_bytes // 4
    if quant is None:
        return rng.normal(0.0, 1.0, n).astype("<f4").tobytes()
    scale, zp = quant
    lo, hi = (-128 - zp) * scale, (127 - zp) * scale
    margin = 0.05 * (hi - lo)
    return rng.uniform(lo - margin, hi + margin, n).astype("<f4").tobytes()


# c_value must match `enum input_kind` in tinysim/firmware/harness/th_workload.c.
CONVERSIONS.add("int8", Conversion("int8", 0, 1, _int8_copy, _random_bytes))
CONVERSIONS.add("uint8_minus_128", Conversion("uint8_minus_128", 1, 1, _uint8_minus_128, _random_bytes))
CONVERSIONS.add("float32_quantize", Conversion("float32_quantize", 2, 4, _float32_quantize,
                                               _random_floats, needs_quant=True))
