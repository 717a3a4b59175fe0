"""Put a catalogue entry's firmware file into the local cache, verified by its SHA-256.

Firmware is never committed to tinysim. `fetch` downloads it from the entry's URL (the source
repository at the pinned commit) into the cache, or, with `from_dir`, takes a local copy: any
file under that directory with the entry's file name and hash (CI: ../shared/published). A file
already in the cache is checked, never trusted. Offline, the error says what to do instead.
The cache is `$TINYSIM_CACHE/published` or `~/.cache/tinysim/published`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from ..errors import TinysimError
from .catalogue import Catalogue, Entry

CACHE_ENV = "TINYSIM_CACHE"
MAX_BYTES = 64 * 1024 * 1024   # a firmware file for a microcontroller is far smaller


class FetchError(TinysimError):
    """A firmware file could not be had, or is not the one the catalogue names."""


def cache_dir() -> Path:
    root = os.environ.get(CACHE_ENV)
    base = Path(root) if root else Path.home() / ".cache" / "tinysim"
    return base / "published"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached_path(entry: Entry, cache: Optional[Path] = None) -> Path:
    """Where the entry's file lives in the cache: <cache>/<sha256[:16]>/<file>."""
    return (cache or cache_dir()) / entry.sha256[:16] / entry.file


def find_cached(entry: Entry, cache: Optional[Path] = None) -> Optional[Path]:
    """The cached, verified file of a published entry, or None when it is not fetched yet."""
    path = cached_path(entry, cache)
    if path.is_file() and sha256_of(path) == entry.sha256:
        return path
    return None


def _from_dir(entry: Entry, directory: Path) -> Path:
    if not directory.is_dir():
        raise FetchError(f"--from {directory}: not a directory")
    candidates = sorted(p for p in directory.rglob(entry.file) if p.is_file())
    for p in candidates:
        if sha256_of(p) == entry.sha256:
            return p
    if candidates:
        raise FetchError(f"{entry.id}: {candidates[0]} has the right name but sha256 "
                         f"{sha256_of(candidates[0])[:12]}..., not {entry.sha256[:12]}... as the "
                         "catalogue says; it is another build, so it is not used")
    raise FetchError(f"{entry.id}: no file named {entry.file} under --from {directory}")


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "tinysim-published-fetch"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https only)
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES >> 20} MiB, not a firmware file")
    return data


def fetch(catalogue: Catalogue, entry: Entry, from_dir: Optional[Path] = None,
          cache: Optional[Path] = None, timeout: float = 60.0) -> Path:
    """The verified local path of a published entry's firmware, fetching it if needed."""
    if entry.kind != "published":
        raise FetchError(f"{entry.id}: a {entry.kind} entry has no published file to fetch")
    hit = find_cached(entry, cache)
    if hit is not None:
        return hit
    dest = cached_path(entry, cache)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    if from_dir is not None:
        shutil.copyfile(_from_dir(entry, Path(from_dir)), tmp)
    else:
        url = catalogue.url(entry)
        if not url.startswith("https://"):
            raise FetchError(f"{entry.id}: the catalogue gives no https URL for it ({url or 'none'}); "
                             "pass --from DIR with a local copy")
        try:
            tmp.write_bytes(_download(url, timeout))
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            reason = getattr(err, "reason", err)
            raise FetchError(f"{entry.id}: cannot download {url} ({reason}); offline, copy the file "
                             f"from a mirror with `tinysim published fetch --from DIR` (DIR holds "
                             f"{entry.file} anywhere below it)") from None
    got = sha256_of(tmp)
    if got != entry.sha256:
        tmp.unlink()
        raise FetchError(f"{entry.id}: the fetched {entry.file} has sha256 {got[:12]}..., the catalogue "
                         f"says {entry.sha256[:12]}...; it was not kept")
    os.replace(tmp, dest)
    return dest
