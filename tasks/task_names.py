"""The names the broker's messages carry. Messages name tasks rather than
functions, so a module can move without stranding a queued message; this is
the one place the names are spelled."""

from __future__ import annotations

#: render one job: args ``[job_id]``, on the queue of the job's pool
RENDER_JOB = "talkfarm.render_job"
#: make one webhook delivery attempt: args ``[delivery_id]``, on the webhook queue
DELIVER_WEBHOOK = "talkfarm.deliver_webhook"
