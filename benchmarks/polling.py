"""How cheap is polling? Many concurrent pollers on GET /v1/jobs/{id} against
the API under gunicorn (its production server), on PostgreSQL.

Each poller rotates over the tenant's jobs and sends If-None-Match with the
ETag it saw, as a well-behaved CMS does; most answers are 304s. Load comes
from wrk (Debian's `wrk`; installed with apt if missing and we are root).

    python benchmarks/polling.py                 # 16, 64 and 256 connections, 15 s each, as fast as answered
    python benchmarks/polling.py --rate 1000     # the same pollers offering 1,000 polls/s in all
    python benchmarks/polling.py --connections 64 --seconds 30 --etag off

Goal on this 2-core machine: at least 1,000 polls/s with p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import services  # noqa: E402

LUA = r"""
-- Each poller keeps the ETag it last saw per job. Responses come back on the
-- connection that asked, but wrk's callbacks do not say which request a
-- response answers, so the ETag itself carries the key: "<job id tail>-<version>-…".
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local ids = {}
local etags = {}
local i = 0
local use_etag = %s
not_modified, full = 0, 0
init = function(args)
  for line in io.lines("%s") do table.insert(ids, line) end
  i = math.random(#ids)
end
request = function()
  i = (i %% #ids) + 1
  local id = ids[i]
  local headers = {["Authorization"] = "Bearer %s"}
  local tag = etags[string.sub(id, -12)]
  if use_etag and tag then headers["If-None-Match"] = tag end
  return wrk.format("GET", "/v1/jobs/" .. id, headers)
end
local pause = %s
delay = function() return pause end
response = function(status, headers, body)
  if status == 304 then not_modified = not_modified + 1 else full = full + 1 end
  local tag = headers["ETag"] or headers["etag"]
  if tag then etags[string.match(tag, '^"([^-]+)')] = tag end
end
done = function(summary, latency, requests)
  local nm, f = 0, 0
  for _, t in ipairs(threads) do nm = nm + t:get("not_modified"); f = f + t:get("full") end
  io.write(string.format("JSON {\"requests\": %%d, \"duration_us\": %%d, \"p50_us\": %%d, \"p99_us\": %%d, \"non2xx3xx\": %%d, \"errors\": %%d, \"not_modified\": %%d, \"full\": %%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, nm, f))
end
"""


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    return wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--api-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--api-threads", type=int, default=8, help="threads per gunicorn process")
    parser.add_argument("--etag", choices=["on", "off"], default="on")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="offered polls/s in all (0: as fast as the server answers)"
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    server = services.ensure_postgres()
    if server is None:
        raise SystemExit("needs PostgreSQL on 127.0.0.1:5432")
    name = f"talkfarm_poll_{uuid.uuid4().hex[:8]}"
    database_url = services.create_database(server, name)
    tmp = Path(tempfile.mkdtemp(prefix="talkfarm-poll-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
    env.update(TALKFARM_DATA_DIR=str(tmp / "data"), TALKFARM_DATABASE_URL=database_url)
    talkfarm = [sys.executable, "-m", "cli.main"]
    api = None
    try:
        subprocess.run(talkfarm + ["db", "upgrade"], env=env, check=True, capture_output=True)
        key = subprocess.run(
            talkfarm + ["keys", "create", "--tenant", "poller"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        port = services.free_port()
        api = subprocess.Popen(
            talkfarm
            + ["api", "--port", str(port), "--workers", str(args.api_workers), "--threads", str(args.api_threads)],
            env=env,
            stdout=open(tmp / "api.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        services.wait_for(lambda: _up(base), 60, "api")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        ids = [
            session.post(base + "/v1/jobs", json={"script": f"Poll me {i}.", "avatar": "astronaut"}).json()["id"]
            for i in range(args.jobs)
        ]
        (tmp / "ids.txt").write_text("\n".join(ids) + "\n")
        rows = []
        for connections in args.connections:
            # --rate: each connection waits between polls so that all together offer that many per second
            pause_ms = int(connections * 1000 / args.rate) if args.rate else 0
            (tmp / "poll.lua").write_text(
                LUA % ("true" if args.etag == "on" else "false", tmp / "ids.txt", key, pause_ms)
            )
            threads = min(2, connections)
            out = subprocess.run(
                [
                    wrk,
                    "-t",
                    str(threads),
                    "-c",
                    str(connections),
                    "-d",
                    f"{args.seconds}s",
                    "--latency",
                    "-s",
                    str(tmp / "poll.lua"),
                    base,
                ],
                capture_output=True,
                text=True,
            )
            result = json.loads(re.search(r"^JSON (.*)$", out.stdout, re.M).group(1))
            share = result["not_modified"] / max(1, result["not_modified"] + result["full"])
            rows.append(
                (
                    connections,
                    result["requests"] / (result["duration_us"] / 1e6),
                    result["p50_us"] / 1000,
                    result["p99_us"] / 1000,
                    share,
                    result["non2xx3xx"] + result["errors"],
                )
            )
        offered = f"offered {args.rate:.0f} polls/s" if args.rate else "closed loop (each poller asks again at once)"
        print(
            f"GET /v1/jobs/{{id}}, ETag {args.etag}, gunicorn {args.api_workers} processes x {args.api_threads} threads, "
            f"PostgreSQL, {args.jobs} jobs, wrk {args.seconds} s per row, {offered}"
        )
        print("connections | polls/s | p50 ms | p99 ms | answered 304 | errors")
        print("----------- | ------- | ------ | ------ | ------------ | ------")
        for c, rps, p50, p99, share, errors in rows:
            print(f"{c:>11} | {rps:>7.0f} | {p50:>6.1f} | {p99:>6.1f} | {share:>12.0%} | {errors:>6}")
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        services.drop_database(server, name)


def _up(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


if __name__ == "__main__":
    main()
