"""Benchmarks: ``python -m bench NAME``. Each prints ``NAME: key=value ...`` last."""
