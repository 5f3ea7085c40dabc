"""Run the `schema-registry` command as `python -m pytest_schema_registry`."""

import sys

from .cli import main

sys.exit(main())
