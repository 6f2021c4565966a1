"""Progress callbacks, timeouts and cancellation of real transfers."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest
from helpers import ref, unique_repo

import orasd

MiB = 1024 * 1024


def write_big(path: Path, size: int) -> str:
    """A file of `size` bytes with a digest no registry has seen, cheaply: a random head, then a repeated random block."""
    block = os.urandom(MiB)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        head = os.urandom(64)
        f.write(head)
        h.update(head)
        for _ in range((size - 64) // MiB):
            f.write(block)
            h.update(block)
    return "sha256:" + h.hexdigest()


@pytest.fixture(scope="module")
def huge(tmp_path_factory) -> Path:
    """Large enough that pushing it takes seconds on loopback (about 2.5 s here), so a push can be caught mid-way."""
    p = tmp_path_factory.mktemp("huge") / "huge.bin"
    write_big(p, 512 * MiB)
    yield p
    p.unlink()


def assert_no_manifest(client, reference):
    with pytest.raises(orasd.NotFound):
        client.resolve(reference=reference, no_cache=True, plain_http=True)


def test_progress_callback_receives_events_during_a_push(client, dist, tmp_path):
    layer_digest = write_big(tmp_path / "four.bin", 4 * MiB + 64)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x.txt").write_text("x" * 10_000)
    events = []
    threads = set()

    def on_progress(value):
        threads.add(threading.get_ident())
        events.append(value)

    pushed = client.push(
        reference=ref(dist, unique_repo("progress"), "v1"),
        files=[{"path": "four.bin"}, {"path": "folder"}],
        cwd=str(tmp_path),
        progress=on_progress,
        plain_http=True,
    )
    assert threads == {threading.get_ident()}, "callbacks run on the calling thread"
    blobs = [e for e in events if e["kind"] == "blob"]
    ops = [e for e in events if e["kind"] == "operation"]
    assert blobs and ops
    big = [e for e in blobs if e["digest"] == layer_digest]
    assert big[0]["state"] == "started" and big[-1]["state"] in ("done", "exists")
    assert big[-1]["done"] == big[-1]["total"] == 4 * MiB + 64
    assert {e["title"] for e in blobs if "title" in e} >= {"four.bin", "folder"}
    last = ops[-1]
    assert last["operation"] == "push"
    assert last["doneBytes"] == last["totalBytes"] >= 4 * MiB
    assert last["doneBlobs"] == last["totalBlobs"] == len(pushed["layers"]) + 1  # layers and the config
    assert [e["doneBytes"] for e in ops] == sorted(e["doneBytes"] for e in ops)


def test_progress_of_pull_and_copy(client, dist, refreg, tmp_path):
    write_big(tmp_path / "two.bin", 2 * MiB)
    repo = unique_repo("progress2")
    client.push(reference=ref(dist, repo, "v1"), files=[{"path": "two.bin"}], cwd=str(tmp_path), plain_http=True)
    pulled, copied = [], []
    client.pull(reference=ref(dist, repo, "v1"), output=str(tmp_path / "out"), progress=pulled.append, plain_http=True)
    client.copy(source=ref(dist, repo, "v1"), destination=ref(refreg, repo, "v1"), progress=copied.append, plain_http=True)
    assert any(e["kind"] == "operation" and e["operation"] == "pull" for e in pulled)
    assert any(e["kind"] == "operation" and e["operation"] == "copy" for e in copied)


def test_timeout_of_a_large_push_cancels_it_and_leaves_no_manifest(client, dist, huge):
    reference = ref(dist, unique_repo("timeout"), "v1")
    before = client.status()["requests"]["cancelled"]
    started = time.monotonic()
    with pytest.raises(orasd.Timeout) as e:
        client.push(reference=reference, files=[{"path": huge.name}], cwd=str(huge.parent), timeout=0.8, plain_http=True)
    elapsed = time.monotonic() - started
    assert e.value.code == 1111 and e.value.data["method"] == "push"
    assert e.value.data["daemon"] == "cancelled", e.value.data
    assert elapsed < 0.8 + client.cancel_grace
    assert_no_manifest(client, reference)
    assert client.status()["requests"]["cancelled"] == before + 1


def test_cancel_event_stops_a_large_push_mid_transfer(client, refreg, huge):
    reference = ref(refreg, unique_repo("cancel"), "v1")
    cancel = threading.Event()
    seen = []

    def on_progress(value):
        seen.append(value)
        if value["kind"] == "blob" and value["state"] == "progress" and value["done"] > 0:
            cancel.set()  # bytes are moving: stop now

    with pytest.raises(orasd.Cancelled) as e:
        client.push(reference=reference, files=[{"path": huge.name}], cwd=str(huge.parent), progress=on_progress, cancel_event=cancel, plain_http=True)
    assert e.value.code == -32800 and e.value.code_name == "REQUEST_CANCELLED"
    assert cancel.is_set() and seen
    assert_no_manifest(client, reference)


def test_cancel_event_from_another_thread(client, dist, huge):
    reference = ref(dist, unique_repo("cancel2"), "v1")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(orasd.Cancelled):
        client.push(reference=reference, files=[{"path": huge.name}], cwd=str(huge.parent), cancel_event=cancel, plain_http=True)
    assert_no_manifest(client, reference)


def test_an_exception_in_the_progress_callback_cancels_and_propagates(client, dist, huge):
    reference = ref(dist, unique_repo("cbfail"), "v1")

    class Stop(Exception):
        pass

    def on_progress(value):
        if value["kind"] == "blob" and value["state"] == "progress":
            raise Stop("enough")

    with pytest.raises(Stop):
        client.push(reference=reference, files=[{"path": huge.name}], cwd=str(huge.parent), progress=on_progress, plain_http=True)
    assert_no_manifest(client, reference)
    # The connection is fine afterwards.
    assert client.status()["pid"] == client.pid


def test_default_request_timeout_applies_to_every_call(daemon_bin, dist, huge):
    with orasd.Client.connect(request_timeout=0.5) as c:
        assert c.status()["pid"]  # fast calls are unaffected
        with pytest.raises(orasd.Timeout):
            c.push(reference=ref(dist, unique_repo("deftimeout"), "v1"), files=[{"path": huge.name}], cwd=str(huge.parent), plain_http=True)
