"""The staff web pages: HTML templates and the scripts and styles they load (all shipped in the package).

The pages are thin: each one fetches the JSON API with the API key the user logged in with
(kept in ``sessionStorage``) and draws what the key's role may see. The router is
``service.routes.web``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
