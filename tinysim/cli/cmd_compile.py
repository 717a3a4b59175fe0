"""`tinysim compile FILE.tflite -o DIR`: an int8 .tflite model -> model.c / model.h."""

from __future__ import annotations

from pathlib import Path

NAME = "compile"
HELP = "compile an int8 .tflite model to C (const weights, static schedule, arena plan)"


def add_arguments(parser) -> None:
    parser.add_argument("model", type=Path, help="int8 full-integer .tflite file")
    parser.add_argument("-o", "--out", type=Path, required=True,
                        help="output directory for model.c and model.h")
    parser.add_argument("--model-id", default=None,
                        help="TS_MODEL_ID string (default: the file name without .tflite)")


def run(args) -> int:
    from ..compiler import compile_model  # keeps `tinysim --help` fast

    model = compile_model(args.model, args.out, model_id=args.model_id)
    print(model.report())
    print(f"wrote {model.c_path} and {model.h_path}")
    print(f"kernels: {', '.join(model.kernel_files)} (from tinysim/firmware/kernels/<port>/)")
    return 0
