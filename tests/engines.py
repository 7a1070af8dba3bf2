"""Real engines for the scale tests (issue 15): Redis, SeaweedFS (S3), HAProxy and
``landgis serve`` processes, each on free 127.0.0.1 ports, each stopped when its ``with``
block ends, also when the test failed. Nothing here skips: a missing engine fails loudly
(``make test`` installs them: scripts/system-deps.sh and the dev extra).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gis.settings import REPO_ROOT, Settings
from tests.conftest import free_port, server_env

S3_KEY, S3_SECRET, S3_BUCKET = "landgis-test", "landgis-test-secret", "landgis"


def engine_binary(name: str) -> str:
    """The path of an engine's program: on PATH, in the venv, or in /usr/sbin."""
    venv_bin = Path(sys.executable).parent / name
    for candidate in (shutil.which(name), venv_bin, Path("/usr/sbin") / name):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise RuntimeError(f"{name} is missing: run 'make test' (installs the test engines)")


def wait_until(
    ready: Callable[[], bool], proc: subprocess.Popen, what: str, timeout: float
) -> None:
    """Poll ``ready()`` until true; fail when ``proc`` exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if ready():
                return
        except Exception:  # not answering yet (connection refused, reset, timeout)
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout} s")


@contextmanager
def running(
    cmd: list[str], log: Path, grace_s: float = 15, **kw: object
) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` (output to ``log``); terminate it, then kill it after ``grace_s``, when
    the block ends."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **kw)  # type: ignore[call-overload]
        try:
            yield proc
        finally:
            stop(proc, grace_s)


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate ``proc`` (kill it after ``timeout``)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A real redis-server (no persistence); yields its URL."""
    import redis

    port = free_port()
    cmd = [engine_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
    cmd += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    url = f"redis://127.0.0.1:{port}/0"
    with running(cmd, folder / "redis.log") as proc:
        client = redis.Redis.from_url(url, socket_timeout=1)
        wait_until(lambda: bool(client.ping()), proc, "redis-server", 20)
        client.close()
        yield url


@dataclass(frozen=True)
class S3:
    """An S3 endpoint with its bucket and keys."""

    endpoint: str
    bucket: str = S3_BUCKET
    key: str = S3_KEY
    secret: str = S3_SECRET

    def env(self, prefix: str) -> dict[str, str]:
        """Environment of a landgis process storing under ``s3://bucket/prefix``."""
        return {
            "LANDGIS_STORE_URL": f"s3://{self.bucket}/{prefix}",
            "LANDGIS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.key,
            "AWS_SECRET_ACCESS_KEY": self.secret,
        }


@contextmanager
def seaweedfs(folder: Path) -> Iterator[S3]:
    """A real SeaweedFS (master, volume, filer and S3 gateway in one ``weed server``, its
    telemetry off) with one bucket; yields the S3 endpoint."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    ident = {"name": "landgis", "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}]}
    ident["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]  # type: ignore[assignment]
    config.write_text(json.dumps({"identities": [ident]}))
    ports = {name: free_port() for name in SEAWEED_PORTS}
    cmd = [engine_binary("weed"), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    cmd += [f"-dir={folder / 'data'}", "-master.telemetry=false", "-metricsPort=0"]
    cmd += ["-master.volumeSizeLimitMB=64", "-volume.max=8", "-s3", f"-s3.config={config}"]
    cmd += [f"-{name}={port}" for name, port in ports.items()]
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    filer = f"http://127.0.0.1:{ports['filer.port']}"
    with running(cmd, folder / "weed.log", grace_s=3) as proc:  # its data is thrown away
        # the bucket is a filer folder under /buckets; made once the S3 gateway answers
        wait_until(lambda: httpx.get(endpoint, timeout=2).status_code < 500, proc, "weed", 60)
        wait_until(
            lambda: httpx.post(f"{filer}/buckets/{S3_BUCKET}/", timeout=5).status_code < 500,
            proc,
            "weed bucket",
            30,
        )
        yield S3(endpoint)


def prefixed(s3: S3, prefix: str) -> Any:
    """The bucket's ``prefix`` as an obstore store, to look at what the app wrote."""
    from obstore.store import S3Store

    return S3Store(
        s3.bucket,
        prefix=prefix,
        endpoint=s3.endpoint,
        access_key_id=s3.key,
        secret_access_key=s3.secret,
        region="us-east-1",
        virtual_hosted_style_request=False,
        client_options={"allow_http": True},
    )


def objects(store: Any) -> list[str]:
    """The keys under an obstore store (its prefix), sorted."""
    import obstore

    return sorted(str(o["path"]) for batch in obstore.list(store) for o in batch)


@contextmanager
def stored_on_s3(s3: S3, base: Settings, data_dir: Path) -> Iterator[Any]:
    """Settings of ``base`` storing under a fresh prefix of the bucket (and local scratch
    under ``data_dir``) for the block; yields that prefix as an obstore store."""
    from gis.settings import override_settings

    prefix = f"test-{uuid.uuid4().hex[:10]}"
    on_s3 = base.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": base.sqlalchemy_url(),
            "store_url": s3.env(prefix)["LANDGIS_STORE_URL"],
            "s3_endpoint_url": s3.endpoint,
            "aws_access_key_id": s3.key,
            "aws_secret_access_key": s3.secret,
        }
    )
    override_settings(on_s3)
    try:
        yield prefixed(s3, prefix)
    finally:
        override_settings(base)


SEAWEED_PORTS = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
]


@contextmanager
def landgis_server(
    settings: Settings, log: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real ``landgis serve`` on a free port with extra ``env``; yields (base URL, process)."""
    port = free_port()
    extra = {"LANDGIS_TRADING_CLOSE_INTERVAL_S": "0"} | env
    cmd = [sys.executable, "-m", "landgis", "serve"]
    penv = server_env(settings, port, **extra)
    with running(cmd, log, env=penv, cwd=REPO_ROOT) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: httpx.get(f"{base}/health", timeout=2).status_code == 200, proc, log.name, 60
        )
        yield base, proc


@contextmanager
def haproxy(folder: Path, backends: list[str]) -> Iterator[str]:
    """A real HAProxy running deploy/haproxy/haproxy.cfg unmodified (its addresses set
    through the environment) in front of ``backends`` (base URLs, at most 4); yields its
    base URL."""
    assert 1 <= len(backends) <= 4
    port = free_port()
    env = {
        "LANDGIS_HAPROXY_BIND": f"127.0.0.1:{port}",
        "LANDGIS_HAPROXY_STATS": f"127.0.0.1:{free_port()}",
    }
    env |= {f"LANDGIS_APP{i}": b.removeprefix("http://") for i, b in enumerate(backends, 1)}
    cfg = str(REPO_ROOT / "deploy" / "haproxy" / "haproxy.cfg")
    binary = engine_binary("haproxy")
    check = subprocess.run([binary, "-c", "-f", cfg], env=env, capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy.cfg does not validate: {check.stdout} {check.stderr}")
    base = f"http://127.0.0.1:{port}"
    with running([binary, "-db", "-f", cfg], folder / "haproxy.log", env=env) as proc:
        wait_until(
            lambda: httpx.get(f"{base}/health", timeout=2).status_code == 200, proc, "haproxy", 30
        )
        yield base
