"""tinysim: MLPerf Tiny firmware under emulation, with a cycle-approximate cost model."""

__version__ = "0.1.0"
