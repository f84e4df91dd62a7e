"""`python -m bench.identity …`; `baseline-dedupe IN OUT` is the baseline's own process."""

from __future__ import annotations

import sys

if len(sys.argv) > 1 and sys.argv[1] == "baseline-dedupe":
    from bench.identity import baseline

    baseline.main(*sys.argv[2:])
else:
    from bench.identity import run

    raise SystemExit(run.main())
