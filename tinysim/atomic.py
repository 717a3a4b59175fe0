"""Atomic file writes: a reader, a crash or a full disk sees the old file or the new one, never a
part of one, and no temporary file is left behind.

Every writer of results, profiles, overlays and firmware images goes through `atomic_file`: the
data goes to a temporary file in the target's own directory (so the final `os.replace` is a rename
on one file system), is flushed and fsync'ed, gets the mode an ordinary `open()` would give it
(0666 less the umask: 0644 usually; `mkstemp` alone makes 0600), and only then replaces the target.
An `OSError` on the way (ENOSPC, EROFS, EACCES, ...) removes the temporary file and becomes a
`TinysimError` naming the file and saying the previous content is intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import TinysimError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(path: os.PathLike, what: str = "file", hint: str = "") -> Iterator[BinaryIO]:
    """`with atomic_file(p) as f: f.write(...)`: `p` is replaced only if the block succeeds.
    `what` names the file in an error ("results", "profile"); `hint` says what to do."""
    path = Path(path)
    tail = f"; {hint}" if hint else ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise TinysimError(f"{path}: cannot write the {what} ({err.strerror}){tail}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            kept = "the previous file is kept" if path.exists() else "nothing was written"
            raise TinysimError(f"{path}: cannot write the {what} ({err.strerror or err}); "
                               f"{kept}{tail}") from None
        raise


def write_atomic(path: os.PathLike, data: bytes, what: str = "file", hint: str = "") -> None:
    """Write `data` to `path` atomically (see `atomic_file`)."""
    with atomic_file(path, what, hint) as f:
        f.write(data)
