"""The pytest-free pieces `plugin.py` drives: option resolution, the session, the report, contracts.

Everything a test session decides is decided here, so it can be tested without pytester.
May import: `_core`, `_wire`, `_runtime`, `_offline`, `_compat` (verdicts for compatibility
assertions and drift) and `_generation.sources`. Must never import pytest, hypothesis (the
strategies) or vcrpy at module level, nor `_server`.
"""
