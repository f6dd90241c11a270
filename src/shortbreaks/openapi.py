"""The OpenAPI 3.1 document, generated from the declared routes and their pydantic schemas."""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from shortbreaks.routing import DeclaredRoute, walk_routes

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "code", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")
_CONVERTOR_SCHEMAS = {
    None: {"type": "string"},
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "uuid": {"type": "string", "format": "uuid"},
    "path": {"type": "string"},
    "float": {"type": "number"},
}


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}

    def ref(self, annotation: Any, mode: JsonSchemaMode) -> dict[str, Any]:
        adapter = TypeAdapter(annotation)
        schema = adapter.json_schema(ref_template="#/components/schemas/{model}", mode=mode, schema_generator=GenerateJsonSchema)
        definitions = schema.pop("$defs", {})
        self.components.update(definitions)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and "properties" in schema:
            name = annotation.__name__
            self.components[name] = schema
            return {"$ref": f"#/components/schemas/{name}"}
        return schema


def _openapi_path(path: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for match in _PARAM.finditer(path):
        params.append(
            {
                "name": match.group(1),
                "in": "path",
                "required": True,
                "schema": dict(_CONVERTOR_SCHEMAS.get(match.group(2), {"type": "string"})),
            }
        )
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", path), params


def _query_parameters(model: type[BaseModel], schemas: _Schemas) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation", ref_template="#/components/schemas/{model}")
    schemas.components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        if not param["required"]:
            param["allowEmptyValue"] = True  # a blank value means "not given" (routing.parse_query)
        params.append(param)
    return params


def _is_list_response(annotation: Any) -> bool:
    return get_origin(annotation) is list and bool(get_args(annotation))


def build_openapi(routes: list[Any], *, title: str, version: str) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, Any] = {}
    for full_path, route in walk_routes(routes):
        if not isinstance(route, DeclaredRoute) or route.spec is None:
            continue
        spec = route.spec
        path, path_params = _openapi_path(full_path)
        for method in sorted(route.methods or []):
            if method == "HEAD":
                continue
            operation: dict[str, Any] = {
                "operationId": (route.name or path).replace(":", "_") + ("" if method == "GET" else "_" + method.lower()),
                "summary": spec.summary or (route.original_endpoint.__doc__ or "").strip().split("\n")[0],
                "tags": list(spec.tags) or [full_path.split("/")[3] if full_path.startswith("/api/v1/") else "other"],
                "parameters": list(path_params),
                "responses": {},
            }
            if spec.description:
                operation["description"] = spec.description
            if spec.query is not None:
                operation["parameters"].extend(_query_parameters(spec.query, schemas))
            if not operation["parameters"]:
                del operation["parameters"]
            if spec.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": schemas.ref(spec.body, "validation")}},
                }
            if spec.upload_field is not None:
                file_schema = {"type": "string", "format": "binary"}
                form_schema = {"type": "object", "properties": {spec.upload_field: file_schema}, "required": [spec.upload_field]}
                operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": form_schema}}}
            if route.permission.requires_user and route.kind == "api":
                operation["security"] = [{"bearerAuth": []}]
            else:
                operation["security"] = []
            ok: dict[str, Any] = {"description": "Success"}
            if spec.status_code == 204:
                ok = {"description": "No content"}
            elif spec.response is not None:
                ok["content"] = {spec.content_type: {"schema": schemas.ref(spec.response, "serialization")}}
            elif spec.content_type != "application/json":
                ok["content"] = {spec.content_type: {"schema": {"type": "string"}}}
            operation["responses"][str(spec.status_code)] = ok
            problem_ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            error_statuses = set(spec.errors)
            if spec.body is not None or spec.upload_field is not None:
                error_statuses |= {400, 413, 415, 422}
            if spec.query is not None:
                error_statuses.add(422)
            if route.permission.requires_user and route.kind == "api":
                error_statuses.add(401)
                if route.permission.roles or route.permission.site_admin:
                    error_statuses.add(403)
            if path_params:
                error_statuses.add(404)
            for status in sorted(error_statuses):
                operation["responses"][str(status)] = {"description": _STATUS_TEXT.get(status, "Error"), "content": problem_ref}
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": "The shortbreaks JSON API. Errors are RFC 9457 problem details."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/auth/tokens"}},
        },
    }


_STATUS_TEXT = {
    400: "Malformed request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported content type",
    422: "Validation failed",
    429: "Too many requests",
    503: "Unavailable",
}
