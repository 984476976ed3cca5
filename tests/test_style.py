"""Lint and format: ruff (settings in pyproject.toml) over utils/, tools/, tests/ and the notebooks' code cells."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from utils.config import ROOT

CHECKED = ["utils", "tools", "tests", "notebooks"]


def _ruff() -> list[str]:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -r requirements.txt (python3 tools/series.py test does this)")
    return [found]


def test_ruff_lint():
    run = subprocess.run(
        [*_ruff(), "check", "--output-format", "concise", *CHECKED], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, "ruff check found problems (ruff check --fix fixes some):\n" + run.stdout + run.stderr


def test_ruff_format():
    run = subprocess.run([*_ruff(), "format", "--check", *CHECKED], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, "files not formatted (run: ruff format utils tools tests notebooks):\n" + run.stdout


def _module_imports(path: Path, package_root: Path) -> set[str]:
    """The modules a module imports, as dotted names; `from . import x` names the
    submodule x when there is one."""
    import ast

    name = ".".join(path.relative_to(package_root).with_suffix("").parts).removesuffix(".__init__")
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}")
            found.add(base)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _import_circles(files: dict, root: Path) -> list[str]:
    """The import circles among files ({dotted name: path}), each as "a -> b -> a"; imports inside functions
    count too (a lazy import still ties the two modules together)."""
    graph = {}
    for name, path in files.items():
        deps = {m for m in _module_imports(path, root) if m in files and m != name}
        if path.name != "__init__.py":  # importing a sibling loads the package first, which is not a circle
            deps = {d for d in deps if not name.startswith(d + ".")}
        graph[name] = deps
    circles = []

    def visit(node, stack):
        for dep in graph[node]:
            if dep in stack:
                circles.append(" -> ".join(stack[stack.index(dep) :] + [dep]))
            elif len(stack) < len(graph):
                visit(dep, stack + [dep])

    for name in graph:
        visit(name, [name])
    return sorted(set(circles))


def test_no_import_circle():
    """No module of utils/ or tools/ imports, directly or through others, a module that imports it back
    (importing a sibling loads the package first, which does not count)."""
    files = {}
    for path in [*ROOT.glob("tools/*.py"), *ROOT.glob("utils/**/*.py")]:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        files[name] = path
    circles = _import_circles(files, ROOT)
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_circle_finder_finds_a_circle(tmp_path):
    for name, text in (("a", "from pkg import b"), ("b", "def f():\n    from pkg.c import x"), ("c", "import pkg.a")):
        (tmp_path / "pkg").mkdir(exist_ok=True)
        (tmp_path / "pkg" / f"{name}.py").write_text(text)
    files = {f"pkg.{n}": tmp_path / "pkg" / f"{n}.py" for n in "abc"}
    assert _import_circles(files, tmp_path) == [
        "pkg.a -> pkg.b -> pkg.c -> pkg.a",
        "pkg.b -> pkg.c -> pkg.a -> pkg.b",
        "pkg.c -> pkg.a -> pkg.b -> pkg.c",
    ]


def test_modules_stay_small():
    """No module of utils/ or tools/ over 450 lines: a longer one does several jobs; split it by job."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in [*ROOT.glob("tools/*.py"), *ROOT.glob("utils/**/*.py")]
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not long, f"modules over 450 lines: {long}"


def test_root_is_defined_once_and_no_tool_edits_sys_path():
    """The repository root is found in one place (utils.config.ROOT), and the tools run as modules
    (python3 -m tools.series) without editing sys.path."""
    import re

    roots, edits = [], []
    for path in [*ROOT.glob("tools/**/*.py"), *ROOT.glob("utils/**/*.py"), *ROOT.glob("tests/*.py")]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"^ROOT = ", text, re.M):
            roots.append(str(path.relative_to(ROOT)))
        if re.search(r"sys\.path(\[0\] =|\.insert|\.append)", text) and path.name != "test_style.py":
            edits.append(str(path.relative_to(ROOT)))
    assert roots == ["utils/config.py"], roots
    assert not edits, f"sys.path edited in {edits}"


def test_readme_is_a_landing_page():
    """README stays short (the anchors' READMEs are 1-6 KB): the maintainers' material is in CONTRIBUTING.md,
    the results on their own page."""
    size = len((ROOT / "README.md").read_bytes())
    assert size <= 10 * 1024, f"README.md is {size} bytes; move material to CONTRIBUTING.md or results/README.md"
    for name in ("CONTRIBUTING.md", "LICENSE", "results/README.md", "course/plan.md"):
        assert (ROOT / name).is_file(), f"{name} is missing"
