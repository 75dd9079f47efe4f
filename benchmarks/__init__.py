"""Benchmarks: each module measures one operation against a baseline taken in the same run."""
