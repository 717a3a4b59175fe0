"""Which Unicorn build tinysim runs on: the stock 2.1.4 wheel, or the one built from the released
source with tinysim's patches (third_party/unicorn/, scripts/build_unicorn.sh; the README's set-up
command builds it, and keeps the stock wheel when the build cannot happen).

The patched wheel is versioned `2.1.4+tinysim.N`, a PEP 440 local label: the project's
`unicorn==2.1.4` requirement still matches it, and the label says which build is installed. The
binding loads the library named by LIBUNICORN_PATH before its own, so with that variable set the
installed wheel does not say which library runs; the identity says so instead of guessing.
Reads package metadata only (never loads the engine), so the CLI can import it at start-up.
"""

from __future__ import annotations

import os
from importlib import metadata
from typing import Optional

PATCH_LABEL = "tinysim"


def _distribution_version() -> str:
    try:
        return metadata.version("unicorn")
    except metadata.PackageNotFoundError:  # the binding found some other way (a source tree)
        return "(not an installed distribution)"


def patch_level() -> int:
    """N of the installed `unicorn 2.1.4+tinysim.N` wheel; 0 for any other build, or when
    LIBUNICORN_PATH makes the binding load a library of unknown origin."""
    if os.environ.get("LIBUNICORN_PATH"):
        return 0
    _, _, local = _distribution_version().partition("+")
    label, _, level = local.partition(".")
    return int(level) if label == PATCH_LABEL and level.isdigit() else 0


def unicorn_build() -> str:
    """One line for provenance: `unicorn 2.1.4`, `unicorn 2.1.4 (+tinysim patch 1)`, or the
    library LIBUNICORN_PATH names."""
    public = _distribution_version().partition("+")[0]
    override = os.environ.get("LIBUNICORN_PATH")
    if override:
        return f"unicorn {public} (library from LIBUNICORN_PATH={override})"
    level = patch_level()
    return f"unicorn {public} (+tinysim patch {level})" if level else f"unicorn {public}"


def stock_engine_note() -> Optional[str]:
    """One line for a human reader when tinysim runs on the stock wheel (the README's set-up
    command fell back to it, or it was installed by hand): the patched build exists and is faster.
    None on the patched build or a LIBUNICORN_PATH library."""
    version = _distribution_version()
    if os.environ.get("LIBUNICORN_PATH") or "+" in version or not version[:1].isdigit():
        return None
    return (f"note: engine: stock unicorn {version}; scripts/build_unicorn.sh builds tinysim's "
            "patched engine, about 3x faster with the same results")
