"""Identity resolution benchmark: Homeward's `identity dedupe` and online lookup side by side
with a plain Splink baseline, on FEBRL4 and on synthetic reports.

.venv/bin/python -m bench.identity [--quick] [--only febrl,synth,latency,batch]
Results: bench/results/identity.json (identity-quick.json with --quick) and a section of
bench/README.md."""
