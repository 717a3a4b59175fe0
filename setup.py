"""Declares tinysim's one C extension; all other metadata lives in pyproject.toml.

`tinysim.emu._counter` is the native execution counter (tinysim/emu/native/counter.c). It is a
CPython extension only so that setuptools builds and installs it; tinysim/emu/counter/native.py loads the same
shared object with ctypes. Development build: `python3 setup.py build_ext --inplace`.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tinysim.emu._counter",
            ["tinysim/emu/native/counter.c"],
            extra_compile_args=["-O2"],
        )
    ],
)
