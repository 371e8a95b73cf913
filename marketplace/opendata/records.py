"""OCDS records (one per contracting process, with its compiled release) and the bulk
files (every release and every record, JSON Lines, gzipped).

The compiled release is made by ocdsmerge, Open Contracting's reference implementation of
merging, with its rules taken from the vendored OCDS 1.1.5 release schema patched by the
two extensions the site declares (`schema/`): nothing is downloaded at run time.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from marketplace.opendata import ocds

log = logging.getLogger(__name__)
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
EXTENSION_PATCHES = ("bid-extension-release-schema.json",
                     "enquiry-extension-release-schema.json")
BULK_FILES = {"releases": "ocds-releases.jsonl.gz", "records": "ocds-records.jsonl.gz"}


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: how an OCDS extension is applied to the release schema."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def release_schema() -> dict:
    """The OCDS 1.1.5 release schema with the declared extensions applied."""
    schema = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    for name in EXTENSION_PATCHES:
        schema = merge_patch(schema, json.loads((SCHEMA_DIR / name).read_text(
            encoding="utf-8")))
    return schema


@cache
def _merger():
    import ocdsmerge

    return ocdsmerge.Merger(release_schema())


def compile_releases(releases: list[dict]) -> dict:
    """The compiled release of one process's releases (ocdsmerge). Two objects of an
    array with one id (two bids with one receipt digest, which only made-up data has) are
    merged as ocdsmerge does, with a line in the log rather than a warning."""
    import ocdsmerge.exceptions

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ocdsmerge.exceptions.DuplicateIdValueWarning)
        compiled = _merger().create_compiled_release(releases)
    for warning in caught:
        log.warning("ocds merge %s: %s", releases[0]["ocid"], warning.message)
    return compiled


def record(releases: list[dict], package_url: str) -> dict:
    """The record of one process: its releases linked (url, date, tag) and the compiled
    release, its latest state."""
    return {
        "ocid": releases[0]["ocid"],
        "releases": [{"url": f"{package_url}#{release['id']}", "date": release["date"],
                      "tag": release["tag"]} for release in releases],
        "compiledRelease": compile_releases(releases),
    }


def record_package(session, *, prefix: str, page: int, urls, license_url: str,
                   page_size: int = ocds.PAGE_SIZE, after: int | None = None
                   ) -> tuple[dict, bool, int | None]:
    """(the record package of page `page` or of the page after challenge `after`,
    whether the page has processes, the id the next page starts after or None): the same
    processes as the release package's page."""
    processes, next_after = ocds.process_releases(session, prefix=prefix, urls=urls,
                                                  page=page, page_size=page_size, after=after)
    package_url = urls.package(page, after)
    records = [record(releases, package_url) for releases in processes if releases]
    published = max((r["date"] for releases in processes for r in releases),
                    default=ocds.iso(datetime.now(UTC)))
    package = ocds.package_meta(urls, license_url=license_url, uri=urls.records(page, after),
                                published=published)
    package["packages"] = [package_url]
    package["records"] = records
    return package, bool(processes), next_after


@dataclass(frozen=True)
class BulkFile:
    name: str
    path: Path
    size: int
    modified: datetime


def write_bulk(session, directory: str | Path, *, prefix: str, urls, license_url: str,
               page_size: int = ocds.PAGE_SIZE) -> dict[str, BulkFile]:
    """Write every release (`ocds-releases.jsonl.gz`) and every record
    (`ocds-records.jsonl.gz`), one JSON object a line, gzipped, page by page (memory stays
    that of one page); each file replaces the old one only once complete. Returns what
    `bulk_files` returns."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = {kind: directory / f".{name}.tmp" for kind, name in BULK_FILES.items()}
    with gzip.open(temporary["releases"], "wt", encoding="utf-8") as releases_out, \
            gzip.open(temporary["records"], "wt", encoding="utf-8") as records_out:
        page, after, more = 1, None, True
        while more:  # by keyset: every page costs what the first does
            processes, next_after = ocds.process_releases(
                session, prefix=prefix, urls=urls, page=page, page_size=page_size, after=after)
            package_url = urls.package(page, after)
            for releases in processes:
                for release in releases:
                    releases_out.write(json.dumps(release, ensure_ascii=False) + "\n")
                if releases:
                    records_out.write(json.dumps(record(releases, package_url),
                                                 ensure_ascii=False) + "\n")
            page, after, more = page + 1, next_after, next_after is not None
    for kind, name in BULK_FILES.items():
        os.replace(temporary[kind], directory / name)
    return bulk_files(directory)


def bulk_files(directory: str | Path) -> dict[str, BulkFile]:
    """The bulk files present: {"releases"|"records": BulkFile (size in bytes, time of
    the last write in UTC)}; missing ones are left out."""
    found = {}
    for kind, name in BULK_FILES.items():
        path = Path(directory) / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        found[kind] = BulkFile(name, path, stat.st_size,
                               datetime.fromtimestamp(stat.st_mtime, UTC))
    return found
