"""The S3 storage backend against moto's S3 server on 127.0.0.1 (a real HTTP endpoint,
as a MinIO would be). Skipped cleanly when boto3 or moto is not installed."""

import socket

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from marketplace import create_app  # noqa: E402
from marketplace.files.storage import S3Storage, storage  # noqa: E402

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(),
                                            verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                 **CREDENTIALS).create_bucket(Bucket="uploads")
    yield url
    server.stop()


@pytest.fixture
def s3(endpoint):
    return S3Storage("uploads", prefix="marketplace", endpoint_url=endpoint,
                     region_name="us-east-1", **CREDENTIALS)


def test_save_open_delete(s3):
    data = "%PDF-1.7 Hồ sơ dự thi".encode()
    name = s3.save(data)
    assert s3.exists(name)
    with s3.open(name) as stream:
        assert stream.read() == data
    key = f"marketplace/{name[:2]}/{name}"
    assert s3.client.head_object(Bucket="uploads", Key=key)["ContentLength"] == len(data)
    s3.delete(name)
    assert not s3.exists(name)


def test_refuses_a_name_that_is_not_ours(s3):
    with pytest.raises(ValueError):
        s3.open("../../etc/passwd")


def test_app_chooses_s3_from_the_configuration(endpoint, tmp_path):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "UPLOAD_DIR": str(tmp_path), "STORAGE_BACKEND": "s3",
                      "S3_BUCKET": "uploads", "S3_ENDPOINT_URL": endpoint,
                      "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "testing",
                      "S3_SECRET_ACCESS_KEY": "testing"})
    with app.app_context():
        backend = storage()
        assert isinstance(backend, S3Storage)
        name = backend.save(b"\x89PNG\r\n\x1a\n")
        assert backend.open(name).read() == b"\x89PNG\r\n\x1a\n"


def test_s3_without_a_bucket_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "UPLOAD_DIR": str(tmp_path), "STORAGE_BACKEND": "s3", "S3_BUCKET": ""})
