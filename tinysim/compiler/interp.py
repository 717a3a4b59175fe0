"""The TFLite interpreter the kernels are checked against.

`ai_edge_litert` if installed, else `tensorflow.lite`. The reference op
resolver (BUILTIN_REF) selects TFLite's reference kernels, the arithmetic
TFLite Micro runs on microcontrollers; the default resolver's optimized
kernels are allowed to differ (e.g. int8 softmax there uses a float lookup
table).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinysim.errors import ModelError


def _interpreter_module():
    try:
        from ai_edge_litert import interpreter as mod
        return mod.Interpreter, mod.OpResolverType
    except ImportError:
        pass
    try:
        import tensorflow as tf
        return tf.lite.Interpreter, tf.lite.experimental.OpResolverType
    except ImportError as exc:
        raise ModelError("no TFLite interpreter: install ai-edge-litert or tensorflow") from exc


def make_interpreter(tflite_path, reference: bool = True, preserve_all: bool = False):
    Interpreter, OpResolverType = _interpreter_module()
    kind = OpResolverType.BUILTIN_REF if reference else OpResolverType.BUILTIN
    it = Interpreter(model_path=str(Path(tflite_path)), experimental_op_resolver_type=kind,
                     experimental_preserve_all_tensors=preserve_all, num_threads=1)
    it.allocate_tensors()
    return it


def run_interpreter(tflite_path, inputs: np.ndarray, reference: bool = True) -> np.ndarray:
    """inputs [n, ...] int8 -> outputs [n, output_size] int8."""
    it = make_interpreter(tflite_path, reference)
    inp, outp = it.get_input_details()[0], it.get_output_details()[0]
    results = []
    for x in np.asarray(inputs, np.int8).reshape(-1, int(np.prod(inp["shape"]))):
        it.set_tensor(inp["index"], x.reshape(inp["shape"]))
        it.invoke()
        results.append(it.get_tensor(outp["index"]).reshape(-1).copy())
    return np.stack(results)
