"""The models of the workloads: synthetic data, .tflite parsing, generation and fetching.

What each workload's model must look like (shapes, ops, MACs, pretrained file) is its entry in
tinysim.workloads. Only `generate*.py` modules import TensorFlow (optional `models` extra);
everything else here works with numpy and the `tflite` flatbuffer schema package.
"""
