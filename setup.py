"""One packaging step beyond `pyproject.toml`: the wheel carries the site's templates,
static files and migrations (kept at the repository's top for development) under
`marketplace/_site/`, so that an installed site needs no checkout
(`marketplace.SITE_DIR`). The Vietnamese catalogue travels as its `.po` parts and is
compiled when the application starts (`marketplace.i18n.compiled_translations`)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SITE_FOLDERS = ("templates", "static", "migrations")


class BuildWithSite(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "marketplace" / "_site"
        for name in SITE_FOLDERS:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithSite})
