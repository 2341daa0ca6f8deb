"""Tables as downloads: CSV (UTF-8 with a BOM, so Excel reads Vietnamese) and Excel (.xlsx)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

from fastapi.responses import Response
from openpyxl import Workbook

Format = Literal["json", "csv", "xlsx"]
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FILE_RESPONSES = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "JSON, or with `format=csv|xlsx` the same table as a file.",
    }
}


def _cell(value):
    # a cell that starts like a formula is written as text (no formula injection in Excel)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table_response(columns: Sequence[str], rows: Sequence[Sequence], *, name: str, format: Format) -> Response:
    """``rows`` under ``columns`` as a CSV or .xlsx attachment named ``name``."""
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        body = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        media, ext = CSV, "csv"
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=name[:31])
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        body, media, ext = buffer.getvalue(), XLSX, "xlsx"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})
