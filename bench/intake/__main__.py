"""`python -m bench.intake`: see run.py."""

from __future__ import annotations

from bench.intake import run

raise SystemExit(run.main())
