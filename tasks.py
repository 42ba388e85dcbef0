#!/usr/bin/env python3
"""The course's two commands, with nothing needed beyond Python 3.10+ and PyPI.

    python3 tasks.py book   # set up .venv, build the HTML book into _build/html
    python3 tasks.py test   # set up .venv, run ruff, the unit tests, the notebooks (nbval)
                            # and the book build

For maintainers, `python3 tasks.py execute [NOTEBOOK ...]` re-runs notebooks in
place in the standard profile, which is where their committed outputs come from.

Both create `.venv/` next to this file on first use and install the library
with its `book` and `test` extras into it; later runs reuse it.

`--here` uses the Python that runs this file instead of `.venv/`, e.g. inside the
conda environment of environment.yml, which already holds everything:

    conda env create -f environment.yml && conda activate mnistgan
    python tasks.py --here test
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".mnistgan-installed"
HERE_ENV = "MNISTGAN_TASKS_HERE"  # 1: as --here


class Python:
    """The interpreter the tasks run in, and its scripts folder: .venv's, or this one (--here)."""

    def __init__(self, here: bool):
        self.here = here
        if here:
            self.python = Path(sys.executable)
            self.bin = self.python.parent
        else:
            self.bin = VENV / ("Scripts" if os.name == "nt" else "bin")
            self.python = self.bin / ("python.exe" if os.name == "nt" else "python")

    def script(self, name: str) -> Path:
        """A console script installed beside the interpreter (or on PATH, for --here)."""
        beside = self.bin / (f"{name}.exe" if os.name == "nt" else name)
        if beside.exists() or not self.here:
            return beside
        found = shutil.which(name)
        if found is None:
            sys.exit(f"{name} is not installed in this Python; pip install -e '.[book,test]'")
        return Path(found)


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command in the repository root, echoing it; stop on failure."""
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def setup(python: Python) -> None:
    """Create .venv and install the library with its extras (again when pyproject.toml changed);
    with --here, check that this Python already has the library."""
    if python.here:
        check = subprocess.run(
            [str(python.python), "-c", "import mnistgan_lib, pytest, nbval, ruff"],
            cwd=ROOT,
            capture_output=True,
        )
        if check.returncode != 0:
            sys.exit(
                f"--here: {python.python} lacks the course; install it there first with\n"
                f"  {python.python} -m pip install -e '.[book,test]'\n"
                "(conda env create -f environment.yml does that)"
            )
        return
    if not python.python.exists():
        print(f"creating {VENV}", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (subprocess.CalledProcessError, OSError) as error:
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(
                f"could not create {VENV} with pip in it ({error}).\n"
                "This Python's venv module lacks ensurepip; on Debian and Ubuntu install it with\n"
                "  sudo apt install python3-venv\n"
                "or use an environment that has the course installed: python3 tasks.py --here test"
            )
    pyproject = (ROOT / "pyproject.toml").read_text()
    if STAMP.exists() and STAMP.read_text() == pyproject:
        return
    run(python.python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python.python, "-m", "pip", "install", "--quiet", "-e", ".[book,test]")
    STAMP.write_text(pyproject)


def build_book(python: Python) -> None:
    """Build the HTML book from the committed notebook outputs, warnings as errors."""
    jupyter_book = python.script("jupyter-book")
    run(jupyter_book, "build", ".", "--warningiserror", "--nitpick", "--keep-going")
    print(f"the book is at {ROOT / '_build' / 'html' / 'index.html'}")


def test(python: Python) -> None:
    """The linter and formatter check, unit tests, then every notebook under nbval.

    The unit tests include the book build.
    """
    env = dict(os.environ)
    env.setdefault("MNISTGAN_PROFILE", "quick")
    run(python.python, "-m", "ruff", "check", ".")
    run(python.python, "-m", "ruff", "format", "--check", ".")
    run(python.python, "-m", "pytest", "tests", env=env)
    run(python.python, "-m", "pytest", "--nbval", "book/", env=env)


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


def execute(python: Python, notebooks: list[str]) -> None:
    """Re-run notebooks in place in the standard profile, so their outputs are the book's."""
    env = dict(os.environ, MNISTGAN_PROFILE=os.environ.get("MNISTGAN_PROFILE", "standard"))
    names = notebooks or sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "book").glob("*.ipynb")
    )
    run(python.python, "-c", EXECUTE_NOTEBOOKS, *names, env=env)


def main() -> None:
    if sys.version_info < (3, 10):  # noqa: UP036 (tasks.py runs on any python3, to say so)
        sys.exit(f"the course needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=["setup", "book", "test", "execute"])
    parser.add_argument(
        "notebooks", nargs="*", help="with `execute`: the notebooks to run (default: all)"
    )
    parser.add_argument(
        "--here",
        action="store_true",
        default=os.environ.get(HERE_ENV, "") not in ("", "0"),
        help=f"use this Python (e.g. an activated conda environment) instead of .venv "
        f"(or set {HERE_ENV}=1)",
    )
    arguments = parser.parse_args()
    python = Python(arguments.here)
    setup(python)
    if arguments.task == "book":
        build_book(python)
    elif arguments.task == "test":
        test(python)
    elif arguments.task == "execute":
        execute(python, arguments.notebooks)


if __name__ == "__main__":
    main()
