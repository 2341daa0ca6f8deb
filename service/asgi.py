"""The entry point of a service process: ``uvicorn service.asgi:create_app --factory``.

scikit-learn imports pandas and pyarrow whenever they are installed (to accept dataframes, which
the service never gives it): about 60 MB in every worker. They are installed for training
(``datasets`` needs them), which never runs in a service process, so a process started here keeps
them out before anything imports scikit-learn. A process that imported them already (a test run,
a notebook) keeps them.
"""

from __future__ import annotations

import sys

for _module in ("pandas", "pyarrow"):
    sys.modules.setdefault(_module, None)

from service.app import create_app as _create_app  # noqa: E402


def create_app():
    """The app with the settings of the environment (``HOMTHU_*``), as ``homthu serve`` runs it."""
    return _create_app()
