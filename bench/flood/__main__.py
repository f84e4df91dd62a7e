"""`python -m bench.flood`: see run.py."""

from __future__ import annotations

from bench.flood import run

raise SystemExit(run.main())
