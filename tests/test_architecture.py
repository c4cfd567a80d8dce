"""The house flows one way: each app imports only the apps on the floors below it, and no module
imports itself back through others (docs/architecture.md, "Floors").

Every import is read from the source with ``ast``, also the ones inside functions, because a lazy
import is still a dependency: it only hides it from Python at load time. Migrations are left out (they
name other apps' migrations by design), and so are the tests.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. An app may import its own modules and those of the apps on lower floors; apps on the
# same floor know nothing of each other.
FLOORS: list[set[str]] = [{"portal"}, {"catalog"}, {"applications"}, {"windows", "reviews"}]
FLOOR_OF = {app: level for level, apps in enumerate(FLOORS) for app in apps}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for app in FLOOR_OF:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()


def _imported(module: str, source: str, *, is_package: bool = False, modules=MODULES) -> set[str]:
    """The project modules ``module`` imports: ``from a.b import c`` names ``a.b.c`` when that is a
    module of ours, else ``a.b``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for name in names:
            # The longest prefix that is one of our modules (``import applications.services.intake``).
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {
    module: _imported(module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
    for module, path in MODULES.items()
}


def test_no_import_runs_back_up_or_sideways():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (here := module.split(".")[0]) != (there := target.split(".")[0]) and FLOOR_OF[there] >= FLOOR_OF[here]
    )
    assert wrong == [], (
        "imports against the floors (portal → catalog → applications → windows, reviews):\n" + "\n".join(wrong)
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def test_no_import_cycle():
    # A package's __init__ that re-exports its own modules is not a cycle of the design: leave out the
    # edge from a package to its own submodules.
    graph = {module: {t for t in targets if not t.startswith(module + ".")} for module, targets in GRAPH.items()}
    assert _cycles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def test_the_reader_sees_every_kind_of_import():
    source = """
import a.b.c
from a import b
from .sibling import thing
from . import other

def later():
    from z.y import name
"""
    modules = {"a.b", "a.b.c", "p.sibling", "p.other", "z.y", "p.here"}
    assert _imported("p.here", source, modules=modules) == {"a.b", "a.b.c", "p.sibling", "p.other", "z.y"}


# A module past this many lines becomes a package by capability, unless its docstring says why not in
# a paragraph starting "Kept in one module" (docs/architecture.md, "Floors").
MAX_LINES = 600


def test_long_modules_say_why_they_stay_whole():
    unexplained = []
    for module, path in sorted(MODULES.items()):
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > MAX_LINES and "Kept in one module" not in (ast.get_docstring(ast.parse(source)) or ""):
            unexplained.append(f"{module} ({source.count(chr(10))} lines)")
    assert unexplained == []
