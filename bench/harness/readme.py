"""Where results go, and bench/README.md: its introduction, and one section per benchmark
between `<!-- name:start -->` and `<!-- name:end -->`, rewritten without touching the others."""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BENCH_DIR / "results"


README = BENCH_DIR / "README.md"


README_INTRO = """# Benchmarks

Each benchmark is a module of this folder that starts what it measures itself, writes its
figures as JSON to `bench/results/` and rewrites its own section of this page (between the
HTML comments `name:start` and `name:end`), leaving the other sections alone.
Run them from the repository root with the project's virtualenv:

```
.venv/bin/python -m bench.<name>              # e.g. bench.intake: both engines, full size
.venv/bin/python -m bench.<name> --quick      # a short run, to check that it works
```

PostgreSQL runs use `HOMEWARD_BENCH_POSTGRES_URL` (default
`postgresql://postgres@127.0.0.1:5432/test`); each run creates its own database and drops it.

**The machine.** The figures below come from a small virtual machine (Firecracker): 2 vCPUs
(`Intel(R) Xeon(R) Processor`), 23.5 GiB of memory, Debian 12, Python 3.11, SQLite 3.40 and
PostgreSQL 15 on the same machine. The load generator runs there too, so it competes with the
server for the same two cores, and the machine is shared with other work: each result file
records how busy the machine was before and during the run.

"""


def write_section(name: str, body: str) -> None:
    """Put `body` between this benchmark's marks in bench/README.md (appended the first time),
    leaving every other section as it is."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{body}{end}"
    text = README.read_text("utf-8") if README.exists() else README_INTRO
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, "utf-8")
