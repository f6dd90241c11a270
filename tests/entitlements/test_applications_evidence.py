"""Evidence files: type from the content, a size limit enforced before the body is read whole, nothing
stored on refusal, downloads only for the family and the council's officers, erasure removes the files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bookings.services import erase_family
from entitlements import applications
from entitlements.enums import ApplicationEventKind
from entitlements.models import Application, ApplicationEvent, Evidence
from entitlements.privacy import delete_evidence_files
from shortbreaks.models import AuditEvent
from tests.conftest import RecordingQueue, queue_in_use
from tests.entitlements.test_applications import application_for, family_of
from tests.factories import NOW, csrf, sign_in

LIMIT = 64 * 1024
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.fixture
def settings(settings):
    """The app with a small limit (64 KB), so a file over it is quick to make."""
    return settings.model_copy(update={"evidence_max_bytes": LIMIT})


def stored(settings) -> list[Path]:
    folder = settings.var_dir / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


async def upload(client, application: Application, name: str, data: bytes, content_type: str = "application/pdf", **kwargs: Any):
    token = await csrf(client, f"/applications/{application.id}")
    return await client.post(
        f"/applications/{application.id}/evidence", data={"csrf_token": token}, files={"file": (name, data, content_type)}, **kwargs
    )


async def test_a_pdf_is_stored_under_a_random_name_and_served_only_as_a_download(client, council, settings) -> None:
    _family, _child, application = await application_for(client, council)
    response = await upload(client, application, "../../EHC plan letter.pdf", PDF)
    assert response.status_code == 303, response.text
    [evidence] = await Evidence.all()
    assert (evidence.filename, evidence.content_type, evidence.size_bytes) == ("EHC plan letter.pdf", "application/pdf", len(PDF))
    [path] = stored(settings)
    assert path.name == evidence.storage_key and path.read_bytes() == PDF and "EHC" not in evidence.storage_key
    assert await ApplicationEvent.filter(kind=ApplicationEventKind.EVIDENCE_ADDED).count() == 1
    assert await AuditEvent.filter(action="entitlements.evidence.added").count() == 1
    page = await client.get(f"/applications/{application.id}")
    assert "EHC plan letter.pdf" in page.text

    download = await client.get(f"/applications/{application.id}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="EHC plan letter.pdf"')
    assert download.headers["x-content-type-options"] == "nosniff"

    # The council's officers may read it; another family and another council's officers may not.
    client.cookies.clear()
    await sign_in(client, council.officer)
    assert (await client.get(f"/applications/{application.id}/evidence/{evidence.id}")).content == PDF
    for someone in (council.other_officer, await family_of(council)):
        client.cookies.clear()
        await sign_in(client, someone)
        assert (await client.get(f"/applications/{application.id}/evidence/{evidence.id}")).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", PNG, "The selected file is a PNG but its name ends .pdf"),
        ("notes.pdf", b"just some text, not a PDF at all", "The selected file must be a PDF, JPEG or PNG"),
        ("animation.gif", b"GIF89a" + b"\x00" * 40, "The selected file must be a PDF, JPEG or PNG"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
async def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_stored(client, council, settings, name, data, message) -> None:
    _family, _child, application = await application_for(client, council)
    response = await upload(client, application, name, data)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert (
        'class="govuk-error-summary' in response.text
        and 'href="#file"' in response.text
        and 'aria-describedby="file-hint file-error"' in response.text
    )
    assert await Evidence.all().count() == 0 and stored(settings) == []


async def test_photos_are_accepted_by_their_content(client, council, settings) -> None:
    _family, _child, application = await application_for(client, council)
    assert (await upload(client, application, "photo.JPG", JPEG, "application/octet-stream")).status_code == 303
    assert (await upload(client, application, "no-extension", PNG, "text/plain")).status_code == 303
    assert sorted(e.content_type for e in await Evidence.all()) == ["image/jpeg", "image/png"]


async def test_a_file_over_the_limit_is_refused_by_its_declared_length_before_any_of_it_is_read(client, council, settings) -> None:
    _family, _child, application = await application_for(client, council)
    token = await csrf(client, f"/applications/{application.id}")
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(200):  # 12.8 MB if read to the end
            sent.append(1)
            yield b"x" * 65536

    response = await client.post(
        f"/applications/{application.id}/evidence",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=b0undary", "content-length": str(200 * 65536), "x-csrf": token},
    )
    assert response.status_code == 422 and "The selected file must be smaller than 64 KB" in response.text
    assert len(sent) <= 1  # the app answered without reading the body
    assert await Evidence.all().count() == 0 and stored(settings) == []


async def test_a_chunked_upload_over_the_limit_is_stopped_at_the_limit(client, council, settings) -> None:
    """No Content-Length (chunked): the body is counted as it streams and reading stops at the limit."""
    _family, _child, application = await application_for(client, council)
    token = await csrf(client, f"/applications/{application.id}")
    sent: list[int] = []
    head = (
        b'--b0undary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode() + b"\r\n"
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF
    )

    async def body() -> AsyncIterator[bytes]:
        sent.append(len(head))
        yield head
        for _ in range(200):  # 12.8 MB of PDF body if read to the end
            sent.append(65536)
            yield b"0" * 65536
        yield b"\r\n--b0undary--\r\n"

    response = await client.post(
        f"/applications/{application.id}/evidence", content=body(), headers={"content-type": "multipart/form-data; boundary=b0undary"}
    )
    assert response.status_code == 422 and "The selected file must be smaller than 64 KB" in response.text
    assert sum(sent) < LIMIT + 20 * 65536  # stopped near the limit, far from the 12.8 MB offered
    assert await Evidence.all().count() == 0 and stored(settings) == []
    # A body that lies about its length (says small, sends more) is stopped the same way.
    sent.clear()
    lying = await client.post(
        f"/applications/{application.id}/evidence",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=b0undary", "content-length": "1000"},
    )
    assert lying.status_code in (400, 422) and sum(sent) < LIMIT + 20 * 65536
    assert await Evidence.all().count() == 0 and stored(settings) == []


async def test_an_upload_without_the_forms_csrf_token_is_refused(client, council, settings) -> None:
    _family, _child, application = await application_for(client, council)
    response = await client.post(f"/applications/{application.id}/evidence", files={"file": ("letter.pdf", PDF, "application/pdf")})
    assert response.status_code == 400
    assert await Evidence.all().count() == 0 and stored(settings) == []


async def test_a_failure_after_the_file_is_stored_removes_it_again(client, council, settings, monkeypatch) -> None:
    _family, _child, application = await application_for(client, council)
    monkeypatch.setattr(applications, "MAX_EVIDENCE", 1)
    assert (await upload(client, application, "first.pdf", PDF)).status_code == 303
    refused = await upload(client, application, "second.pdf", PDF)
    assert refused.status_code == 422 and "An application can have up to 1 files" in refused.text
    assert await Evidence.all().count() == 1 and len(stored(settings)) == 1


async def test_another_familys_upload_url_is_404(client, council, settings) -> None:
    _family, _child, application = await application_for(client, council)
    client.cookies.clear()
    await sign_in(client, await family_of(council))
    assert (await upload(client, application, "letter.pdf", PDF)).status_code == 404
    assert await Evidence.all().count() == 0 and stored(settings) == []


async def test_erasing_a_family_deletes_their_evidence_rows_and_files(client, council, settings) -> None:
    family, _child, application = await application_for(client, council)
    await upload(client, application, "letter.pdf", PDF)
    other_family, _, other_application = await _another_application(council)
    await applications.add_evidence(other_family, other_application, _upload(), storage=_local(settings), now=NOW)
    assert len(stored(settings)) == 2
    [mine] = await Evidence.filter(application_id=application.id)

    with queue_in_use(RecordingQueue()) as queue:
        await erase_family(family, now=NOW)
    [job] = [j for j in queue.enqueued if j.function == "delete_evidence_files"]
    assert job.kwargs["keys"] == [mine.storage_key]
    assert await Evidence.filter(application_id=application.id).count() == 0
    assert await delete_evidence_files({"settings": settings}, keys=job.kwargs["keys"]) == 1
    assert [p.name for p in stored(settings)] == [(await Evidence.get(application_id=other_application.id)).storage_key]
    # A key still held by a row (an erasure rolled back) is never removed.
    kept = await Evidence.get(application_id=other_application.id)
    assert await delete_evidence_files({"settings": settings}, keys=[kept.storage_key]) == 0
    assert len(stored(settings)) == 1


async def _another_application(council) -> tuple[Any, Any, Application]:
    from bookings.models import Child
    from shortbreaks.accounts.services import load_principal
    from tests.bookings.conftest import make_child

    family = await family_of(council)
    child: Child = await make_child(family, first_name="Ava")
    principal = await load_principal(family)
    tier = await applications.applicable_tier(council.profile, "targeted")
    application, _ = await applications.start_application(principal, council.profile, tier, child, now=NOW)
    return principal, child, application


def _upload():
    from entitlements.storage import Upload

    return Upload(filename="dla.pdf", data=PDF, content_type="application/pdf")


def _local(settings):
    from entitlements.storage import storage_from_settings

    return storage_from_settings(settings)


async def test_evidence_is_taken_while_the_council_asks_for_more_information_but_not_while_it_decides(client, council, settings) -> None:
    from entitlements.enums import ApplicationStatus

    _family, _child, application = await application_for(client, council)
    await Application.filter(id=application.id).update(status=ApplicationStatus.SUBMITTED, submitted_at=NOW)
    waiting = await upload(client, application, "letter.pdf", PDF)
    assert waiting.status_code == 409 and "when the council asks for more information" in waiting.text
    assert await Evidence.all().count() == 0 and stored(settings) == []
    await Application.filter(id=application.id).update(status=ApplicationStatus.MORE_INFO, paused_at=NOW)
    assert (await upload(client, application, "letter.pdf", PDF)).status_code == 303
    assert await Evidence.all().count() == 1 and len(stored(settings)) == 1
