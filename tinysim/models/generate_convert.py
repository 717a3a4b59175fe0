"""Full-integer int8 post-training quantization, reference style (imports TensorFlow).

Settings as the mlcommons/tiny conversion scripts (research notes section 3): TFLITE_BUILTINS_INT8,
int8 input and output, per-channel weights for CONV_2D / DEPTHWISE_CONV_2D, per-tensor for
FULLY_CONNECTED, int32 biases, BatchNorm folded by the converter.

One graph fix-up: the reference files (converted with TF 2.3) keep Flatten as an explicit RESHAPE
in front of the classifier's FULLY_CONNECTED; current converters fold it into the FC (which
flattens its input itself). `restore_flatten_reshape` puts the RESHAPE back so our graphs have
the reference op set and tensor shapes. Numerically it changes nothing.
"""

from __future__ import annotations

import copy

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils


def quantize(model, calibration: np.ndarray) -> bytes:
    """Convert a batch-1 Keras model to an int8 .tflite, calibrated on `calibration` (N, ...)."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    # The reference quantizes FC weights per tensor (quantized_dimension 0, one scale).
    converter._experimental_disable_per_channel_quantization_for_dense_layers = True

    def representative():
        for sample in calibration:
            yield [sample[None, ...].astype(np.float32)]

    converter.representative_dataset = representative
    return bytes(restore_flatten_reshape(converter.convert()))


def _opcode_index(model, builtin: int) -> int:
    for i, code in enumerate(model.operatorCodes):
        if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin:
            return i
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = builtin
    code.version = 1
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


def restore_flatten_reshape(tflite_bytes: bytes) -> bytearray:
    """Insert RESHAPE [1,1,1,C] -> [1,C] before every FULLY_CONNECTED fed a rank-4 tensor."""
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(tflite_bytes))
    sg = model.subgraphs[0]
    fc = _opcode_index(model, schema.BuiltinOperator.FULLY_CONNECTED)
    new_ops = []
    for op in sg.operators:
        src = sg.tensors[op.inputs[0]] if op.opcodeIndex == fc else None
        if src is not None and len(src.shape) > 2:
            width = int(np.prod(src.shape[1:]))
            flat = copy.deepcopy(src)  # same type and quantization: RESHAPE is a pure copy
            flat.name = src.name + b"_flatten"
            flat.shape = np.array([1, width], np.int32)
            flat.shapeSignature = None
            model.buffers.append(schema.BufferT())
            flat.buffer = len(model.buffers) - 1

            shape_buf = schema.BufferT()
            shape_buf.data = np.frombuffer(np.array([1, width], "<i4").tobytes(), np.uint8)
            model.buffers.append(shape_buf)
            shape_t = schema.TensorT()
            shape_t.name = src.name + b"_flatten_shape"
            shape_t.shape = np.array([2], np.int32)
            shape_t.type = schema.TensorType.INT32
            shape_t.buffer = len(model.buffers) - 1
            sg.tensors.extend([flat, shape_t])

            reshape = schema.OperatorT()
            reshape.opcodeIndex = _opcode_index(model, schema.BuiltinOperator.RESHAPE)
            reshape.inputs = np.array([op.inputs[0], len(sg.tensors) - 1], np.int32)
            reshape.outputs = np.array([len(sg.tensors) - 2], np.int32)
            options = schema.ReshapeOptionsT()
            options.newShape = [1, width]
            reshape.builtinOptionsType = schema.BuiltinOptions.ReshapeOptions
            reshape.builtinOptions = options
            new_ops.append(reshape)
            op.inputs = np.array([len(sg.tensors) - 2, *op.inputs[1:]], np.int32)
        new_ops.append(op)
    sg.operators = new_ops
    return flatbuffer_utils.convert_object_to_bytearray(model)
