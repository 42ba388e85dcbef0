"""The book's structure.

Every notebook listed, installable on Colab, free of log noise, and building cleanly.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
NOISE = (
    "I0000 00:00",
    "absl::InitializeLog",
    "oneDNN custom operations",
    "cpu_feature_guard",
    "cudart_stub",
)


def toc_files(entry) -> list[str]:
    """Every `file:`/`root:` named in the table of contents, in order."""
    found = []
    if isinstance(entry, dict):
        for key, value in entry.items():
            if key in ("root", "file"):
                found.append(value)
            else:
                found += toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            found += toc_files(item)
    return found


def code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


PAGES = sorted([*NOTEBOOKS, *(ROOT / "book").glob("*.md")])
CODE_COLUMN = 88  # characters of code the HTML column shows without clipping


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    listed = toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    assert sorted(listed) == sorted(f"book/{path.stem}" for path in PAGES)
    assert NOTEBOOKS, "the book has no notebooks"


CLAIMS = ROOT / "book" / "claims.md"
# {ref}`label` or {ref}`text <label>`
REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([^`<>]+?)>?`")
TARGET = re.compile(r"^\(([\w-]+)\)=\s*$", re.MULTILINE)


def test_the_claims_ledger_is_listed_and_links_only_to_labels_the_chapters_define():
    listed = toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    assert "book/claims" in listed, "the claims ledger is missing from _toc.yml"
    used = set(REF.findall(CLAIMS.read_text()))
    assert used, "the ledger links to no section"
    defined = {
        label
        for notebook in NOTEBOOKS
        for cell in json.loads(notebook.read_text())["cells"]
        if cell["cell_type"] == "markdown"
        for label in TARGET.findall("".join(cell["source"]))
    }
    missing = sorted(used - defined)
    assert not missing, f"the ledger links to labels no chapter defines as (label)=: {missing}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_outputs_come_from_the_current_standard_profile(notebook):
    # nbval masks the profile line, so a stale one (old settings) would pass unnoticed there.
    from mnistgan_lib.core import config

    expected = str(config.PROFILES["standard"])
    printed = [
        line
        for cell in code_cells(notebook)
        for output in cell.get("outputs", [])
        for line in "".join(output.get("text", "")).splitlines()
        if line.startswith("Profile: ")
    ]
    assert all(line == expected for line in printed), (
        f"stale outputs: {printed} is not {expected!r}; re-run python tasks.py execute"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_code_lines_fit_the_html_column(notebook):
    long = [
        f"cell {index}: {line!r}"
        for index, cell in enumerate(code_cells(notebook))
        for line in "".join(cell["source"]).splitlines()
        if len(line) > CODE_COLUMN
    ]
    assert not long, f"code lines over {CODE_COLUMN} characters are clipped in the book:\n" + (
        "\n".join(long)
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_every_chapter_ends_with_exercises_and_their_solutions(notebook):
    text = "".join(
        "".join(cell["source"])
        for cell in json.loads(notebook.read_text())["cells"]
        if cell["cell_type"] == "markdown"
    )
    assert "## Exercises" in text, "every chapter ends with an Exercises section"
    exercises = re.findall(r"```\{exercise\}\s*\n:label: ([\w-]+)", text)
    solutions = re.findall(r"```+\{solution\} ([\w-]+)", text)
    assert len(exercises) >= 3, f"at least three exercises, found {len(exercises)}"
    assert sorted(exercises) == sorted(solutions), "every exercise has one solution"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_first_code_cell_installs_this_repository_only_on_colab(notebook):
    source = "".join(code_cells(notebook)[0]["source"])
    assert 'if "google.colab" in sys.modules:' in source
    install = re.search(r'%pip install --quiet "mnistgan @ git\+(\S+?)\.git@(\w+)"', source)
    assert install, "the Colab cell must pip-install the package from the repository"
    assert install.group(1) == REPOSITORY and install.group(2) == CONFIG["repository"]["branch"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_outputs_are_clean(notebook):
    cells = code_cells(notebook)
    assert all(cell["execution_count"] is not None for cell in cells[1:] if cell["source"]), (
        "commit the notebook executed top to bottom (python3 tasks.py execute)"
    )
    counts = [cell["execution_count"] for cell in cells if cell["execution_count"] is not None]
    assert counts == sorted(counts), "cells were run out of order"
    for cell in cells:
        for output in cell.get("outputs", []):
            text = json.dumps(output)
            assert not any(marker in text for marker in NOISE), (
                f"TensorFlow log noise in: {text[:200]}"
            )
            assert not re.search(r"at 0x[0-9a-f]{6,}", text), f"an object address in: {text[:200]}"
            assert output["output_type"] != "error", f"an error was committed: {text[:300]}"


def test_the_book_builds_without_warnings_and_every_page_opens_in_colab(tmp_path):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        jupyter_book = Path(shutil.which("jupyter-book") or "jupyter-book")
    build = subprocess.run(
        [
            str(jupyter_book),
            "build",
            str(ROOT),
            "--path-output",
            str(tmp_path),
            "--warningiserror",
            "--nitpick",
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    for notebook in NOTEBOOKS:
        page = (tmp_path / "_build" / "html" / "book" / f"{notebook.stem}.html").read_text()
        expected = (
            f"https://colab.research.google.com/github/{owner_repo}/blob/main/book/{notebook.name}"
        )
        assert expected in page, f"{notebook.name}: no Colab launch link {expected}"
