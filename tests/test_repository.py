"""The repository is self-contained and pins what the code relies on.

- Nothing in the README, the docs, the tests or the code points outside the repository
  (a clone has nothing beside it); what the tests need is vendored (`tests/data/`).
- `whoosh-reloaded` is pinned exactly: the search code relies on its internals.
- Migrations are history: a revision file that exists on the base commit (`HEAD~1` on
  main, the merge-base with `main` on a branch) never changes; every change is a new
  revision."""

from __future__ import annotations

import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = "migrations/versions"


def test_nothing_points_outside_the_repository():
    outside = "../" + "shared"  # spelled in two pieces so that this file does not match
    found = []
    for top in ("README.md", "docs", "tests", "marketplace", "config.py", "Makefile", "bench"):
        path = ROOT / top
        for file in [path] if path.is_file() else path.rglob("*"):
            if file.suffix in (".py", ".md", ".html", ".txt", ".cfg", ".toml", "") \
                    and file.is_file() and "__pycache__" not in file.parts:
                text = file.read_text(errors="ignore")
                if outside in text or '"shared" ' + '/ "ocds' in text:
                    found.append(str(file.relative_to(ROOT)))
    assert found == []


def test_the_official_ocds_schema_is_vendored_with_its_licence():
    schema = ROOT / "tests" / "data" / "ocds-1.1.5"
    for name in ("LICENSE", "release-package-schema.json", "release-schema.json",
                 "codelists/releaseTag.csv", "extensions/bid-v1.1.5/release-schema.json"):
        assert (schema / name).is_file(), name
    assert "Apache License" in (schema / "LICENSE").read_text()


def test_whoosh_is_pinned_exactly_to_the_installed_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirement = next(Requirement(line) for line in project["dependencies"]
                       if Requirement(line).name.lower() == "whoosh-reloaded")
    (specifier,) = requirement.specifier
    assert specifier.operator == "=="
    assert specifier.version == version("whoosh-reloaded")


# --- migrations are history -----------------------------------------------------------------

def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


def history_base(cwd: Path = ROOT) -> str | None:
    """The commit whose revisions are released: the merge-base with `main` on a branch,
    `HEAD~1` on main itself. None without history (not a git checkout, a shallow clone
    of one commit)."""
    try:
        head = _git("rev-parse", "HEAD", cwd=cwd).strip()
        try:
            main = _git("rev-parse", "--verify", "-q", "main^{commit}", cwd=cwd).strip()
        except subprocess.CalledProcessError:
            main = ""
        if main and main != head:
            return _git("merge-base", head, main, cwd=cwd).strip() or None
        return _git("rev-parse", "--verify", "-q", "HEAD~1^{commit}", cwd=cwd).strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def changed_revisions(base: str, cwd: Path = ROOT) -> list[str]:
    """Revision files of `base` that are missing or different in the working tree."""
    changed = []
    for name in _git("ls-tree", "--name-only", f"{base}:{VERSIONS}", cwd=cwd).split():
        if not name.endswith(".py"):
            continue
        released = _git("show", f"{base}:{VERSIONS}/{name}", cwd=cwd)
        current = cwd / VERSIONS / name
        if not current.is_file() or current.read_text() != released:
            changed.append(name)
    return changed


def test_released_migrations_are_never_edited():
    base = history_base()
    if base is None:
        pytest.skip("no git history to compare the migrations with (a shallow clone)")
    assert changed_revisions(base) == [], (
        f"these revisions exist on {base[:10]} and were changed: write a new revision instead")


def test_the_check_sees_an_edited_revision(tmp_path):
    def git(*args):
        _git(*args, cwd=tmp_path)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "ci@example.test")
    git("config", "user.name", "CI")
    versions = tmp_path / VERSIONS
    versions.mkdir(parents=True)
    (versions / "0001_first.py").write_text("revision = '0001'\n")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    (versions / "0002_second.py").write_text("revision = '0002'\n")
    git("add", ".")
    git("commit", "-q", "-m", "a new revision: allowed")
    assert changed_revisions(history_base(tmp_path), tmp_path) == []
    (versions / "0001_first.py").write_text("revision = '0001'  # edited\n")
    git("commit", "-q", "-am", "an edit of a released revision")
    assert changed_revisions(history_base(tmp_path), tmp_path) == ["0001_first.py"]
    git("checkout", "-q", "-b", "feature", "HEAD~1")
    (versions / "0001_first.py").unlink()
    assert changed_revisions(history_base(tmp_path), tmp_path) == ["0001_first.py"]
