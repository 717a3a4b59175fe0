"""Bit-exactness of the firmware's int8 outputs against the TFLite reference interpreter.

Host side only: the firmware's `m-results-raw-[...]` outputs (from any DUT, emulated or real) are
compared with the interpreter fed the tensor the firmware's `th_load_tensor` makes of the same
`db` bytes. The interpreter wrapper itself is the compiler's (tinysim.compiler.interp).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np

from ..compiler.interp import make_interpreter
from ..errors import ModelError, TinysimError
from . import datasets


def tflite_interpreter(model_path: Path):
    """TFLite's reference kernels (BUILTIN_REF, the arithmetic TFLite Micro runs) for
    `model_path`, or None when no interpreter package is installed. The default resolver's
    optimized kernels (XNNPACK) may differ in the last bit, so they are not the reference."""
    try:
        return make_interpreter(model_path, reference=True)
    except ModelError as err:
        if "no TFLite interpreter" in str(err):
            return None
        raise
    except (ValueError, RuntimeError) as err:
        raise TinysimError(f"{model_path}: the TFLite interpreter cannot load it ({err})") from None


def tflite_int8_outputs(interp, workload: str, window: bytes) -> np.ndarray:
    """The model's int8 output for one `db` payload, fed exactly as the firmware's th_load_tensor."""
    inp = interp.get_input_details()[0]
    scale, zp = inp["quantization"]
    tensor = datasets.input_to_model_tensor(workload, window, (scale, zp))
    interp.set_tensor(inp["index"], tensor.reshape(inp["shape"]).astype(inp["dtype"]))
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"]).reshape(-1).astype(np.int8)


def compare_with_tflite(workload: str, model_path: Optional[Path],
                        cases: Sequence[Tuple[str, bytes, Optional[Sequence[int]]]]
                        ) -> Tuple[Optional[bool], str]:
    """(bit_exact, reason) for (name, input bytes, firmware int8 outputs) cases.

    None with a reason when nothing can be compared (no interpreter, no model file, firmware
    that prints no m-results-raw line)."""
    if model_path is None or not Path(model_path).is_file():
        return None, f"no TFLite model to compare with ({model_path or 'models/<workload>.tflite'} missing)"
    usable = [(n, d, r) for n, d, r in cases if r]
    if not usable:
        return None, "the firmware printed no m-results-raw-[...] line to compare"
    interp = tflite_interpreter(Path(model_path))
    if interp is None:
        return None, "no TFLite interpreter installed (pip install ai-edge-litert)"
    for name, data, raw in usable:
        want = tflite_int8_outputs(interp, workload, data)
        got = np.asarray(raw, dtype=np.int64)
        if got.shape != want.shape or not np.array_equal(got, want.astype(np.int64)):
            diff = int(np.count_nonzero(got != want)) if got.shape == want.shape else "shape"
            return False, (f"{name}: firmware output differs from the TFLite interpreter "
                           f"({diff} of {want.size} values; first firmware {got[:6].tolist()}, "
                           f"TFLite {want[:6].tolist()})")
    return True, f"{len(usable)} window input(s) identical to the TFLite interpreter ({Path(model_path).name})"
