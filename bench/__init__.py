"""Benchmarks: commands anyone can run, printing numbers (not run by pytest)."""
