"""Reading an evidence upload (``multipart/form-data``) without ever holding more than the limit.

Starlette's ``request.form()`` (1.10) caps each non-file field (``max_part_size``, 1 MB) but not a
file part: it spools a file of any size to a temporary file before the endpoint sees it. So an
upload is refused here before it is read whole:

1. a declared ``Content-Length`` over the limit (plus room for the form's other fields) is refused
   before a byte of the body is read;
2. the body is counted while it streams into Starlette's ``MultiPartParser``, and reading stops at
   the limit, so a body with a false ``Content-Length`` or none (chunked) is stopped there too;
3. the file part itself must be no larger than the limit, not empty, and a PDF, JPEG or PNG by its
   content (:func:`entitlements.storage.sniff`); a name ending in another type's extension (a PNG
   named ``.pdf``) is refused as not what it says it is.

Nothing is stored until all of that has passed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from entitlements.storage import ALLOWED_TYPES, Upload, sniff
from shortbreaks.errors import BadRequest, FieldError, ValidationFailed

FIELD = "file"
# Room for the multipart boundaries, part headers and the form's small fields (the CSRF token).
FORM_OVERHEAD = 16 * 1024
MAX_FILENAME = 255
# The name endings each accepted type goes by.
EXTENSIONS = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def size_text(limit: int) -> str:
    """``10 MB`` (binary megabytes, as file managers round them)."""
    mib = limit / (1024 * 1024)
    return f"{mib:g} MB" if mib >= 1 else f"{max(1, limit // 1024)} KB"


def too_large(limit: int) -> ValidationFailed:
    message = f"The selected file must be smaller than {size_text(limit)}"
    return ValidationFailed(message, code="file_too_large", errors=[FieldError(FIELD, message)])


def refused(message: str, code: str = "file_refused") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors=[FieldError(FIELD, message)])


class _Stopped(Exception):
    """The body went past the limit: reading stopped."""


async def read_form(request: Request, *, limit: int) -> FormData:
    """The multipart form, read with the body capped at ``limit`` plus :data:`FORM_OVERHEAD`."""
    cap = limit + FORM_OVERHEAD
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise refused("Choose a file to upload and send the form again", code="not_multipart")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("Content-Length is not a number")
        if int(declared) > cap:
            raise too_large(limit)

    async def counted() -> AsyncGenerator[bytes, None]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                raise _Stopped
            yield chunk

    parser = MultiPartParser(request.headers, counted(), max_files=1, max_fields=4, max_part_size=4096)
    try:
        return await parser.parse()
    except _Stopped:
        raise too_large(limit) from None
    except MultiPartException:
        raise refused("The file could not be read. Choose it again and send the form again", code="malformed_upload") from None


async def take_file(form: FormData, *, limit: int) -> Upload:
    """The form's one file, checked: present, not empty, within the limit, a PDF, JPEG or PNG by content."""
    item = form.get(FIELD)
    if not isinstance(item, UploadFile) or not item.filename:
        raise refused("Select a file to upload", code="no_file")
    try:
        data = await item.read(limit + 1)
    finally:
        with contextlib.suppress(Exception):
            await item.close()
    if len(data) > limit:
        raise too_large(limit)
    if not data:
        raise refused("The selected file is empty", code="empty_file")
    content_type = sniff(data)
    if content_type is None:
        kinds = ", ".join(ALLOWED_TYPES.values())
        raise refused(f"The selected file must be a {kinds.replace(', P', ' or P')}", code="file_type")
    name = item.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:MAX_FILENAME] or "evidence"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and EXTENSIONS.get(extension) != content_type:
        # A file that is not what its name says (a PNG named .pdf): refused, so what the council
        # opens is what the family thought they sent.
        raise refused(
            f"The selected file is a {ALLOWED_TYPES[content_type]} but its name ends .{extension}: "
            "check it is the file you meant, and rename it or save it again as a PDF, JPEG or PNG",
            code="file_type_mismatch",
        )
    return Upload(filename="".join(c for c in name if c.isprintable()), data=data, content_type=content_type)


async def close_form(form: FormData) -> None:
    with contextlib.suppress(Exception):
        await form.close()
