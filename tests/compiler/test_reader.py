"""The one .tflite decoder (tinysim.compiler.reader) on hand-built flatbuffers and the real models.

The small models are written with the flatbuffers Builder following schema.fbs field order, so
the odd cases (a custom op, a builtin code above 127, two subgraphs, a bad tensor index, a
batch of 2) need neither TensorFlow nor a committed fixture.
"""

from pathlib import Path

import flatbuffers
import numpy as np
import pytest

from tinysim.compiler import compile_model
from tinysim.compiler.reader import op_macs, read_tflite
from tinysim.errors import ModelError
from tinysim.models.graph import read_graph

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
INT8, INT32 = 9, 2           # schema.fbs enum TensorType
FULLY_CONNECTED, CUSTOM, GELU = 9, 32, 150   # schema.fbs enum BuiltinOperator


def _vector(b, values, prepend, size):
    b.StartVector(size, len(values), size)
    for v in reversed(values):
        prepend(v)
    return b.EndVector()


def _table(b, slots):
    """slots: (slot, kind, value) with kind one of 'off', 'i32', 'u32', 'i8'."""
    b.StartObject(8)
    for slot, kind, value in slots:
        {"off": lambda: b.PrependUOffsetTRelativeSlot(slot, value, 0),
         "i32": lambda: b.PrependInt32Slot(slot, value, -1),
         "u32": lambda: b.PrependUint32Slot(slot, value, 0xFFFFFFFF),
         "i8": lambda: b.PrependInt8Slot(slot, value, -1)}[kind]()
    return b.EndObject()


def build_model(*, batch=2, weights_shape=(4, 8), op_inputs=(0, 1, 2), custom_code=b"MyOp",
                second_code=None, subgraphs=1) -> bytes:
    """FULLY_CONNECTED (int8 [batch,8] x [4,8] + int32 bias [4]) then a second op on its output."""
    b = flatbuffers.Builder(0)
    weights = np.arange(int(np.prod(weights_shape)), dtype=np.int8)
    bias = np.array([10, -20, 30, -40], dtype=np.int32)
    buffers = [_table(b, [])] + [
        _table(b, [(0, "off", b.CreateNumpyVector(arr.view(np.uint8)))]) for arr in (weights, bias)]

    def tensor(name, shape, ttype, buffer, scale=None):
        name_off = b.CreateString(name)
        shape_off = b.CreateNumpyVector(np.array(shape, dtype=np.int32))
        slots = [(0, "off", shape_off), (1, "i8", ttype), (2, "u32", buffer), (3, "off", name_off)]
        if scale is not None:
            q_scale = b.CreateNumpyVector(np.array(scale, dtype=np.float32))
            q_zp = b.CreateNumpyVector(np.zeros(len(scale), dtype=np.int64))
            slots.append((4, "off", _table(b, [(2, "off", q_scale), (3, "off", q_zp)])))
        return _table(b, slots)

    def subgraph():
        tensors = [tensor("x", (batch, 8), INT8, 0, [0.5]), tensor("w", weights_shape, INT8, 1, [0.25]),
                   tensor("bias", (4,), INT32, 2, [0.125]), tensor("y", (batch, 4), INT8, 0, [1.0]),
                   tensor("z", (batch, 4), INT8, 0, [1.0])]
        ops = []
        for code, ins, outs in ((0, op_inputs, (3,)), (1, (3,), (4,))):
            ins_off = b.CreateNumpyVector(np.array(ins, dtype=np.int32))
            outs_off = b.CreateNumpyVector(np.array(outs, dtype=np.int32))
            ops.append(_table(b, [(0, "u32", code), (1, "off", ins_off), (2, "off", outs_off)]))
        t_vec = _vector(b, tensors, b.PrependUOffsetTRelative, 4)
        o_vec = _vector(b, ops, b.PrependUOffsetTRelative, 4)
        in_vec = b.CreateNumpyVector(np.array([0], dtype=np.int32))
        out_vec = b.CreateNumpyVector(np.array([4], dtype=np.int32))
        return _table(b, [(0, "off", t_vec), (1, "off", in_vec), (2, "off", out_vec), (3, "off", o_vec)])

    graphs = [subgraph() for _ in range(subgraphs)]
    if second_code is None:
        custom = b.CreateString(custom_code)
        second = _table(b, [(0, "i8", CUSTOM), (1, "off", custom), (3, "i32", CUSTOM)])
    else:  # schema v3a: codes above 127 only in builtin_code, the int8 field saturated at 127
        second = _table(b, [(0, "i8", 127), (3, "i32", second_code)])
    codes = [_table(b, [(0, "i8", FULLY_CONNECTED), (3, "i32", FULLY_CONNECTED)]), second]
    model = _table(b, [(0, "u32", 3),
                       (1, "off", _vector(b, codes, b.PrependUOffsetTRelative, 4)),
                       (2, "off", _vector(b, graphs, b.PrependUOffsetTRelative, 4)),
                       (4, "off", _vector(b, buffers, b.PrependUOffsetTRelative, 4))])
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def test_bytes_decode_tensors_quantization_and_constants():
    label = "https://example.invalid/models//fc.tflite"  # kept verbatim, not path-normalized
    graph = read_tflite(build_model(), label=label)
    assert graph.label == label and graph.subgraph_count == 1
    assert [t.name for t in graph.tensors] == ["x", "w", "bias", "y", "z"]
    x, w, bias = graph.tensors[:3]
    assert (x.shape, x.dtype, x.data, x.is_const) == ((2, 8), "int8", None, False)
    assert w.is_const and w.data.dtype == np.int8 and w.data.shape == (4, 8)
    assert w.data[3, 7] == 31 and w.scale == 0.25 and w.zero_point == 0
    assert bias.dtype == "int32" and bias.data.tolist() == [10, -20, 30, -40]
    assert [op.name for op in graph.operators] == ["FULLY_CONNECTED", "CUSTOM(MyOp)"]
    assert graph.operators[0].inputs == [0, 1, 2] and graph.inputs == [0] and graph.outputs == [4]
    summary = read_graph(build_model(), label=label)
    assert summary.path == label
    assert summary.op_set() == {"CUSTOM(MyOp)": 1, "FULLY_CONNECTED": 1}
    assert summary.tensors[1].scale == (0.25,) and summary.tensors[1].is_const


def test_builtin_code_above_127_is_named():
    graph = read_tflite(build_model(second_code=GELU), label="gelu")
    assert graph.operators[1].name == "GELU"


def test_macs_count_the_batch_and_params_count_constants():
    graph = read_tflite(build_model(batch=2), label="fc")
    assert op_macs(graph, graph.operators[0]) == 2 * 4 * 8
    assert op_macs(graph, graph.operators[1]) == 0
    summary = read_graph(build_model(batch=2), label="fc")
    assert (summary.macs, summary.params) == (64, 4 * 8 + 4)


def test_bad_tensor_index_names_the_operator():
    with pytest.raises(ModelError, match=r"bad-index: operator #0 FULLY_CONNECTED refers to tensor 9, "
                                         r"but the subgraph has 5 tensors"):
        read_tflite(build_model(op_inputs=(0, 9, 2)), label="bad-index")


def test_weights_of_the_wrong_rank_are_refused_by_the_mac_count():
    with pytest.raises(ModelError,
                       match=r"flat-w: operator #0 FULLY_CONNECTED: weights shape \[32\] is not 2-D"):
        read_graph(build_model(weights_shape=(32,)), label="flat-w")


def test_two_subgraphs_compiler_reads_the_first_summary_refuses():
    data = build_model(subgraphs=2)
    graph = read_tflite(data, label="two")
    assert graph.subgraph_count == 2 and len(graph.operators) == 2
    with pytest.raises(ModelError, match="two: expected 1 subgraph, found 2"):
        read_graph(data, label="two")


@pytest.mark.parametrize("reader", [read_tflite, read_graph])
def test_both_entry_points_name_the_file_in_errors(reader, tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"hello world, not a flatbuffer")
    with pytest.raises(ModelError, match=r"x\.tflite is not a TFLite model"):
        reader(bad)
    with pytest.raises(ModelError, match=r"cannot read model .*missing\.tflite"):
        reader(tmp_path / "missing.tflite")
    with pytest.raises(ModelError, match=r"cut: truncated or corrupt TFLite flatbuffer .*regenerate it"):
        reader(build_model()[:200], label="cut")


@pytest.mark.parametrize("name", ["kws01", "vww01", "ic01", "ad01"])
def test_compiler_layer_macs_are_the_reader_count(name, tmp_path):
    """The compiler's per-layer MACs and the models summary come from the same count."""
    path = MODELS_DIR / f"{name}.tflite"
    if not path.exists():
        pytest.skip(f"{path} not generated yet (tinysim models generate)")
    graph = read_tflite(path)
    compiled = compile_model(path, tmp_path)
    assert compiled.layers, "compiled nothing"
    for layer in compiled.layers:
        assert layer["macs"] == op_macs(graph, graph.operators[layer["index"]]), layer
    assert compiled.macs == read_graph(path).macs > 0
