"""Suites run against an environment (a replica or a deployed one), each run leaving evidence."""

from greenroom.suites.run import SUITES, SuiteRun, run_suite
from greenroom.suites.target import Target, resolve_target

__all__ = ["SUITES", "SuiteRun", "Target", "resolve_target", "run_suite"]
