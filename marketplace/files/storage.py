"""File storage behind a small interface, chosen by `STORAGE_BACKEND` (default: the
local filesystem under `UPLOAD_DIR`, outside the web root). Uploads are checked by size
and by content (magic bytes), never by their name alone."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.textsafety import strip_bidi

STORED_NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")
PART = ".part"  # a local file being written: renamed to its stored name once whole

# extension -> (content type, how to recognise the content)
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return set()


def sniff(data: bytes) -> str | None:
    """The allowed extension whose format the bytes really are, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        names = _zip_names(data)
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "mimetype" in names and b"application/vnd.oasis.opendocument.text" in data[:200]:
            return "odt"
    return None


MAX_NAME = 200  # characters of a stored display name (the column holds 255)


def safe_filename(name: str) -> str:
    """A display name with no path, no control characters and no bidi controls (which
    make "rtl\u202efdp.exe.pdf" show as a PDF), kept readable in Vietnamese, at most
    MAX_NAME characters: a longer name is shortened before its extension, which the type
    check reads ("<196 characters>….pdf" stays a .pdf)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = strip_bidi(re.sub(r"[\x00-\x1f\x7f<>:\"|?*;]", "", name)).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or "file"


@dataclass
class CheckedFile:
    data: bytes
    original_name: str
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def check_upload(stream: BinaryIO, filename: str, *, max_bytes: int | None = None
                 ) -> CheckedFile:
    """Read and check an upload; raise a DomainError that says what is wrong."""
    limit = max_bytes or current_app.config["MAX_UPLOAD_BYTES"]
    data = stream.read(limit + 1)
    name = safe_filename(filename)
    if not data:
        raise DomainError(_("The file %(name)s is empty.", name=name), field="attachments")
    if len(data) > limit:
        raise DomainError(_("The file %(name)s is larger than %(mb)d MB.", name=name,
                            mb=limit // (1024 * 1024)), field="attachments")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    actual = sniff(data)
    same_family = {extension, actual} <= {"jpg", "jpeg"}
    if extension not in ALLOWED or actual is None or (actual != extension and not same_family):
        raise DomainError(
            _("The file %(name)s is not an accepted document. Accepted: PDF, DOCX, XLSX, ODT, "
              "PNG, JPEG.", name=name), field="attachments")
    return CheckedFile(data=data, original_name=name, content_type=ALLOWED[actual],
                       sha256=hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class StoredEntry:
    """Something in storage found by `stale`: the stored name it belongs to, and the
    backend's own handle for it (a path, a key)."""

    stored_name: str
    handle: str


class LocalStorage:
    """Files under `root`/<2 chars>/<stored name>. A file is written whole under
    `<name>.part`, flushed to disk, then renamed (atomic on one filesystem): a crash at any
    instant leaves either the whole file or a `.part` that `files.services.sweep`
    removes, never a truncated file under a stored name."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, stored_name: str) -> Path:
        if not STORED_NAME.fullmatch(stored_name):
            raise ValueError("bad stored name")
        return self.root / stored_name[:2] / stored_name

    def save(self, data: bytes) -> str:
        stored_name = secrets.token_urlsafe(32)
        path = self._path(stored_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + PART)
        with tmp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
        return stored_name

    def stale(self, before: datetime) -> Iterator[StoredEntry]:
        """Stored files and `.part` files last modified before `before` (aware UTC);
        anything else in the directory is never touched."""
        cutoff = before.timestamp()
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/*"):
            name = path.name.removesuffix(PART)
            if not STORED_NAME.fullmatch(name) or path.parent.name != name[:2]:
                continue
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    yield StoredEntry(name, str(path))
            except FileNotFoundError:
                continue

    def discard(self, entry: StoredEntry) -> None:
        Path(entry.handle).unlink(missing_ok=True)

    def open(self, stored_name: str) -> BinaryIO:
        return self._path(stored_name).open("rb")

    def delete(self, stored_name: str) -> None:
        self._path(stored_name).unlink(missing_ok=True)

    def exists(self, stored_name: str) -> bool:
        return self._path(stored_name).exists()


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, …) under random names,
    private: the application reads them back and serves them through the same
    authorization check as local files. `boto3` is the optional `s3` extra."""

    def __init__(self, bucket: str, *, prefix: str = "", client=None, **client_options):
        if client is None:
            import boto3  # optional: pip install -e '.[s3]'

            client = boto3.client("s3", **{k: v for k, v in client_options.items() if v})
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, stored_name: str) -> str:
        if not STORED_NAME.fullmatch(stored_name):
            raise ValueError("bad stored name")
        return f"{self.prefix}{stored_name[:2]}/{stored_name}"

    def stale(self, before: datetime) -> Iterator[StoredEntry]:
        """Objects under the prefix last modified before `before` (aware UTC). A PUT is
        atomic: there is no partial object to find."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                name = key.rsplit("/", 1)[-1]
                if (STORED_NAME.fullmatch(name) and key == self._key(name)
                        and item["LastModified"] < before):
                    yield StoredEntry(name, key)

    def discard(self, entry: StoredEntry) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=entry.handle)

    def save(self, data: bytes) -> str:
        stored_name = secrets.token_urlsafe(32)
        self.client.put_object(Bucket=self.bucket, Key=self._key(stored_name), Body=data,
                               ContentType="application/octet-stream")
        return stored_name

    def open(self, stored_name: str) -> BinaryIO:
        response = self.client.get_object(Bucket=self.bucket, Key=self._key(stored_name))
        return BytesIO(response["Body"].read())  # bounded by MAX_UPLOAD_BYTES

    def delete(self, stored_name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(stored_name))

    def exists(self, stored_name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(stored_name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def _setting(app: Flask, name: str, default: str = "") -> str:
    return app.config.get(name) or os.environ.get(name, default)


def make_s3_storage(app: Flask) -> S3Storage:
    """From S3_BUCKET, S3_ENDPOINT_URL (MinIO and other non-AWS services), S3_REGION,
    S3_PREFIX, and the credentials S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY — or, when
    those are empty, boto3's own chain (AWS_* variables, instance roles)."""
    bucket = _setting(app, "S3_BUCKET")
    if not bucket:
        raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    return S3Storage(
        bucket, prefix=_setting(app, "S3_PREFIX"),
        endpoint_url=_setting(app, "S3_ENDPOINT_URL") or None,
        region_name=_setting(app, "S3_REGION") or None,
        aws_access_key_id=_setting(app, "S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=_setting(app, "S3_SECRET_ACCESS_KEY") or None,
    )


def storage():
    return current_app.extensions["file_storage"]


def init_app(app: Flask) -> None:
    backend = app.config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        app.extensions["file_storage"] = LocalStorage(app.config["UPLOAD_DIR"])
    elif backend == "s3":
        app.extensions["file_storage"] = make_s3_storage(app)
    else:
        raise RuntimeError(f"unknown STORAGE_BACKEND {backend!r}")
