"""S3ObjectStore: objects in an S3 bucket (AWS, MinIO, SeaweedFS, Ceph) through boto3.

`put` first spools the stream to a local temporary file while hashing it (the
key is the digest, unknown until the last byte), then sends it with boto3's
multipart transfer. S3 makes an object visible only when its upload
completes, so a crash never leaves a partial object under a real key.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from repository.errors import NotFound, StoreUnavailable
from repository.objects import temp
from repository.objects.ports import HashingReader, StoredObject
from repository.objects.temp import Leftover

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata probes off AWS

SPOOL_PREFIX = "s3-spool-"
# S3 cannot say whether a multipart upload's writer lives, so only those older than any put could be are aborted.
MULTIPART_GRACE_SECONDS = 24 * 3600
PART = 16 * 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=4)


class S3ObjectStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        spool_dir: Path | None = None,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self.spool_dir = spool_dir
        self.prefix = prefix  # lets several repositories (or test runs) share one bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except (ClientError, BotoCoreError) as exc:
                raise StoreUnavailable(f"cannot create bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"S3 endpoint unreachable: {exc}") from exc

    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        if self.spool_dir is not None:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
        # A named file lets boto3 read each part from disk as it sends it, keeping memory flat.
        with tempfile.NamedTemporaryFile(dir=self.spool_dir, prefix=SPOOL_PREFIX) as spool:
            temp.hold(spool.fileno())  # a sweep leaves it alone while this process lives
            reader = HashingReader(stream, max_bytes)
            for chunk in reader.chunks():
                spool.write(chunk)
            spool.flush()
            stored = reader.result()
            if not self.exists(stored.key):  # identical content is stored once
                try:
                    self.client.upload_file(spool.name, self.bucket, self.prefix + stored.key, Config=TRANSFER)
                except (ClientError, BotoCoreError) as exc:
                    raise StoreUnavailable(f"cannot store the object in S3: {exc}") from exc
        return stored

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        args: dict[str, str] = {"Bucket": self.bucket, "Key": self.prefix + key}
        if start or end is not None:
            if end is not None and end <= start:
                return io.BytesIO()
            args["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            body = self.client.get_object(**args)["Body"]
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise NotFound(f"object {key} is missing from the store") from exc
            if _code(exc) == "InvalidRange":
                return io.BytesIO()
            raise StoreUnavailable(f"cannot read the object from S3: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"S3 endpoint unreachable: {exc}") from exc
        return cast(BinaryIO, body)

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return cast(dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=self.prefix + key))
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StoreUnavailable(f"cannot reach the S3 bucket: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"S3 endpoint unreachable: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def local_path(self, key: str) -> Path | None:
        return None  # the bytes are in the bucket: a reader copies them (open)

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise NotFound(f"object {key} is missing from the store")
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailable(f"cannot delete the object from S3: {exc}") from exc

    def leftovers(self, grace_seconds: float, now: float) -> list[Leftover]:
        """Spool files of crashed puts, and multipart uploads S3 holds for them (never visible as objects,
        but billed and kept until aborted)."""
        return temp.leftovers(self.spool_dir, [SPOOL_PREFIX], grace_seconds, now) + [
            Leftover(f"s3://{self.bucket}/{u['Key']}", 0, age) for u, age in self._stale_multiparts(grace_seconds, now)
        ]

    def sweep_leftovers(self, grace_seconds: float, now: float) -> list[Leftover]:
        swept = temp.sweep(self.spool_dir, [SPOOL_PREFIX], grace_seconds, now)
        for upload, age in self._stale_multiparts(grace_seconds, now):
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            except (ClientError, BotoCoreError) as exc:
                raise StoreUnavailable(f"cannot abort a stale multipart upload in S3: {exc}") from exc
            swept.append(Leftover(f"s3://{self.bucket}/{upload['Key']}", 0, age))
        return swept

    def _stale_multiparts(self, grace_seconds: float, now: float) -> list[tuple[dict[str, Any], float]]:
        try:
            listing = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailable(f"cannot list multipart uploads in S3: {exc}") from exc
        stale = []
        for upload in listing.get("Uploads", []):
            age = now - upload["Initiated"].timestamp()
            if age >= max(grace_seconds, MULTIPART_GRACE_SECONDS):
                stale.append((upload, age))
        return stale

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents", []):
                yield obj["Key"][len(self.prefix) :]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
