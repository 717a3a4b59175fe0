"""The .tflite -> C model compiler.

compile_model(path, out_dir, model_id=None) writes model.c / model.h for the
int8 kernels in tinysim/firmware/kernels and returns a CompiledModel (paths,
flash / SRAM report, MAC count, ops used, kernel files to build).
"""

from tinysim.compiler.compile import CompiledModel, compile_model

__all__ = ["CompiledModel", "compile_model"]
