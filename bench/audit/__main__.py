"""`python -m bench.audit`: see run.py."""

from __future__ import annotations

from bench.audit import run

raise SystemExit(run.main())
