"""The one C extension of llm-cost-native; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "llm_cost_native._native",
            sources=["src/engine.c", "src/scan.c"],
            depends=["src/scan.h", "src/unicode_props.h"],
            extra_compile_args=["-O3", "-std=c11"],
        )
    ]
)
