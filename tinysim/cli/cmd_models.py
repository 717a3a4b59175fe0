"""`tinysim models generate|fetch|list`: the workload models and their manifests."""

from __future__ import annotations

from pathlib import Path

from .. import report
from ..errors import ModelError
from ..models import generate  # tensorflow is imported only inside generate.run
from ..models.generate import add_arguments as add_generate_arguments
from ..models.manifest import default_models_dir, load_manifest, verify_files
from ..units import fmt_size

NAME = "models"
HELP = "generate the synthetic-weight models, fetch the official pretrained ones, list a manifest"


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION")
    actions.required = True

    gen = actions.add_parser("generate", help="retrain + quantize models/*.tflite byte-identically "
                                              "(needs the 'models' extra: TensorFlow)")
    add_generate_arguments(gen)

    fetch = actions.add_parser("fetch", help="download and verify the official MLPerf Tiny "
                                             "pretrained int8 models (needs network, or --from DIR)")
    fetch.add_argument("--dest", type=Path, default=Path("models/pretrained"),
                       help="directory for <id>.tflite + manifest.json (default models/pretrained)")
    fetch.add_argument("--only", default="", help="comma-separated model ids (default: all four)")
    fetch.add_argument("--from", dest="from_dir", type=Path, default=None, metavar="DIR",
                       help="take the models from a local copy in DIR (<id>.tflite, the upstream "
                            "name or <id>_official.tflite), verified by the same SHA-256 as a "
                            "download; no network")
    fetch.add_argument("--base-url", default=None,
                       help="raw-file URL prefix of an mlcommons/tiny mirror "
                            "(default: the GitHub repository at the pinned commit)")

    show = actions.add_parser("list", help="print a models manifest as a table")
    show.add_argument("--dir", type=Path, default=default_models_dir(),
                      help="directory holding manifest.json (default: the repository's models/)")
    show.add_argument("--json", action="store_true",
                      help="print the manifest (every field) and any file mismatch as JSON")


def _run_list(directory: Path, as_json: bool = False) -> int:
    """The manifest as a table that fits the terminal (names and numbers never wrap; shapes and
    op lists wrap inside their cells), or as JSON (every field: quantization, sha256) with the
    file check's findings."""
    import json

    from rich import box
    from rich.table import Table

    doc = load_manifest(directory)
    problems = verify_files(directory)
    if as_json:
        print(json.dumps({"manifest": str(directory / "manifest.json"), "weights": doc.get("weights"),
                          "models": doc["models"], "mismatches": problems}, indent=2))
        return 1 if problems else 0
    caption = "; ".join(x for x in (doc.get("weights"), "files checked against their sha256; "
                                    "--json shows every field") if x)
    table = Table(title=f"{directory / 'manifest.json'}", caption=caption,
                  box=box.SIMPLE_HEAD, title_justify="left", caption_justify="left")
    for col in ("id", "size", "params", "MACs", "input", "output", "ops"):
        numeric = col in ("size", "params", "MACs")
        table.add_column(col, justify="right" if numeric else "left",
                         no_wrap=numeric or col in ("id", "sha256"),
                         overflow="fold" if col == "ops" else "ellipsis",
                         min_width=None if numeric or col in ("id", "sha256") else 9)

    def io(t: dict) -> str:
        shape = "x".join(str(d) for d in t.get("shape", []))
        return f"{shape} {t.get('dtype', '?')}"   # scale and zero point: --json

    for model_id, e in sorted(doc["models"].items()):
        ops = "\n".join(f"{k} x{v}" for k, v in e.get("ops", {}).items())   # one op a line
        name = model_id if e.get("file", f"{model_id}.tflite") == f"{model_id}.tflite" \
            else f"{model_id}\n{e.get('file')}"
        table.add_row(name, fmt_size(int(e.get("size", 0))), f"{int(e.get('params', 0)):,}",
                      f"{int(e.get('macs', 0)):,}", io(e.get("input", {})),
                      io(e.get("output", {})), ops)
        table.add_section()
    console = report.console()
    console.print(table)
    for p in problems:
        console.print(f"[red]mismatch:[/red] {p}")
    return 1 if problems else 0


def _check_directory(path: Path, option: str, what: str) -> None:
    """An output directory that is a file (or lies under one) fails before any work is done."""
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise ModelError(f"{option} {path}: {'it' if p == path else p} is a file, not a "
                                 f"directory; give the directory {what}")
            return


def run(args) -> int:
    from ..models.fetch import fetch  # deferred: `tinysim --help` start-up speed
    if args.models_action == "generate":
        _check_directory(args.out, "--out", "for the generated models (default models/)")
        return generate.run(args)
    if args.models_action == "fetch":
        ids = [m.strip() for m in args.only.split(",") if m.strip()] or None
        _check_directory(args.dest, "--dest", "for the pretrained models (default models/pretrained)")
        if args.from_dir is not None and args.base_url is not None:
            raise ModelError("--from and --base-url both say where the models come from; give one")
        path = fetch(args.dest, ids, base_url=args.base_url, from_dir=args.from_dir)
        print(f"wrote {path}")
        return 0
    if args.models_action == "list":
        return _run_list(args.dir, args.json)
    raise ModelError(f"unknown models action {args.models_action!r}")
