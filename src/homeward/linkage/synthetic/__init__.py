"""Synthetic person reports with known truth, for training, tests and benchmarks; never real
people."""
