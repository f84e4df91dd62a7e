"""`python -m bench.durability`: see run.py."""

from __future__ import annotations

from bench.durability import run

raise SystemExit(run.main())
