"""Object store throughput against a raw copy to the same backend, and peak memory while storing a large file.

Baselines: `cp` of the same file into the same filesystem (local) and boto3's
`upload_file` / `download_file` to the same SeaweedFS bucket (S3). Peak RSS is
measured in a child process that streams a generated file of the full size
into the store, against the same child doing nothing but importing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from repository.objects.local import LocalObjectStore
from repository.objects.ports import CHUNK, ObjectStore
from repository.objects.s3 import S3ObjectStore
from tests.s3server import seaweedfs

BUCKET = "mawrid-bench"


def _best(fn: Callable[[], None], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _make_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with open(path, "wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(left, CHUNK)])
            left -= CHUNK


def _put(store: ObjectStore, path: Path) -> str:
    with open(path, "rb") as fh:
        return store.put(fh).key


def _get(store: ObjectStore, key: str) -> None:
    with store.open(key) as fh:
        while fh.read(CHUNK):
            pass


def _drain(body: Any) -> None:
    while body.read(CHUNK):
        pass


def _row(name: str, size: int, ours: float, base: float, base_name: str) -> str:
    mb = size / 1e6
    return f"| {name} | {mb / ours:,.0f} MB/s | {mb / base:,.0f} MB/s ({base_name}) | {base / ours:.2f}× |"


PEAK_RSS = """
import sys
from repository.objects.{module} import {cls}
from repository.objects.ports import CHUNK
size = int(sys.argv[1])
class Gen:
    def __init__(self): self.left = size; self.block = bytes(range(256)) * (CHUNK // 256)
    def read(self, n=-1):
        n = min(self.left, CHUNK if n < 0 else n); self.left -= n; return self.block[:n]
store = {make}
if size: store.put(Gen())
print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def _peak_rss_mb(module: str, cls: str, make: str, size: int) -> float:
    code = PEAK_RSS.format(module=module, cls=cls, make=make)
    out = subprocess.run([sys.executable, "-c", code, str(size)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"storing {size} bytes in the {module} store failed:\n{out.stderr[-3000:]}")
    return int(out.stdout.strip()) / 1024


def run(quick: bool = False) -> str:
    size = (64 if quick else 512) * 1024 * 1024
    big = (256 if quick else 2048) * 1024 * 1024
    lines = [
        "## Object store",
        f"Upload and download of one {size >> 20} MiB file, best of 3, against a raw copy to the same backend.",
        "",
        "| operation | Mawrid | baseline | ratio (Mawrid / baseline speed) |",
        "| --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory(prefix="mawrid-bench-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "sample.bin"
        _make_file(src, size)

        local = LocalObjectStore(tmp / "objects")
        key = _put(local, src)
        up = _best(lambda: (local.delete(key), _put(local, src)))
        cp = _best(lambda: subprocess.run(["cp", str(src), str(tmp / "copy.bin")], check=True))
        down = _best(lambda: _get(local, key))
        cat = _best(lambda: subprocess.run(["cat", str(tmp / "copy.bin")], stdout=subprocess.DEVNULL, check=True))
        lines += [_row("local upload", size, up, cp, "cp"), _row("local download", size, down, cat, "cat")]

        weed_dir = tmp / "weed"
        weed_dir.mkdir()
        with seaweedfs(weed_dir, BUCKET) as endpoint:
            creds = {"endpoint_url": endpoint, "access_key_id": "any", "secret_access_key": "any"}
            s3 = S3ObjectStore(BUCKET, spool_dir=tmp / "spool", **creds)  # type: ignore[arg-type]
            key = _put(s3, src)
            client = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="any",
                aws_secret_access_key="any",
            )
            up = _best(lambda: (s3.delete(key), _put(s3, src)))
            raw_up = _best(lambda: client.upload_file(str(src), BUCKET, "raw/sample.bin"))
            down = _best(lambda: _get(s3, key))
            raw_down = _best(lambda: _drain(client.get_object(Bucket=BUCKET, Key="raw/sample.bin")["Body"]))
            lines += [
                _row("S3 upload", size, up, raw_up, "boto3 upload_file"),
                _row("S3 download", size, down, raw_down, "boto3 get_object"),
            ]
            spool = str(tmp / "spool")
            s3_make = (
                f"S3ObjectStore({BUCKET!r}, endpoint_url={endpoint!r}, access_key_id='any', "
                f"secret_access_key='any', spool_dir=__import__('pathlib').Path({spool!r}))"
            )
            s3_idle = _peak_rss_mb("s3", "S3ObjectStore", s3_make, 0)
            s3_peak = _peak_rss_mb("s3", "S3ObjectStore", s3_make, big)

        local_make = f"LocalObjectStore(__import__('pathlib').Path({str(tmp / 'rss')!r}))"
        idle = _peak_rss_mb("local", "LocalObjectStore", local_make, 0)
        peak = _peak_rss_mb("local", "LocalObjectStore", local_make, big)
    lines += [
        "",
        f"Peak RSS while storing a {big >> 20} MiB stream: local {peak:.0f} MB (idle process {idle:.0f} MB, "
        f"+{peak - idle:.0f} MB); S3 {s3_peak:.0f} MB (idle {s3_idle:.0f} MB, +{s3_peak - s3_idle:.0f} MB). "
        "Memory stays flat whatever the file size: the stream is hashed and written chunk by chunk.",
    ]
    return "\n".join(lines)
