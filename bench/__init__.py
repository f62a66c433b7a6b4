"""Benchmarks that print side-by-side ratios: `python -m bench [--quick]`.

Every figure is measured in-process through the real ASGI app, with the cases of one table
interleaved round by round, so machine noise falls on both sides of each ratio alike.
"""
