"""The package's shape: no import circles, few top-level modules, a documented surface per subpackage.

Edges are read from the source with ``ast`` (nothing is imported): ``from a.b import c`` is an edge to the
module ``a.b.c`` when that is a module, else to ``a.b``. A parent package's ``__init__`` running first is
Python's doing, not an edge of ours; a package's own ``__init__`` re-exporting its modules is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coldrec"


def _modules(root: Path = PACKAGE) -> dict[str, Path]:
    mods = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(anchor[:len(anchor) - node.level + 1] + ([base] if base else []))
    return [f"{base}.{a.name}" for a in node.names] + [base]


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the coldrec modules it imports (anywhere in the file, TYPE_CHECKING blocks included)."""
    mods = _modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets = _imported(node, name, path.name == "__init__.py")
                # ``from pkg import mod`` names a module; ``from mod import name`` names the module itself.
                hit = [t for t in targets[:-1] if t in mods] if isinstance(node, ast.ImportFrom) else []
                deps.update(hit or [t for t in targets[-1:] if t in mods] if isinstance(node, ast.ImportFrom)
                            else [t for t in targets if t in mods])
        graph[name] = deps - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path (first node repeated at the end), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_sees_a_circle_and_a_clean_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_import_graph_reads_module_and_name_imports(tmp_path):
    pkg = tmp_path / "coldrec"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from coldrec.sub.a import f\n")
    (pkg / "sub" / "a.py").write_text("from coldrec.sub import b\nfrom . import c\ndef f(): ...\n")
    (pkg / "sub" / "b.py").write_text("import coldrec.sub.c\n")
    (pkg / "sub" / "c.py").write_text("from coldrec.sub import f\n")
    graph = import_graph(pkg)
    assert graph["coldrec.sub.a"] == {"coldrec.sub.b", "coldrec.sub.c"}
    assert graph["coldrec.sub.c"] == {"coldrec.sub"}
    assert find_cycle(graph) == ["coldrec.sub", "coldrec.sub.a", "coldrec.sub.b", "coldrec.sub.c", "coldrec.sub"]


def test_the_package_has_no_import_circle():
    assert find_cycle(import_graph()) is None


def test_at_most_six_top_level_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 6, top


@pytest.mark.parametrize("folder", sorted(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__"),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_subpackage_documents_its_surface(folder):
    init = folder / "__init__.py"
    assert init.exists(), f"{folder} is not a package"
    tree = ast.parse(init.read_text())
    assert ast.get_docstring(tree), f"{init} needs a docstring saying what the subpackage offers"
    exported = [n for n in tree.body if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
    assert exported, f"{init} needs an explicit __all__"


def test_the_library_never_imports_streamlit():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] == "streamlit" for n in names), path


def _tested_somewhere(module: Path, readme: str) -> bool:
    """A same-named test file under the module's subpackage folder, or a tests/README.md row naming it."""
    rel = module.relative_to(PACKAGE)
    top = TESTS / rel.parts[0] if len(rel.parts) > 1 else TESTS
    if any(top.rglob(f"test_{module.stem}.py")):
        return True
    folder = "coldrec/" + "".join(f"{p}/" for p in rel.parts[:-1])
    rows = [line for line in readme.splitlines() if folder in line]
    return any(f"`{folder}{module.name}`" in r or f"`{module.name}`" in r or f"`{folder}*`" in r for r in rows)


TESTS = Path(__file__).resolve().parent


def test_every_module_has_a_same_named_test_or_a_line_in_the_test_readme():
    readme = (TESTS / "README.md").read_text()
    untested = [str(p.relative_to(PACKAGE.parent)) for p in sorted(PACKAGE.rglob("*.py"))
                if p.name != "__init__.py" and not _tested_somewhere(p, readme)]
    assert not untested, f"add a test file or a tests/README.md row for: {untested}"
