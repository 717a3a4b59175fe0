"""The four MLPerf Tiny v1.x closed-division workloads, with their sources.

Model figures are those of the reference int8 flatbuffers (research notes `mlperf-tiny.md` section 3
and Appendix A, counted from mlcommons/tiny `benchmark/training/*/trained_models/*.tflite`).
Quality targets: mlcommons/tiny `benchmark/MLPerfTiny_Rules.adoc` (checker `MODEL_CONFIG`).
Dataset layout: mlcommons/tiny `benchmark/evaluation/datasets/<id>/` (research notes section 2.3).
Input conversions: the reference submissions' th_load_tensor (research notes section 3).
Published figures: see tinysim/workloads/published.py for each stack's source (research 5.1);
`published_macs` are the rounded MAC counts of research notes sections 0 / 3.1.
"""

from __future__ import annotations

from .entry import DatasetLayout, Published, Pretrained, Workload
from .registry import WORKLOADS

MODEL_SOURCE = "research notes mlperf-tiny.md section 3 and Appendix A (reference .tflite files)"
TARGET_SOURCE = "mlcommons/tiny benchmark/MLPerfTiny_Rules.adoc (checker MODEL_CONFIG)"
DATASET_SOURCE = "mlcommons/tiny benchmark/evaluation/datasets (research notes section 2.3)"
PUBLISHED_SOURCE = "mlcommons/tiny_results_v0.5, _v1.0, _v1.3 (research notes section 5.1)"
SOURCES = (MODEL_SOURCE, TARGET_SOURCE, DATASET_SOURCE, PUBLISHED_SOURCE)
# The mlcommons/tiny commit the official pretrained models are fetched from (pinned, never the
# moving master branch), and each file's full SHA-256 at that commit: the steering repository's
# models/README.md and models/mlperf-tiny-official/.commit (2026-05-12) record both.
UPSTREAM_COMMIT = "1afd2c9820f795965a6134facd0b4dfae41ef23f"


def _published(v05: tuple[float, float], v10: tuple[float, float], v13: tuple[float, float]):
    """(latency ms, energy uJ) of the v0.5 reference, v1.0 microTVM and v1.3 X-CUBE-AI stacks."""
    return {"v0.5-ref": Published(*v05), "v1.0-utvm": Published(*v10), "v1.3-xcube": Published(*v13)}


WORKLOADS.entry(Workload(
    id="kws01", task="keyword spotting (DS-CNN)", model_file="kws01.tflite",
    input_shape=(1, 49, 10, 1), output_shape=(1, 12), num_classes=12, params=22_604, macs=2_656_768,
    ops={"AVERAGE_POOL_2D": 1, "CONV_2D": 5, "DEPTHWISE_CONV_2D": 4, "FULLY_CONNECTED": 1,
         "RESHAPE": 1, "SOFTMAX": 1},
    metric="top1", target=0.90,
    # the host sends the int8 MFCC features (49x10, already quantized) as bytes
    conversion="int8",
    dataset=DatasetLayout(file_bytes=490, file_format="int8 MFCC 49x10, already quantized"),
    pretrained=Pretrained("benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite",
                          53_936,
                          "aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae",
                          UPSTREAM_COMMIT),
    published=_published((181.92, 7374.0), (99.81, 5230.0), (43.42, 1431.0)),
    published_macs=2_660_000, sources=SOURCES))

WORKLOADS.entry(Workload(
    id="vww01", task="visual wake words (MobileNetV1 0.25)", model_file="vww01.tflite",
    input_shape=(1, 96, 96, 3), output_shape=(1, 2), num_classes=2, params=210_850, macs=7_489_664,
    ops={"AVERAGE_POOL_2D": 1, "CONV_2D": 14, "DEPTHWISE_CONV_2D": 13, "FULLY_CONNECTED": 1,
         "RESHAPE": 1, "SOFTMAX": 1},
    metric="top1", target=0.80,
    # uint8 pixels; the model's input quantization is scale 1/255, zero point -128
    conversion="uint8_minus_128",
    dataset=DatasetLayout(file_bytes=96 * 96 * 3, file_format="uint8 RGB HWC 96x96"),
    pretrained=Pretrained("benchmark/training/visual_wake_words/trained_models/vww_96_int8.tflite",
                          333_288,
                          "597a384c8c2c8a1276f04702f25013b7838f2f814f1ca7c174d295b73e3d6b7b",
                          UPSTREAM_COMMIT),
    published=_published((600.60, 24313.0), (301.20, 15531.0), (89.44, 3030.0)),
    published_macs=7_490_000, sources=SOURCES))

WORKLOADS.entry(Workload(
    id="ic01", task="image classification (ResNet-8)", model_file="ic01.tflite",
    input_shape=(1, 32, 32, 3), output_shape=(1, 10), num_classes=10, params=77_706, macs=12_501_632,
    ops={"ADD": 3, "AVERAGE_POOL_2D": 1, "CONV_2D": 9, "FULLY_CONNECTED": 1, "RESHAPE": 1,
         "SOFTMAX": 1},
    metric="top1", target=0.85,
    # uint8 pixels; the model's input quantization is scale 1.0, zero point -128
    conversion="uint8_minus_128",
    dataset=DatasetLayout(file_bytes=32 * 32 * 3, file_format="uint8 RGB HWC 32x32"),
    pretrained=Pretrained(
        "benchmark/training/image_classification/trained_models/pretrainedResnet_quant.tflite",
        98_496, "3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415",
        UPSTREAM_COMMIT),
    published=_published((704.23, 29207.0), (389.56, 20236.0), (165.67, 5496.0)),
    published_macs=12_500_000, sources=SOURCES))

WORKLOADS.entry(Workload(
    id="ad01", task="anomaly detection (FC autoencoder)", model_file="ad01.tflite",
    input_shape=(1, 640), output_shape=(1, 640), num_classes=2, params=265_864, macs=264_192,
    ops={"FULLY_CONNECTED": 10},
    metric="auc", target=0.85,
    # 640 float32 LE features per window, quantized on the device with the model's input scale
    conversion="float32_quantize",
    # 200 frames x 128 mel float32 per file, cut into 196 windows of 5 frames, one frame apart
    dataset=DatasetLayout(file_bytes=200 * 128 * 4, file_format="float32 LE log-mel 200x128",
                          window_bytes=640 * 4, stride_bytes=128 * 4,
                          file_name="{label_name}_id_00_{index:08d}.bin",
                          label_names=("normal", "anomaly")),
    pretrained=Pretrained("benchmark/training/anomaly_detection/trained_models/ad01_int8.tflite",
                          276_976,
                          "87cf24194ef93d1d9b11a591d805526b98008e351655d29883c825c9c106ba24",
                          UPSTREAM_COMMIT),
    published=_published((10.05, 416.3), (8.60, 443.2), (4.79, 160.4)),
    published_macs=264_000, sources=SOURCES))
