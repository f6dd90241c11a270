"""Evidence storage: the local folder, and the S3-compatible bucket against a local server speaking
S3's HTTP API (moto's ThreadedMotoServer) — the real boto3 client over the network, nothing patched."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from entitlements.models import Evidence
from entitlements.storage import LocalStorage, S3Storage, StoredFileMissing, new_key, storage_from_settings
from tests.entitlements.test_applications import application_for
from tests.entitlements.test_applications_evidence import PDF, upload

BUCKET = "evidence-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="eu-west-2", aws_access_key_id="test", aws_secret_access_key="test"
    ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    yield endpoint
    server.stop()


def _objects(endpoint: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2", aws_access_key_id="test", aws_secret_access_key="test")
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


async def test_the_local_folder_saves_opens_and_deletes(tmp_path) -> None:
    storage = LocalStorage(tmp_path / "evidence")
    key = new_key()
    await storage.save(key, PDF, content_type="application/pdf")
    assert await storage.open(key) == PDF and [p.name for p in (tmp_path / "evidence").iterdir()] == [key]
    await storage.delete(key)
    with pytest.raises(StoredFileMissing):
        await storage.open(key)
    with pytest.raises(StoredFileMissing):  # anything but a key we made names no file
        await storage.open("../../etc/passwd")


async def test_the_s3_bucket_saves_opens_and_deletes(s3_endpoint) -> None:
    storage = S3Storage(bucket=BUCKET, endpoint=s3_endpoint, region="eu-west-2", access_key="test", secret_key="test")
    key = new_key()
    await storage.save(key, PDF, content_type="application/pdf")
    assert f"evidence/{key}" in _objects(s3_endpoint)
    assert await storage.open(key) == PDF
    await storage.delete(key)
    assert f"evidence/{key}" not in _objects(s3_endpoint)
    with pytest.raises(StoredFileMissing):
        await storage.open(key)


@pytest.fixture
def settings(settings, s3_endpoint):
    """The app keeping evidence in the bucket."""
    return settings.model_copy(
        update={
            "evidence_s3_bucket": BUCKET,
            "evidence_s3_endpoint": s3_endpoint,
            "evidence_s3_access_key": SecretStr("test"),
            "evidence_s3_secret_key": SecretStr("test"),
        }
    )


async def test_an_upload_goes_to_the_bucket_when_one_is_configured(client, council, settings, s3_endpoint) -> None:
    assert isinstance(storage_from_settings(settings), S3Storage)
    _family, _child, application = await application_for(client, council)
    assert (await upload(client, application, "letter.pdf", PDF)).status_code == 303
    [evidence] = await Evidence.all()
    assert f"evidence/{evidence.storage_key}" in _objects(s3_endpoint)
    download = await client.get(f"/applications/{application.id}/evidence/{evidence.id}")
    assert download.content == PDF
    assert not (settings.var_dir / "evidence").exists()
