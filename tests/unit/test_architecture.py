"""The shape of the code (docs/architecture.md), checked on its import graph.

Read with `ast`, never imported: a module-level import is an edge; importing `a.b` also runs
`a/__init__.py`, so it is an edge to `a` too. Imports under `if TYPE_CHECKING:` are for the type
checker only and don't count.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not application code: the test suite, the benchmarks, helper scripts, the migrations.
NOT_APP = {"tests", "bench", "scripts", "migrations", "static", "templates", "docs", "instance"}
# Entry points: they assemble the app and may import any module, and nothing imports them
# (gunicorn.conf.py: the web server's, which warms the app up before forking).
ENTRY_POINTS = {"app", "cli", "gunicorn.conf"}

# Function-level imports allowed, each with its reason: lazy optional dependencies only.
ALLOWED_LOCAL_IMPORTS = {
    # The lookalike table is large; it loads on the first text that needs folding, or at start-up
    # in create_app, never while the module is imported by a command that doesn't need it.
    ("textnorm", "confusable_homoglyphs"): "heavy data, loaded on first use",
    # Alembic (with Mako and Pygments, about 10 MB) only for the migration commands, never in a
    # server process (create_app(serving=True), gunicorn.conf.py).
    ("app", "flask_migrate"): "the migration commands, not in a server",
    ("operations.backup", "alembic"): "the migration history, read by backup and restore only",
}

# The pure scoring core: no Flask, no database, nothing of the site, so the benchmark and the
# methodology can run it alone (DESIGN.md §6).
PURE_SCORING = {
    "scoring.bias",
    "scoring.engine",
    "scoring.figures",
    "scoring.params",
    "scoring.rules",
    "scoring.vocabulary",
}
PURE_ALLOWED = PURE_SCORING | {"scoring"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it names, as written (resolved for relative imports)
    line: int
    local: bool  # inside a function or class body


def app_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(ROOT.glob("*.py")):
        modules[path.stem] = path
    for package in sorted(ROOT.iterdir()):
        if package.name in NOT_APP or not (package / "__init__.py").exists():
            continue
        for path in sorted(package.glob("*.py")):
            name = package.name if path.stem == "__init__" else f"{package.name}.{path.stem}"
            modules[name] = path
    return modules


MODULES = app_modules()


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(name: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.stem == "__init__" else name.rpartition(".")[0]

    def walk(node: ast.AST, local: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            inner = local or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, alias.name, child.lineno, local)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package
                    for _ in range(child.level - 1):
                        parent = parent.rpartition(".")[0]
                    base = f"{parent}.{base}" if base else parent
                for alias in child.names:
                    # `from reviews import services` names a module; `from reviews.models import
                    # Review` names a module's attribute.
                    submodule = f"{base}.{alias.name}"
                    yield Import(
                        name, submodule if submodule in MODULES else base, child.lineno, local
                    )
            yield from walk(child, inner)

    yield from walk(tree, False)


def app_target(target: str) -> str | None:
    """The application module an import runs, or None for the standard library and packages."""
    while target:
        if target in MODULES:
            return target
        target = target.rpartition(".")[0]
    return None


ALL_IMPORTS = [item for name, path in MODULES.items() for item in imports_of(name, path)]


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for item in ALL_IMPORTS:
        target = app_target(item.target)
        if target is None or item.local:
            continue
        graph[item.module].add(target)
        if "." in target:
            graph[item.module].add(target.split(".")[0])  # the package's __init__ runs first
        graph[item.module].discard(item.module)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle, as a path that starts and ends at the same module, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def is_routes(name: str) -> bool:
    return name.rpartition(".")[2].endswith("routes")


def is_forms(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last == "forms" or last.endswith("_forms")


# --- the checks -------------------------------------------------------------------------------


def test_the_walk_sees_the_application():
    """A guard on the checks below: they read the real tree, and a real import is an edge."""
    assert {"app", "reviews.services", "scoring.engine", "employers.models"} <= MODULES.keys()
    graph = module_graph()
    assert "reviews.models" in graph["reviews.services"]
    assert "reviews" in graph["reviews.services"]  # via the package's __init__


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_has_no_cycle():
    cycle = find_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_function_level_imports_in_application_code():
    """An import inside a function hides a dependency (and usually a cycle it works around)."""
    local = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in ALL_IMPORTS
        if item.local and (item.module, item.target.split(".")[0]) not in ALLOWED_LOCAL_IMPORTS
    ]
    assert local == []


def test_the_allow_list_is_used():
    """An entry whose import went away must leave the list too."""
    used = {(item.module, item.target.split(".")[0]) for item in ALL_IMPORTS if item.local}
    assert set(ALLOWED_LOCAL_IMPORTS) <= used


def test_packages_do_not_import_their_routes():
    """Blueprints are registered in create_app: a package's __init__ holds its blueprint only,
    so importing a model or a service never pulls in views."""
    for name in MODULES:
        if "." in name or name in ENTRY_POINTS:
            continue
        targets = {app_target(item.target) for item in ALL_IMPORTS if item.module == name}
        assert not {target for target in targets if target and is_routes(target)}, name


def test_only_the_entry_points_import_views():
    wrong = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in ALL_IMPORTS
        if (target := app_target(item.target))
        and is_routes(target)
        and item.module not in ENTRY_POINTS
    ]
    assert wrong == []


def test_nothing_imports_the_entry_points():
    wrong = [
        f"{item.module}:{item.line}"
        for item in ALL_IMPORTS
        if app_target(item.target) in ENTRY_POINTS and item.module not in ENTRY_POINTS
    ]
    assert wrong == []


def test_only_views_and_forms_import_forms():
    """Services, models and scoring never depend on a form: labels live with the vocabulary
    (reviews.labels), text helpers in textnorm."""
    wrong = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in ALL_IMPORTS
        if (target := app_target(item.target))
        and (is_forms(target) or target == "forms")
        and not (is_routes(item.module) or is_forms(item.module) or item.module in ENTRY_POINTS)
        and item.module != "forms"
    ]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(PURE_SCORING))
def test_the_scoring_core_is_pure(name):
    """No Flask, no SQLAlchemy, nothing of the site beyond the scoring core itself."""
    imported = {item.target.split(".")[0] for item in ALL_IMPORTS if item.module == name}
    assert not imported & {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "wtforms"}
    site = {app_target(item.target) for item in ALL_IMPORTS if item.module == name} - {None}
    assert site <= PURE_ALLOWED, site - PURE_ALLOWED


def test_importing_the_scoring_engine_loads_no_flask():
    """Run in a fresh interpreter: what `import scoring.engine` really loads."""
    code = (
        "import sys, scoring.engine\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'flask_sqlalchemy', 'sqlalchemy', 'werkzeug', 'extensions'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_importing_a_model_loads_no_views():
    code = (
        "import sys, reviews.models\n"
        "print(','.join(sorted(m for m in sys.modules if m.endswith('routes'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
