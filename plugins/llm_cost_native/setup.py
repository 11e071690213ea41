"""The one C extension of llm-cost-native; everything else is in pyproject.toml."""

import sys

from setuptools import Extension, setup

# gcc and clang; MSVC takes its defaults. CFLAGS (e.g. -fsanitize=address,undefined) add to these.
FLAGS = [] if sys.platform == "win32" else ["-O3", "-std=c11"]

setup(
    ext_modules=[
        Extension(
            "llm_cost_native._native",
            sources=["src/engine.c", "src/scan.c"],
            depends=["src/scan.h", "src/unicode_props.h"],
            extra_compile_args=FLAGS,
        )
    ]
)
