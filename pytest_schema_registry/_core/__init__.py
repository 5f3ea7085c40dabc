"""The core every part shares: the error tree, configuration, models, secrets, files and loops.

May import: the standard library and light third-party packages. Must never import another part
of this package (`_wire`, `_runtime`, `_offline`, `_server`, `_generation`, `_harness`), nor the
public faces, pytest, hypothesis or vcrpy: every other part builds on it.
"""
