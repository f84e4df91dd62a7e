"""`python -m bench.figures`: see run.py."""

from __future__ import annotations

from bench.figures import run

raise SystemExit(run.main())
