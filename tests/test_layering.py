"""The import graph of tinysim follows the layer order of docs/ARCHITECTURE.md.

Every module under tinysim/ is parsed with `ast`; each import (module-level and inside functions,
relative ones resolved) is mapped to a layer through the table in docs/ARCHITECTURE.md, which this
test reads, so the doc and the check cannot drift apart. A failure names file:line and says why:
(a) an import runs up a layer, or sideways between the peers emu and cost;
(b) a tinysim module is imported inside a function without an entry in ALLOWED_FUNCTION_IMPORTS.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tinysim"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"

# Same-layer packages that must not import each other (the pipeline joins them).
PEERS = {frozenset({"tinysim.emu", "tinysim.cost"})}

# Function-level imports of tinysim modules that are allowed: (importing file or folder prefix,
# imported module prefix, why). Only heavy optional third-party dependencies and `--help`
# start-up speed qualify; an import that dodges a cycle never does.
ALLOWED_FUNCTION_IMPORTS: List[Tuple[str, str, str]] = [
    ("tinysim/cli/", "tinysim.pipeline", "--help start-up: the emulator and cost model load in ~90 ms"),
    ("tinysim/cli/", "tinysim.compiler", "--help start-up: the flatbuffer reader loads in ~45 ms"),
    ("tinysim/cli/", "tinysim.harness.bitexact", "--help start-up: imports the compiler's interpreter"),
    ("tinysim/cli/", "tinysim.firmware.images", "--help start-up: imports the compiler"),
    ("tinysim/cli/", "tinysim.elf", "--help start-up: pyelftools loads in ~25 ms"),
    ("tinysim/cli/", "tinysim.models.fetch", "--help start-up: urllib loads in ~15 ms"),
    ("tinysim/models/generate.py", "tinysim.models.generate_train", "imports tensorflow"),
    ("tinysim/models/generate.py", "tinysim.models.generate_convert", "imports tensorflow"),
]

# Imports that still break the rules in files owned by other issue-9 branches when this list was
# written: (importing file, imported module). The lead empties it after the merge; an entry that
# no longer occurs fails the test, so the list only shrinks.
KNOWN_VIOLATIONS: List[Tuple[str, str]] = [
    # (none left: the merged branches fixed every one)
]


@dataclass(frozen=True)
class Import:
    path: str          # importing file, relative to the repository
    line: int
    source: str        # importing module
    target: str        # imported tinysim module (resolved)
    in_function: bool


def read_layers(text: str) -> Dict[str, Tuple[int, str]]:
    """module prefix -> (layer number, layer name), from the table rows of ARCHITECTURE.md."""
    layers: Dict[str, Tuple[int, str]] = {}
    block = text.split("<!-- layers:", 1)[1].split("<!-- layers end -->", 1)[0]
    for row in block.splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|\s*(\w+)\s*\|(.*)\|\s*$", row)
        if m:
            for module in re.findall(r"`([\w.]+)`", m.group(3)):
                layers[module] = (int(m.group(1)), m.group(2))
    return layers


def layer_of(module: str, layers: Dict[str, Tuple[int, str]]) -> Optional[Tuple[str, int]]:
    """(matching table entry, layer) by the longest prefix; the bare package name only matches itself."""
    best = None
    for prefix, (number, _) in layers.items():
        if module == prefix or (prefix != "tinysim" and module.startswith(prefix + ".")):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, number)
    return best


def module_name(path: Path, package_dir: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str, package_dir: Path) -> bool:
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    base = package_dir / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, package_dir: Path, repo: Path) -> Iterator[Import]:
    source = module_name(path, package_dir)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    rel = str(path.relative_to(repo))

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == package_dir.name:
                        yield Import(rel, child.lineno, source, alias.name, in_function)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] != package_dir.name:
                    continue
                for alias in child.names:   # `from tinysim import report` imports tinysim.report
                    sub = f"{target}.{alias.name}"
                    yield Import(rel, child.lineno, source,
                                 sub if _is_module(sub, package_dir) else target, in_function)
            yield from visit(child, inner)

    yield from visit(tree, False)


def problems(package_dir: Path, repo: Path, layers: Dict[str, Tuple[int, str]],
             allowed=ALLOWED_FUNCTION_IMPORTS) -> List[Tuple[str, str, str]]:
    """(file, imported module, "file:line: why") for every import that breaks the rules."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        src_mod = module_name(path, package_dir)
        src = layer_of(src_mod, layers)
        if src is None:
            found.append((str(path.relative_to(repo)), "", f"{path.relative_to(repo)}: module {src_mod} "
                          "is in no layer of docs/ARCHITECTURE.md"))
            continue
        for imp in imports_of(path, package_dir, repo):
            dst = layer_of(imp.target, layers)
            where = f"{imp.path}:{imp.line}"
            if dst is None:
                found.append((imp.path, imp.target, f"{where}: imports {imp.target}, which is in no layer"))
                continue
            if dst[1] > src[1]:
                found.append((imp.path, imp.target, f"{where}: {src_mod} (layer {src[1]}) imports "
                              f"{imp.target} (layer {dst[1]}), a higher layer"))
            elif frozenset({src[0], dst[0]}) in PEERS:
                found.append((imp.path, imp.target, f"{where}: {src_mod} imports its peer {imp.target}; "
                              "only the pipeline joins emu and cost"))
            if imp.in_function and not any(imp.path.startswith(f) and
                                           (imp.target == t or imp.target.startswith(t + "."))
                                           for f, t, _ in allowed):
                found.append((imp.path, imp.target, f"{where}: {imp.target} imported inside a function "
                              "(not in ALLOWED_FUNCTION_IMPORTS: move it to the top of the module)"))
    return found


def test_architecture_table_names_every_package():
    layers = read_layers(ARCHITECTURE.read_text())
    assert [layers[m][1] for m in ("tinysim", "tinysim.platform", "tinysim.compiler", "tinysim.emu",
                                   "tinysim.firmware", "tinysim.harness", "tinysim.pipeline",
                                   "tinysim.report", "tinysim.cli")] == \
        ["base", "describe", "model", "engines", "build", "host", "pipeline", "present", "cli"]
    for sub in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        assert layer_of(f"tinysim.{sub.name}", layers), f"tinysim/{sub.name}/ is in no layer of {ARCHITECTURE}"


def test_imports_follow_the_layers():
    layers = read_layers(ARCHITECTURE.read_text())
    found = problems(PACKAGE, ROOT, layers)
    known = set(KNOWN_VIOLATIONS)
    new = [why for path, target, why in found if (path, target) not in known]
    assert not new, "imports against docs/ARCHITECTURE.md's layers:\n" + "\n".join(new)
    seen = {(path, target) for path, target, _ in found}
    stale = [k for k in KNOWN_VIOLATIONS if k not in seen]
    assert not stale, f"fixed, remove from KNOWN_VIOLATIONS: {stale}"


# ---------------------------------------------------------------- the checker checks

LAYERS = read_layers(ARCHITECTURE.read_text())


def _package(tmp_path: Path, files: Dict[str, str]) -> Path:
    pkg = tmp_path / "tinysim"
    for name, text in {"__init__.py": "", **files}.items():
        f = pkg / name
        f.parent.mkdir(parents=True, exist_ok=True)
        for parent in f.relative_to(pkg).parents:
            init = pkg / parent / "__init__.py"
            if not init.exists():
                init.write_text("")
        f.write_text(text)
    return pkg


def test_checker_catches_an_upward_import(tmp_path):
    pkg = _package(tmp_path, {"emu/machine.py": "from ..pipeline import session\n",
                             "pipeline/session.py": "from ..emu import machine\n"})
    found = problems(pkg, tmp_path, LAYERS, allowed=[])
    assert [why for _, _, why in found] == [
        "tinysim/emu/machine.py:1: tinysim.emu.machine (layer 3) imports tinysim.pipeline.session "
        "(layer 6), a higher layer"]


def test_checker_catches_peers_and_function_imports(tmp_path):
    pkg = _package(tmp_path, {
        "cost/coster.py": "import tinysim.emu.counter\n",
        "emu/counter.py": "",
        "harness/runner.py": "def f():\n    from . import scoring\n",
        "harness/scoring.py": "",
    })
    found = {why.split(":")[0] + ":" + why.split(":")[1] for _, _, why in problems(pkg, tmp_path, LAYERS, allowed=[])}
    assert found == {"tinysim/cost/coster.py:1", "tinysim/harness/runner.py:2"}
    allowed = [("tinysim/harness/runner.py", "tinysim.harness.scoring", "test")]
    assert [p for p in problems(pkg, tmp_path, LAYERS, allowed) if "inside a function" in p[2]] == []


def test_checker_maps_unknown_packages(tmp_path):
    pkg = _package(tmp_path, {"gadgets/thing.py": ""})
    assert any("in no layer" in why for _, _, why in problems(pkg, tmp_path, LAYERS, allowed=[]))
