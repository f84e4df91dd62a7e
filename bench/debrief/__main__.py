"""`python -m bench.debrief`: see run.py."""

from __future__ import annotations

from bench.debrief import run

raise SystemExit(run.main())
