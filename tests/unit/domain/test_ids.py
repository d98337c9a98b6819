"""Ids made by one process sort in the order they were made, even within one millisecond."""

from __future__ import annotations

from domain.ids import new_id


def test_ids_made_in_one_millisecond_still_sort_in_the_order_they_were_made():
    ids = [new_id("job") for _ in range(2000)]  # far more than one a millisecond
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i.startswith("job_") and len(i) == 30 for i in ids)
