"""`python -m bench.signin`: see run.py."""

from __future__ import annotations

from bench.signin import run

raise SystemExit(run.main())
