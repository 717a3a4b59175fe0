"""`tinysim compile FILE.tflite -o DIR`: an int8 .tflite model -> model.c / model.h."""

from __future__ import annotations

import json
from pathlib import Path


NAME = "compile"
HELP = "compile an int8 .tflite model to C (const weights, static schedule, arena plan)"


def add_arguments(parser) -> None:
    parser.add_argument("model", type=Path, help="int8 full-integer .tflite file")
    parser.add_argument("-o", "--out", type=Path, required=True,
                        help="output directory for model.c and model.h")
    parser.add_argument("--model-id", default=None,
                        help="TS_MODEL_ID string (default: the file name without .tflite)")
    parser.add_argument("--layers", action="store_true",
                        help="also list each op with its shapes and MACs")
    parser.add_argument("--json", action="store_true",
                        help="print the report as JSON (paths, flash/SRAM sections, MACs, ops)")


def run(args) -> int:
    from ..compiler import compile_model  # deferred: `tinysim --help` start-up speed
    model = compile_model(args.model, args.out, model_id=args.model_id)
    if args.json:
        print(json.dumps(model.to_dict(), indent=2))
        return 0
    print(model.report())
    if args.layers:
        print(model.layer_table())
    print(f"wrote {model.c_path} and {model.h_path}")
    print(f"kernels: {', '.join(model.kernel_files)} (from tinysim/firmware/kernels/<port>/)")
    return 0
