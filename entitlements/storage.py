"""Where evidence files are kept: outside the web root, behind a three-call interface.

- :class:`LocalStorage` (the default): a folder, ``EVIDENCE_DIR`` or ``<var_dir>/evidence``.
- :class:`S3Storage`: an S3-compatible bucket (AWS, MinIO, Ceph…) when ``EVIDENCE_S3_BUCKET`` is
  set, with ``EVIDENCE_S3_ENDPOINT``, ``EVIDENCE_S3_REGION`` and the access keys. It uses boto3
  (synchronous), run in a worker thread so the event loop is never blocked.

Keys are random (:func:`new_key`): a family's filename is shown on pages but never used as a
path. A key that is not one we made (anything but 32 lowercase hex digits) names no file.
The kinds of file we accept are decided from the content's first bytes (:func:`sniff`), never
from the name or the browser's declared type.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import anyio
import filetype

from shortbreaks.settings import Settings

# What a family may send: PDF, JPEG and PNG, named by the type their content shows.
ALLOWED_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    """A random storage key (128 bits): nothing about the family or the file is in it."""
    return secrets.token_hex(16)


def sniff(head: bytes) -> str | None:
    """The content type the file's magic bytes show, if it is one we accept (``filetype`` reads the
    first 261 bytes); ``None`` for anything else, whatever its name says."""
    kind = filetype.guess(head[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    return str(kind.mime)


@dataclass(frozen=True)
class Upload:
    """A file a family sent, checked (:mod:`entitlements.uploads`): its shown name, bytes and type by content."""

    filename: str
    data: bytes
    content_type: str  # from the content, never from the request

    @property
    def size(self) -> int:
        return len(self.data)


class StoredFileMissing(Exception):
    """The storage holds no file under that key."""


class EvidenceStorage(Protocol):
    async def save(self, key: str, data: bytes, *, content_type: str) -> None: ...

    async def open(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


def _check_key(key: str) -> str:
    if not _KEY.match(key):
        raise StoredFileMissing(key)
    return key


class LocalStorage:
    """Files in a folder, one per key, written to a temporary name then renamed (never half a file)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    async def save(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)

        await anyio.to_thread.run_sync(write)

    async def open(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except FileNotFoundError:
            raise StoredFileMissing(key) from None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))


class S3Storage:
    """Objects in an S3-compatible bucket, under ``evidence/<key>``."""

    def __init__(self, *, bucket: str, endpoint: str | None, region: str, access_key: str | None, secret_key: str | None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
        )

    @staticmethod
    def _name(key: str) -> str:
        return "evidence/" + _check_key(key)

    async def save(self, key: str, data: bytes, *, content_type: str) -> None:
        name = self._name(key)
        await anyio.to_thread.run_sync(lambda: self.client.put_object(Bucket=self.bucket, Key=name, Body=data, ContentType=content_type))

    async def open(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        name = self._name(key)

        def read() -> bytes:
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    raise StoredFileMissing(key) from None
                raise
            data: bytes = body.read()
            return data

        return await anyio.to_thread.run_sync(read)

    async def delete(self, key: str) -> None:
        name = self._name(key)
        await anyio.to_thread.run_sync(lambda: self.client.delete_object(Bucket=self.bucket, Key=name))


def storage_from_settings(settings: Settings) -> EvidenceStorage:
    """The configured storage (one per configuration and process: boto3 clients are reusable)."""
    return _storage(
        settings.evidence_s3_bucket,
        settings.evidence_s3_endpoint,
        settings.evidence_s3_region,
        settings.evidence_s3_access_key.get_secret_value() if settings.evidence_s3_access_key else None,
        settings.evidence_s3_secret_key.get_secret_value() if settings.evidence_s3_secret_key else None,
        str(settings.evidence_dir or settings.var_dir / "evidence"),
    )


@lru_cache(maxsize=8)
def _storage(bucket: str | None, endpoint: str | None, region: str, access: str | None, secret: str | None, folder: str) -> EvidenceStorage:
    if bucket:
        return S3Storage(bucket=bucket, endpoint=endpoint, region=region, access_key=access, secret_key=secret)
    return LocalStorage(Path(folder))
