"""The package layout: names resolve inside the repo; training and service never import each other."""

import ast
import importlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_generic_package_names_resolve_inside_the_repo():
    for name in ("models", "training", "service", "homthu"):
        module = importlib.import_module(name)
        assert Path(module.__file__).resolve().parent == REPO / name, name


def imports_of(package: str) -> set[str]:
    found = set()
    for path in (REPO / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_dependency_direction():
    assert not imports_of("models") & {"training", "service", "homthu"}
    assert "service" not in imports_of("training")
    assert "training" not in imports_of("service")
