"""Offline contract runs: cassettes of registry traffic and reviewable schema snapshots.

Pytest-free, so the CLI and the harness share it. Only `cassettes.py` imports vcrpy.
May import: `_core`. Must never import `_wire`, `_runtime`, `_server`, `_generation`, `_harness`,
pytest or hypothesis.
"""
