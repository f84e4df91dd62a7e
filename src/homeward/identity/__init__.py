"""Identity resolution: person reports, normalised keys, synthetic data."""
