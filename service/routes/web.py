"""The staff web pages (``/ui/…``): thin HTML shells; the scripts fetch the JSON API with the user's key.

No page carries letter data: every page is the same for every visitor, and what a role may see is
decided by the API answering the page's requests (401/403), the pages only hiding what would fail.
Scripts, styles and icons are served from the package (``service/web/static``), so the pages work
offline; a Content-Security-Policy allows nothing from elsewhere.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from service import workflow
from service.web import STATIC, TEMPLATES

router = APIRouter(include_in_schema=False)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

# Labels the pages need that /v1/taxonomy does not carry (topics, letter types and departments come from it).
LABELS = {
    "statuses": workflow.LABELS_VI,
    "channels": {
        "mailbox": "Hòm thư góp ý",
        "portal": "Cổng thông tin",
        "email": "Thư điện tử",
        "voters_meeting": "Tiếp xúc cử tri",
        "hotline": "Đường dây nóng",
        "letter": "Thư gửi qua bưu điện",
        "app": "Ứng dụng",
        "other": "Khác",
    },
    "roles": {"clerk": "Cán bộ tiếp nhận", "analyst": "Chuyên viên phân tích", "admin": "Quản trị"},
}


@cache
def _template(name: str) -> str:
    return (TEMPLATES / f"{name}.html").read_text(encoding="utf-8")


def _page(request: Request, page: str, title: str, **data: str | int) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    labels = json.dumps(LABELS, ensure_ascii=False).replace("<", "\\u003c")
    attrs = "".join(f' data-{k.replace("_", "-")}="{escape(str(v))}"' for k, v in data.items())
    html = (
        _template("layout")
        .replace("{{main}}", _template(page))
        .replace("{{title}}", escape(title))
        .replace("{{page}}", page)
        .replace("{{attrs}}", attrs)
        .replace("{{root}}", escape(root))
        .replace("{{labels}}", labels)
    )
    return HTMLResponse(
        html, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    )


@router.get("/")
def root(request: Request) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + "/ui/", status_code=307)


@router.get("/ui")
def ui_slash(request: Request) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + "/ui/", status_code=307)


@router.get("/ui/")
def home(request: Request) -> HTMLResponse:
    return _page(request, "home", "Trang chủ")


@router.get("/ui/login")
def login(request: Request) -> HTMLResponse:
    return _page(request, "login", "Đăng nhập")


@router.get("/ui/queue")
def queue(request: Request) -> HTMLResponse:
    return _page(request, "queue", "Hàng chờ phân loại")


@router.get("/ui/letters/{letter_id:int}")
def letter(request: Request, letter_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> HTMLResponse:
    return _page(request, "letter", f"Đơn thư số {letter_id}", letter_id=letter_id)


@router.get("/ui/trends")
def trends(request: Request) -> HTMLResponse:
    return _page(request, "trends", "Xu hướng")


def install(app: FastAPI) -> None:
    """Add the pages and their static files (scripts, styles) to ``app``."""
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
