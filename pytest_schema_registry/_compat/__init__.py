"""Compatibility verdicts between two schema versions, each proven by a payload or left unknown.

`check.py` is the entry point (`check_compatibility`); it runs each check in a helper process
(`isolation.py` starts and kills it, `worker.py` is its main) so a hostile pair stops at the
deadline. Inside, `engine.py` evaluates a level: `proof.py` asks jsonschema-rs's schema algebra
whether the reader's schema covers the writer's and draws a counterexample from their difference,
`explain.py` gives each break its own payload and name, and `confluent*.py` list the differences
the way Confluent's registry names them and predict its STRICT or LENIENT answer. `verdict.py`
holds the results, `report.py` renders them for a terminal, `seed_report.py` for the seed API.
Only the helper process loads the generator (and hypothesis): importing `check.py` stays light.
May import: `_core`, `_runtime.validation` (every counterexample is checked by the project
validator) and `_generation` (counterexamples are drawn by the project's own generator). Must never
import `_wire`, `_offline`, `_server`, `_harness`, pytest or vcrpy.
"""
