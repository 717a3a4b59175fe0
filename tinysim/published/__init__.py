"""Published measurements that tinysim is checked against: the catalogue and the firmware fetch.

`catalogue.toml` (data) lists each published firmware build with its SHA-256, its public source
path at a pinned commit, the settings its submitter declared and the measured medians;
`catalogue.py` reads and validates it; `fetch.py` puts the firmware files into a local cache
(download by URL, or copy from a local mirror) and checks their hashes; `boards/` holds
the board files of measurement setups that are not tinysim build targets (NUCLEO-L4R5ZI-P). Layer 1: data about
firmware; it imports only the base layer.
"""

from .catalogue import CATALOGUE_PATH, Catalogue, Entry, board_ref, load_catalogue

__all__ = ["CATALOGUE_PATH", "Catalogue", "Entry", "board_ref", "load_catalogue"]
