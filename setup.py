"""Declares tinysim's one C extension; all other metadata lives in pyproject.toml.

`tinysim.emu._counter` is the native execution counter (tinysim/emu/native/: counter_hooks.c, the
per-block hot path; counter_config.c, the ctypes configuration API;
fault_checks.c, the UsageFault checks of the Cortex-M engine; exceptions.c, its exception
stacking and unstacking; counter.h, shared layouts; cache_model.h and fetch_model.h, the cache
model inlined into counter_hooks.c). It is a
CPython extension only so that setuptools builds and installs it; tinysim/emu/counter/native.py loads the same
shared object with ctypes. Development build: `python3 setup.py build_ext --inplace`.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tinysim.emu._counter",
            ["tinysim/emu/native/counter_hooks.c", "tinysim/emu/native/counter_config.c",
             "tinysim/emu/native/fault_checks.c", "tinysim/emu/native/exceptions.c"],
            depends=["tinysim/emu/native/counter.h", "tinysim/emu/native/cache_model.h",
                     "tinysim/emu/native/fetch_model.h"],
            extra_compile_args=["-O2"],
        )
    ],
)
