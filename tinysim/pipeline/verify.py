"""Bit-exactness of the emulated firmware against the TFLite interpreter.

Random inputs (seeded) go through the firmware over the DUT protocol exactly as the host runner
sends them (`db load`, `db <hex>`, `infer 1 0`); the firmware's raw int8 outputs
(`m-results-raw-[...]`) are compared with the TFLite reference interpreter fed the tensor the
firmware's `th_load_tensor` makes of the same bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np

from ..compiler.interp import make_interpreter
from ..errors import FirmwareError, ProtocolError
from ..harness.datasets import input_to_model_tensor, random_window
from ..harness.protocol import DutClient
from ..workloads import WORKLOADS
from .emulated_transport import EmulatedTransport


@dataclass
class Mismatch:
    input_index: int
    max_abs_diff: int
    firmware: List[int]
    reference: List[int]


@dataclass
class VerifyReport:
    model: str
    platform: str
    elf: str
    inputs: int
    seed: int
    mismatches: int = 0
    max_abs_diff: int = 0
    details: List[Mismatch] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["details"] = d["details"][:5]
        return d


def workload_of(model_id: str) -> Optional[str]:
    return model_id if model_id in WORKLOADS else None


def random_payload(workload: Optional[str], rng: np.random.Generator, input_size: int,
                   input_quant) -> bytes:
    """One random `db` payload: the workload's own format, or the raw int8 tensor for other models."""
    if workload is None:
        return rng.integers(0, 256, input_size, dtype=np.uint8).tobytes()
    return random_window(workload, rng, input_quant)


def model_tensor(workload: Optional[str], payload: bytes, input_quant) -> np.ndarray:
    if workload is None:                     # a model of the user's: bytes are the int8 tensor
        return np.frombuffer(payload, np.int8).copy()
    return input_to_model_tensor(workload, payload, input_quant)


def verify(model: Path, platform, elf: Path, inputs: int, seed: int = 0,
           progress: Optional[Callable[[int], None]] = None) -> VerifyReport:
    interp = make_interpreter(model)
    inp, outp = interp.get_input_details()[0], interp.get_output_details()[0]
    input_quant = tuple(inp["quantization"])
    input_size = int(np.prod(inp["shape"]))

    transport = EmulatedTransport(platform, elf)
    try:
        client = DutClient(transport)
        client.wait_ready()
        model_id = client.profile()
        workload = workload_of(model_id)
        report = VerifyReport(model=str(model), platform=platform.name, elf=str(elf), inputs=inputs, seed=seed)
        rng = np.random.default_rng(seed)
        for i in range(inputs):
            payload = random_payload(workload, rng, input_size, input_quant)
            tensor = model_tensor(workload, payload, input_quant)
            if tensor.size != input_size:   # the ELF was built from another model
                raise FirmwareError(
                    f"{elf}: the firmware runs model {model_id!r} (input of {tensor.size} values) but "
                    f"{model} takes {input_size} values; pass the --elf built from this model "
                    f"(`tinysim build --model {model} --platform {platform.name} -o OUT.elf`)")
            client.load(payload)
            result = client.infer(1, 0)
            if result.raw is None:
                raise ProtocolError(f"{elf}: the firmware printed no m-results-raw line; "
                                    "it cannot be checked bit for bit")
            interp.set_tensor(inp["index"], tensor.reshape(inp["shape"]))
            interp.invoke()
            ref = interp.get_tensor(outp["index"]).reshape(-1).astype(int)
            fw = np.asarray(result.raw, dtype=int)
            if fw.shape != ref.shape or not np.array_equal(fw, ref):
                diff = int(np.max(np.abs(fw - ref))) if fw.shape == ref.shape else 256
                report.mismatches += 1
                report.max_abs_diff = max(report.max_abs_diff, diff)
                report.details.append(Mismatch(i, diff, fw.tolist(), ref.tolist()))
            if progress:
                progress(i + 1)
        return report
    finally:
        transport.close()
