"""Benchmarks (``make bench`` → ``scripts/bench.sh``): a script that prints a table, not timed tests.

Module names deliberately do not match pytest's ``test_*.py`` so the suite never collects them.
"""
