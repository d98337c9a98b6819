"""How long the property-based fuzzers run.

In the suite each property gets a small, fixed, derandomised budget (the same
examples every run, a few seconds in all). ``benchmarks/fuzz_edges.py`` sets
``TALKFARM_FUZZ_EXAMPLES`` to run them long with fresh random examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: examples per property; 0 or unset means the suite's budget
LONG_EXAMPLES = int(os.environ.get("TALKFARM_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(suite_examples: int) -> settings:
    """Hypothesis settings: ``suite_examples`` in the suite, the long run's count under benchmarks/fuzz_edges.py."""
    return settings(
        max_examples=LONG_EXAMPLES or suite_examples,
        deadline=None,  # tests never assert wall time; a slow example is not a failure
        derandomize=not LONG_EXAMPLES,
        database=None,  # nothing written into the working tree
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=True,
    )
