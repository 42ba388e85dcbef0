"""The package's structure: no import cycles, and every import points up the list of subpackages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mnistgan_lib

PACKAGE = Path(mnistgan_lib.__file__).parent
# The order the package docstring states: each subpackage imports only from those before it.
LAYERS = ["core", "foundations", "measuring", "gans", "denoising", "running"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The package's modules that `path` imports anywhere in it (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from a.b import c` imports a.b, and a.b.c too when c is a module.
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(files)
    # Importing a.b.c runs a/__init__ and a/b/__init__ too, but those are docstrings only
    # (checked below).
    return {name: imported_modules(path, known) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node], _ = "done", stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_the_package_has_no_import_cycle():
    assert find_cycle(import_graph()) is None, (
        f"import cycle: {' -> '.join(find_cycle(import_graph()))}"
    )


def test_every_import_points_to_the_same_or_an_earlier_subpackage():
    wrong = [
        f"{source} imports {target}"
        for source, targets in import_graph().items()
        for target in targets
        if layer(source) is not None and layer(target) is not None and layer(target) > layer(source)
    ]
    assert not wrong, (
        "imports against the order core < foundations < measuring < gans < denoising < running:\n"
        + "\n".join(sorted(wrong))
    )


def test_every_module_lives_in_a_subpackage_and_the_package_docstring_lists_them_in_order():
    loose = sorted(
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    )
    assert not loose, f"modules outside the subpackages: {loose}"
    assert sorted(
        path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()
    ) == sorted(LAYERS)
    doc = mnistgan_lib.__doc__
    assert [doc.index(f"\n    {name} ") for name in LAYERS] == sorted(
        doc.index(f"\n    {name} ") for name in LAYERS
    )
    for (
        name
    ) in LAYERS:  # subpackage __init__ files hold a docstring only, so importing one costs nothing
        body = ast.parse((PACKAGE / name / "__init__.py").read_text()).body
        assert len(body) == 1 and isinstance(body[0].value, ast.Constant), name


@pytest.mark.parametrize(
    "graph, cycle",
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_the_cycle_finder_finds_cycles_and_only_cycles(graph, cycle):
    assert find_cycle(graph) == cycle


def test_function_level_imports_are_seen(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "def f():\n    from mnistgan_lib.gans import presets\n    import mnistgan_lib.core.data\n"
    )
    assert imported_modules(
        source, {"mnistgan_lib.gans.presets", "mnistgan_lib.gans", "mnistgan_lib.core.data"}
    ) == {"mnistgan_lib.gans", "mnistgan_lib.gans.presets", "mnistgan_lib.core.data"}
