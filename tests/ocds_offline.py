"""libcoveocds (the OCDS Data Review Tool's engine) run offline: the standard from its
vendored zip, the declared extensions served from `tests/data/ocds-1.1.5/extensions`, any
other address refused and listed (so that a caller can fail rather than skip). Used by
`tests/test_opendata_ocds.py` and `bench/ocds_review.py`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from marketplace.opendata import ocds

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds-1.1.5"
VENDORED = {  # the extension files libcoveocds asks for, served from the repository
    ocds.BID_EXTENSION.rsplit("/", 1)[0]: SCHEMA_DIR / "extensions" / "bid-v1.1.5",
    ocds.ENQUIRY_EXTENSION.rsplit("/", 1)[0]: SCHEMA_DIR / "extensions" / "enquiry-v1.1.5",
}


def _archive(folder: Path, top: str) -> bytes:
    """The folder as GitHub serves a tag's files: one top folder, then the files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr(f"{top}/", b"")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, f"{top}/{path.relative_to(folder)}")
    return buffer.getvalue()


def review(packages: list[dict], output_dir: Path) -> tuple[list[dict], list[str]]:
    """([libcoveocds's result for each package], [the addresses it asked for that are
    not vendored])."""
    import requests
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig
    from requests_cache.session import CacheMixin

    archives = {}
    for base, folder in VENDORED.items():
        repository = base.split("/")[-2]
        archives[f"https://github.com/open-contracting-extensions/{repository}/archive/"
                 f"v1.1.5.zip"] = (folder, f"{repository}-1.1.5")
    refused = []

    def send(adapter, request, **kwargs):
        response = requests.Response()
        response.url, response.request = request.url, request
        content = None
        if request.url in archives:
            content = _archive(*archives[request.url])
        else:
            base, _slash, name = request.url.rpartition("/")
            if base not in VENDORED and name.endswith(".csv"):  # …/codelists/<name>.csv
                base, _slash, folder_name = base.rpartition("/")
                name = f"{folder_name}/{name}"
            path = VENDORED[base] / name if base in VENDORED else None
            if path is not None and path.is_file():
                content = path.read_bytes()
        if content is None:
            refused.append(request.url)
            response.status_code, response.reason, response._content = 404, "Not Found", b""
        else:
            response.status_code, response.reason, response._content = 200, "OK", content
        return response

    config = LibCoveOCDSConfig({"standard_zip": (SCHEMA_DIR / "standard-1__1__5.zip").as_uri(),
                                "context": "api"})
    results = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.adapters.HTTPAdapter, "send", send)
        # the registry's session caches responses, which needs real ones: no cache here
        patch.setattr(CacheMixin, "send", requests.Session.send)
        for index, package in enumerate(packages):
            folder = Path(output_dir) / f"page{index + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            results.append(ocds_json_output(str(folder), json_data=package,
                                            lib_cove_ocds_config=config, record_pkg=False))
    return results, refused
