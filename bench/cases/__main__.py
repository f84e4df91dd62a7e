"""`python -m bench.cases`: see run.py."""

from __future__ import annotations

from bench.cases import run

raise SystemExit(run.main())
