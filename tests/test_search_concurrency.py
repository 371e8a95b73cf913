"""Two processes writing to one index at the same time lose nothing: each takes the
writer with a timeout, and keeps what it could not write for its next turn, as the
pending rows do."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from marketplace.search.backend import WhooshBackend

ROOT = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent("""
    import sys, time
    from marketplace.search.backend import IndexBusy, WhooshBackend

    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    backend = WhooshBackend(path)
    pending = [i for i in range(count)]
    busy = 0
    deadline = time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        batch_ids = pending[:3]
        try:
            with backend.batch(timeout=0.05) as batch:
                for i in batch_ids:
                    batch.upsert({"doc_id": f"{name}:{i}", "type": "challenge",
                                  "title": f"Tài liệu {name} {i}", "body": "Hà Nội",
                                  "status": "published"})
                    # both processes also rewrite the same shared documents
                    batch.upsert({"doc_id": f"shared:{i % 5}", "type": "challenge",
                                  "title": f"Chung {i % 5}", "body": name,
                                  "status": "published"})
        except IndexBusy:
            busy += 1  # left pending: tried again on the next turn
            continue
        del pending[:len(batch_ids)]
    print(f"{name} left={len(pending)} busy={busy}")
    sys.exit(1 if pending else 0)
""")


def test_two_processes_updating_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "index")
    count = 60
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, path, name, str(count)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
             for name in ("alpha", "beta")]
    outputs = [proc.communicate(timeout=180) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out + err
    ids = WhooshBackend(path).document_ids()
    expected = {f"{name}:{i}" for name in ("alpha", "beta") for i in range(count)}
    assert expected <= ids
    assert {f"shared:{i}" for i in range(5)} <= ids
    assert len(ids) == 2 * count + 5  # no duplicates either


def test_opening_reads_again_when_another_process_replaced_the_newest_generation(
        tmp_path, monkeypatch):
    """CI saw `FileNotFoundError: …/_MAIN_2.toc`: another process committed generation 3 and
    deleted 2 between Whoosh listing the generations and reading the newest one."""
    from whoosh import index

    WhooshBackend(tmp_path / "index").document_ids()  # the index exists
    real, calls = index.exists_in, []

    def racing(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_2.toc")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(index, "exists_in", racing)
    assert WhooshBackend(tmp_path / "index").document_ids() == set()
    assert len(calls) == 2
