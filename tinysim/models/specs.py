"""The four MLPerf Tiny v1.x closed-division workloads: what each model looks like and is judged by.

Figures are those of the reference int8 flatbuffers (research notes `mlperf-tiny.md` section 3 and
Appendix A, counted from mlcommons/tiny `benchmark/training/*/trained_models/*.tflite`). Quality
targets come from mlcommons/tiny `benchmark/MLPerfTiny_Rules.adoc` (checker `MODEL_CONFIG`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tinysim.errors import ModelError


@dataclass(frozen=True)
class Pretrained:
    """The official pretrained int8 model of a workload in the mlcommons/tiny repository."""

    repo_path: str  # path inside mlcommons/tiny (branch master)
    size: int  # bytes
    md5_prefix: str  # first 8 hex digits of the file's MD5 (research notes section 3)


@dataclass(frozen=True)
class Workload:
    id: str  # MLPerf Tiny model id, also the dataset directory name and the .tflite stem
    task: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    num_classes: int  # AD: 2 (normal / anomaly) as written in y_labels.csv
    params: int  # int8 constants with BN folded (weights + biases)
    macs: int
    ops: dict  # TFLite builtin op -> count in the reference graph
    metric: str  # "top1" or "auc"
    target: float  # closed-division quality target (fraction for top-1)
    pretrained: Pretrained


WORKLOADS: dict[str, Workload] = {
    "kws01": Workload(
        id="kws01", task="keyword spotting (DS-CNN)", input_shape=(1, 49, 10, 1),
        output_shape=(1, 12), num_classes=12, params=22_604, macs=2_656_768,
        ops={"AVERAGE_POOL_2D": 1, "CONV_2D": 5, "DEPTHWISE_CONV_2D": 4, "FULLY_CONNECTED": 1,
             "RESHAPE": 1, "SOFTMAX": 1},
        metric="top1", target=0.90,
        pretrained=Pretrained("benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite",
                              53_936, "618aeb15")),
    "vww01": Workload(
        id="vww01", task="visual wake words (MobileNetV1 0.25)", input_shape=(1, 96, 96, 3),
        output_shape=(1, 2), num_classes=2, params=210_850, macs=7_489_664,
        ops={"AVERAGE_POOL_2D": 1, "CONV_2D": 14, "DEPTHWISE_CONV_2D": 13, "FULLY_CONNECTED": 1,
             "RESHAPE": 1, "SOFTMAX": 1},
        metric="top1", target=0.80,
        pretrained=Pretrained("benchmark/training/visual_wake_words/trained_models/vww_96_int8.tflite",
                              333_288, "f0b01141")),
    "ic01": Workload(
        id="ic01", task="image classification (ResNet-8)", input_shape=(1, 32, 32, 3),
        output_shape=(1, 10), num_classes=10, params=77_706, macs=12_501_632,
        ops={"ADD": 3, "AVERAGE_POOL_2D": 1, "CONV_2D": 9, "FULLY_CONNECTED": 1, "RESHAPE": 1,
             "SOFTMAX": 1},
        metric="top1", target=0.85,
        pretrained=Pretrained(
            "benchmark/training/image_classification/trained_models/pretrainedResnet_quant.tflite",
            98_496, "2d6dd487")),
    "ad01": Workload(
        id="ad01", task="anomaly detection (FC autoencoder)", input_shape=(1, 640),
        output_shape=(1, 640), num_classes=2, params=265_864, macs=264_192,
        ops={"FULLY_CONNECTED": 10},
        metric="auc", target=0.85,
        pretrained=Pretrained("benchmark/training/anomaly_detection/trained_models/ad01_int8.tflite",
                              276_976, "361fa1b1")),
}

WORKLOAD_IDS = tuple(WORKLOADS)


def get_workload(workload_id: str) -> Workload:
    try:
        return WORKLOADS[workload_id]
    except KeyError:
        raise ModelError(f"unknown workload '{workload_id}': expected one of "
                         f"{', '.join(WORKLOAD_IDS)}") from None
