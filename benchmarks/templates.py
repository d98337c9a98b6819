"""What templating a 1,000-row batch costs, from submission to the last job admitted.

One API process (the Flask app, in-process) on SQLite in a temporary data dir, or
on PostgreSQL with ``--database-url``; a recording sender stands in for the broker
and one online worker gives the pool room for the whole batch, so every job is admitted
(marked and handed to the broker) inside the request, as in a farm with that room.
Each variant submits the same 1,000 composed jobs (a headline lower third, a colour
background, a two-sentence script), and the clock runs from the request to its
201: by then every row is checked, every job row committed and every job handed to
the broker. Between runs the jobs are marked finished, so each run finds the pool empty.

    python benchmarks/templates.py                 # SQLite, 1,000 rows, 3 runs
    python benchmarks/templates.py --rows 200 --runs 1
    python benchmarks/templates.py --database-url postgresql+psycopg://localhost/talkfarm_bench
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.stubs import RecordingSender  # noqa: E402
from tests.templates_fixtures import NEWS, csv_text, rows  # noqa: E402


def farm(data_dir: Path, database_url: str | None, room: int):
    import sqlalchemy as sa

    from api.app import create_app
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from domain.models import Job, Worker
    from domain.tenants import create_key, get_or_create_tenant
    from domain.timeutil import utcnow

    overrides = {"database_url": database_url} if database_url else {}
    settings = Settings.from_env({}, data_dir=data_dir, pools=("cpu",), **overrides)
    upgrade(settings)
    sessions = session_factory(settings)
    with sessions() as session, session.begin():
        if database_url:
            session.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in Job.metadata.sorted_tables) + " CASCADE"))
        tenant = get_or_create_tenant(session, "newsroom")
        tenant.max_in_flight = 100_000
        key = create_key(session, tenant)
        session.add(
            Worker(
                id="bench",
                hostname="h",
                tag="cpu",
                arch="x86_64",
                concurrency=room,
                state="online",
                heartbeat_at=utcnow(),
            )
        )
    sender = RecordingSender()
    client = create_app(settings, sender=sender).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"

    def finish_all() -> None:
        """Every job so far finished, and the worker heard from (a run outlasts a heartbeat's lifetime)."""
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).values(status="succeeded"))
            session.execute(sa.update(Worker).values(heartbeat_at=utcnow()))

    return client, sender, finish_all


def filled(row: dict) -> dict:
    """The job a row of the template makes, written out by hand: the baseline without templating."""
    return {
        **NEWS["body"],
        "script": f"{row['headline']}. {row['story']}",
        "voice": None,
        "background": {"type": "color", "color": "#1f2937"},
        "overlays": [{"type": "text", "text": row["headline"], "role": "lower_third"}],
    }


def timed(send) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    response = send()
    return time.perf_counter() - wall, time.process_time() - cpu, response


def run(count: int, runs: int, database_url: str | None) -> list[dict]:
    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="talkfarm-templates-bench-") as tmp:
        client, sender, finish_all = farm(Path(tmp), database_url, count)
        template_id = client.post("/v1/templates", json=NEWS).get_json()["id"]
        data = rows(count)
        text = csv_text(["headline", "story"], [[r["headline"], r["story"]] for r in data])
        variants = {
            "plain batch, bodies written out (baseline)": lambda: client.post(
                "/v1/batches", json={"jobs": [filled(r) for r in data]}
            ),
            "template, JSON rows": lambda: client.post("/v1/batches", json={"template_id": template_id, "rows": data}),
            "template, CSV upload": lambda: client.post(
                "/v1/batches",
                data={"file": (io.BytesIO(text.encode()), "rows.csv"), "template_id": template_id},
                content_type="multipart/form-data",
            ),
        }
        client.post("/v1/batches", json={"template_id": template_id, "rows": data[:5]})  # warm: voices, fonts
        finish_all()
        for _ in range(runs):
            for name, send in variants.items():
                sent_before = len(sender.sent)
                wall, cpu, response = timed(send)
                assert response.status_code == 201, response.get_data(as_text=True)[:500]
                assert response.get_json()["size"] == count
                results.setdefault(name, []).append((wall, cpu))
                results.setdefault(name + "#sent", []).append((len(sender.sent) - sent_before, 0))
                finish_all()
    table = []
    for name in variants:
        walls = [w for w, _ in results[name]]
        cpus = [c for _, c in results[name]]
        table.append(
            {
                "variant": name,
                "rows": count,
                "wall_s": statistics.median(walls),
                "cpu_s": statistics.median(cpus),
                "ms_per_row": 1000 * statistics.median(walls) / count,
                "sent": int(min(n for n, _ in results[name + "#sent"])),
            }
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    table = run(args.rows, args.runs, args.database_url)
    base = table[0]["wall_s"]
    print(f"{'variant':<45} {'rows':>5} {'wall s':>8} {'cpu s':>7} {'ms/row':>7} {'vs base':>8} {'sent':>5}")
    for r in table:
        print(
            f"{r['variant']:<45} {r['rows']:>5} {r['wall_s']:>8.2f} {r['cpu_s']:>7.2f} {r['ms_per_row']:>7.2f} "
            f"{r['wall_s'] / base:>7.2f}x {r['sent']:>5}"
        )
    print(
        f"median of {args.runs} runs; database: {'PostgreSQL' if args.database_url else 'SQLite'}; "
        "sent: jobs handed to the broker by the time the 201 came back (fewest of the runs)"
    )


if __name__ == "__main__":
    main()
