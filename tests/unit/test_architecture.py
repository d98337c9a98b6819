"""The layers of docs/design.md hold: import-linter's contracts (in pyproject.toml)
pass with nothing ignored, and no project import hides inside a function
except to load something heavy lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAYERS = ["cli", "api", "tasks", "workers", "media", "storage", "domain"]

#: modules whose function-level project imports are deliberate: the CLI's
#: client commands stay fast by not loading the server, the renderer or torch
LAZY_ON_PURPOSE = {"cli"}


def test_import_contracts_pass_with_nothing_ignored():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = config["contracts"]
    assert [c["layers"] for c in contracts if c["type"] == "layers"] == [LAYERS]
    assert any(c["type"] == "acyclic_siblings" for c in contracts)
    faces = [c for c in contracts if c["type"] == "forbidden" and "media.tts.*" in c.get("forbidden_modules", [])]
    assert faces and {"api", "tasks", "workers", "cli"} <= set(faces[0]["source_modules"])  # media's faces
    assert not [c["name"] for c in contracts if c.get("ignore_imports")]
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]


def test_project_imports_inside_functions_are_only_lazy_loads_of_heavy_code():
    found = []
    for package in LAYERS:
        if package in LAZY_ON_PURPOSE:
            continue
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text())
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(func):
                    module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
                    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module or ""]
                    found += [
                        f"{path.relative_to(REPO)}:{node.lineno} {n}"
                        for n in names
                        if n.split(".")[0] in LAYERS and isinstance(node, ast.Import | ast.ImportFrom)
                    ]
    assert len(found) <= ALLOWED_INNER_IMPORTS, "\n".join(found)


#: the deliberate ones outside the CLI, each a lazy load of heavy code; see the list the test prints
ALLOWED_INNER_IMPORTS = 0
