#!/usr/bin/env python3
"""The course's two commands, with nothing needed beyond Python and PyPI.

    python tasks.py book   # set up .venv, build the HTML book into _build/html
    python tasks.py test   # set up .venv, run ruff, the unit tests, the notebooks (nbval)
                           # and the book build

For maintainers, `python tasks.py execute [NOTEBOOK ...]` re-runs notebooks in
place in the standard profile, which is where their committed outputs come from.

Both create `.venv/` next to this file on first use and install the library
with its `book` and `test` extras into it; later runs reuse it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".mnistgan-installed"


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command in the repository root, echoing it; stop on failure."""
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def setup() -> None:
    """Create .venv and install the library with its extras (again when pyproject.toml changed)."""
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pyproject = (ROOT / "pyproject.toml").read_text()
    if STAMP.exists() and STAMP.read_text() == pyproject:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[book,test]")
    STAMP.write_text(pyproject)


def build_book() -> None:
    """Build the HTML book from the committed notebook outputs, warnings as errors."""
    run(BIN / "jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")
    print(f"the book is at {ROOT / '_build' / 'html' / 'index.html'}")


def test() -> None:
    """The linter and formatter check, unit tests, then every notebook under nbval.

    The unit tests include the book build.
    """
    env = dict(os.environ)
    env.setdefault("MNISTGAN_PROFILE", "quick")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(PYTHON, "-m", "pytest", "tests", env=env)
    run(PYTHON, "-m", "pytest", "--nbval", "book/", env=env)


EXECUTE_NOTEBOOKS = """
import sys
import nbformat
from nbclient import NotebookClient

for name in sys.argv[1:]:
    notebook = nbformat.read(name, as_version=4)
    NotebookClient(
        notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": "book"}}
    ).execute()
    nbformat.write(notebook, name)
    print("executed", name, flush=True)
"""


def execute(notebooks: list[str]) -> None:
    """Re-run notebooks in place in the standard profile, so their outputs are the book's."""
    env = dict(os.environ, MNISTGAN_PROFILE=os.environ.get("MNISTGAN_PROFILE", "standard"))
    names = notebooks or sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "book").glob("*.ipynb")
    )
    run(PYTHON, "-c", EXECUTE_NOTEBOOKS, *names, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=["setup", "book", "test", "execute"])
    parser.add_argument(
        "notebooks", nargs="*", help="with `execute`: the notebooks to run (default: all)"
    )
    arguments = parser.parse_args()
    task = arguments.task
    setup()
    if task == "book":
        build_book()
    elif task == "test":
        test()
    elif task == "execute":
        execute(arguments.notebooks)


if __name__ == "__main__":
    main()
