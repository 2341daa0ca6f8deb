"""A fuzz run of the whole OpenAPI (schemathesis) against a real uvicorn: no 5xx, no schema violation.

`positive_data_acceptance` is left out on purpose: labels, statuses and cursors are validated against
editable configuration and state at run time, so some schema-valid values are rightly refused (422).
One worker: with two threads, hypothesis's ``ast.parse`` of its own sources trips a CPython 3.11
bug ("AST constructor recursion depth mismatch") now and then, a runtime error of the tool, not of ours.
"""

import subprocess
import sys
from pathlib import Path

from tests.conftest import server_key

ST = str(Path(sys.executable).parent / "schemathesis")


def test_openapi_fuzz_finds_no_server_error_and_no_schema_violation(server):
    key = server_key(server, "fuzzer", "admin")
    ingest = subprocess.run(
        ["curl", "-s", "-X", "POST", f"{server.url}/v1/letters", "-H", f"X-API-Key: {key}",
         "-H", "content-type: application/json", "-d", '{"text": "Đèn đường ngõ 12 hỏng", "external_id": "seed-1"}'],
        capture_output=True, text=True, timeout=60)
    assert '"id"' in ingest.stdout
    proc = subprocess.run(
        [ST, "run", f"{server.url}/openapi.json", "-H", f"X-API-Key: {key}", "--checks", "all",
         "--exclude-checks", "positive_data_acceptance", "--max-examples", "15", "--seed", "20251128",
         "--workers", "1", "--max-time", "90", "--suppress-health-check", "all", "--request-timeout", "30"],
        capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert "Server error" not in proc.stdout
