"""The four MLPerf Tiny models: specs, synthetic data, .tflite parsing, generation and fetching.

Only `generate*.py` modules import TensorFlow (optional `models` extra); everything else here
works with numpy and the `tflite` flatbuffer schema package.
"""
