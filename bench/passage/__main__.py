"""`python -m bench.passage`: see run.py."""

from __future__ import annotations

from bench.passage import run

raise SystemExit(run.main())
