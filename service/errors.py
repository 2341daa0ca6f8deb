"""Errors at the HTTP edge: every bad input is a 4xx naming the field, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("homthu.service")


class ApiError(Exception):
    """A 4xx answer that names the field (``loc``) at fault and says what is wrong."""

    def __init__(self, status: int, loc: tuple, message: str, headers: dict | None = None):
        self.status, self.loc, self.message, self.headers = status, loc, message, headers


def field_error(loc: tuple, message: str, status: int = 422) -> ApiError:
    return ApiError(status, loc, message)


def _where(loc) -> str:
    return ".".join(str(p) for p in loc)


def _allowed_methods(request: Request) -> list[str]:
    """Every documented method at this path (Starlette's 405 names only the first route's)."""
    import re

    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        for method, op in operations.items():
            integer = {
                p["name"]
                for p in op.get("parameters", [])
                if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
            }

            def part(m: re.Match, ints: set = integer) -> str:
                return r"\d+" if m.group(1) in ints else "[^/]+"

            pattern = re.sub(r"\\\{([^/]+?)\\\}", part, re.escape(template))
            if re.fullmatch(pattern, request.url.path):
                methods.add(method.upper())
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = tuple(e.get("loc", ()))
            if len(loc) > 1 and loc[0] == "body" and loc[1] in ("single", "batch"):
                loc = (loc[0], *loc[2:])  # the classify union's internal tags
            e = {**e, "loc": loc}
            msg = e.get("msg", "invalid")
            if e.get("type") == "json_invalid":
                msg = "request body is not valid JSON"
            elif e.get("type") == "extra_forbidden":
                msg = "unknown field"
            errors.append(
                {"loc": list(e.get("loc", ())), "field": _where(e.get("loc", ())), "msg": msg, "type": e.get("type")}
            )
        message = "; ".join(f"{x['field']}: {x['msg']}" for x in errors)
        return JSONResponse(status_code=422, content=jsonable_encoder({"message": message, "detail": errors}))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        where = _where(exc.loc)
        return JSONResponse(
            status_code=exc.status,
            content={
                "message": f"{where}: {exc.message}" if where else exc.message,
                "detail": [{"loc": list(exc.loc), "field": where, "msg": exc.message, "type": "value_error"}],
            },
            headers=exc.headers,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return JSONResponse(status_code=400, content={"message": "body: not valid UTF-8 JSON", "detail": None})
        if exc.status_code == 405:
            return JSONResponse(
                status_code=405,
                content={"message": "method not allowed", "detail": None},
                headers={"Allow": ", ".join(_allowed_methods(request))},
            )
        return JSONResponse(
            status_code=exc.status_code,
            content={"message": str(exc.detail), "detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The letter text is never logged: only the route and the error type.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(status_code=500, content={"message": "internal error; it has been logged"})
