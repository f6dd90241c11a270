"""Officers' JSON API for agreed packages: a child's packages with their amounts over time, recording one,
varying it from a date, ending it early.

Declared for local-authority officers (403 for anyone else); a child of another council, or a
package of another child, is 404. Bad input is a 422 problem naming the field (``ends_on``,
``minutes``, ``pence``, ``effective_from``, ``reason``…); a second change on the same day is 409.
Amounts are minutes and integer pence.
"""

from __future__ import annotations

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from bookings.models import Child
from entitlements import packages
from entitlements.models import AgreedPackage, PackageAmount
from entitlements.package_schemas import AmountOut, EndIn, PackageIn, PackageOut, PackageVariationIn
from shortbreaks.permissions import LA_OFFICER
from shortbreaks.routing import api
from shortbreaks.web import path_uuid, request_now, request_principal

TAGS = ["entitlements"]
BASE = "/api/v1/authority/children/{child_id:uuid}/packages"
ONE = BASE + "/{package_id:uuid}"

_LIST = TypeAdapter(list[PackageOut])


def _out(package: AgreedPackage, amounts: list[PackageAmount]) -> PackageOut:
    return PackageOut(
        id=package.id,
        child_id=package.child_id,
        source=package.source,
        application_id=package.application_id,
        source_reference=package.source_reference,
        starts_on=package.starts_on,
        ends_on=package.ends_on,
        pattern=package.pattern,
        officer_id=package.officer_id,
        amounts=[
            AmountOut(
                effective_from=a.effective_from, minutes=a.minutes, pence=a.pence, per=a.per, reason=a.reason, recorded_by=a.recorded_by_id
            )
            for a in sorted(amounts, key=lambda a: a.effective_from)
        ],
    )


async def _json(package: AgreedPackage, *, status_code: int = 200) -> Response:
    amounts = await PackageAmount.filter(package_id=package.id)
    return Response(_out(package, amounts).model_dump_json(), status_code=status_code, media_type="application/json")


async def _child(request: Request) -> Child:
    return await packages.get_child_for_officer(request_principal(request), path_uuid(request, "child_id"))


async def _package(request: Request) -> AgreedPackage:
    return await packages.get_package(await _child(request), path_uuid(request, "package_id"))


async def list_api(request: Request) -> Response:
    """The child's packages, newest start first, each with its amounts."""
    rows = await packages.list_packages(await _child(request))
    return Response(_LIST.dump_json([_out(p, list(p.amounts)) for p in rows]), media_type="application/json")


async def record_api(request: Request, *, body: PackageIn) -> Response:
    child = await _child(request)
    terms = packages.PackageTerms(**body.model_dump())
    package = await packages.record_package(child, terms, actor=request_principal(request), now=request_now(request))
    return await _json(package, status_code=201)


async def package_api(request: Request) -> Response:
    return await _json(await _package(request))


async def vary_api(request: Request, *, body: PackageVariationIn) -> Response:
    package = await _package(request)
    await packages.vary_package(
        package,
        effective_from=body.effective_from,
        minutes=body.minutes,
        pence=body.pence,
        per=body.per,
        reason=body.reason,
        actor=request_principal(request),
        now=request_now(request),
    )
    return await _json(await AgreedPackage.get(id=package.id), status_code=201)


async def end_api(request: Request, *, body: EndIn) -> Response:
    package = await _package(request)
    ended = await packages.end_package(
        package, ends_on=body.ends_on, reason=body.reason, actor=request_principal(request), now=request_now(request)
    )
    return await _json(ended)


routes = [
    api(
        BASE,
        list_api,
        name="api:entitlements_packages",
        permission=LA_OFFICER,
        response=list[PackageOut],
        errors=[403, 404],
        summary="A child's agreed packages with their amounts over time",
        tags=TAGS,
    ),
    api(
        BASE,
        record_api,
        name="api:entitlements_package_record",
        permission=LA_OFFICER,
        methods=["POST"],
        body=PackageIn,
        response=PackageOut,
        status_code=201,
        errors=[403, 404, 409, 422],
        summary="Record an agreed package and its first amount",
        tags=TAGS,
    ),
    api(
        ONE,
        package_api,
        name="api:entitlements_package",
        permission=LA_OFFICER,
        response=PackageOut,
        errors=[403, 404],
        summary="One agreed package with its amounts over time",
        tags=TAGS,
    ),
    api(
        ONE + "/variations",
        vary_api,
        name="api:entitlements_package_vary",
        permission=LA_OFFICER,
        methods=["POST"],
        body=PackageVariationIn,
        response=PackageOut,
        status_code=201,
        errors=[403, 404, 409, 422],
        summary="A new amount from a date, with the reason",
        tags=TAGS,
    ),
    api(
        ONE + "/end",
        end_api,
        name="api:entitlements_package_end",
        permission=LA_OFFICER,
        methods=["POST"],
        body=EndIn,
        response=PackageOut,
        errors=[403, 404, 422],
        summary="End the package early, with the reason",
        tags=TAGS,
    ),
]
