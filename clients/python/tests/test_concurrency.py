"""One client shared by many threads, requests in flight at once."""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers import ref, unique_repo

SIG = "application/vnd.example.signature.v1"
THREADS = 16
# The config of a push without one: the empty JSON descriptor ("{}").
EMPTY_CONFIG = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def test_sixteen_threads_push_attach_discover_on_one_client(client, dist, refreg, tmp_path):
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def work(i: int):
        nonlocal in_flight, peak
        reg = dist if i % 2 else refreg
        folder = tmp_path / f"w{i}"
        folder.mkdir()
        content = os.urandom(64 * 1024 + i)
        (folder / "data.bin").write_bytes(content)
        (folder / "sig.txt").write_text(f"signature {i}\n")
        repo = unique_repo(f"conc{i}")
        barrier.wait()  # start together, so the requests really overlap
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        events = []
        pushed = client.push(reference=ref(reg, repo, "v1"), files=[{"path": "data.bin"}], cwd=str(folder), progress=events.append, plain_http=True)
        # Each call's progress reaches its own callback only: the layer is unique to this thread.
        layer = pushed["layers"][0]["digest"]
        assert any(e["kind"] == "blob" and e["digest"] == layer for e in events), i
        assert all(e["digest"] in (layer, EMPTY_CONFIG) for e in events if e["kind"] == "blob"), i
        sig = client.attach(reference=ref(reg, repo, "v1"), files=[{"path": "sig.txt"}], artifact_type=SIG, annotations={"i": str(i)}, cwd=str(folder), plain_http=True)
        graph = client.discover(reference=ref(reg, repo, "v1"), artifact_type=SIG, plain_http=True)
        out = folder / "out"
        client.pull(reference=ref(reg, repo, "v1"), output=str(out), plain_http=True)
        with lock:
            in_flight -= 1
        return i, content, pushed, sig, graph, out

    before = client.status()["requests"]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))

    assert len(results) == THREADS
    digests = set()
    for i, content, pushed, sig, graph, out in results:
        assert graph["digest"] == pushed["digest"], i
        assert [n["digest"] for n in graph["referrers"]] == [sig["digest"]], i
        assert graph["referrers"][0]["annotations"]["i"] == str(i)
        assert sig["subject"]["digest"] == pushed["digest"]
        assert Path(out, "data.bin").read_bytes() == content, i
        digests.add(pushed["digest"])
    assert len(digests) == THREADS
    assert peak > 1
    after = client.status()["requests"]
    assert after["succeeded"] - before["succeeded"] >= 4 * THREADS
    assert after["failed"] == before["failed"]


def test_calls_from_threads_share_one_connection_without_mixing_answers(client, dist):
    def resolve_missing(i: int):
        try:
            client.resolve(reference=ref(dist, unique_repo(f"missing{i}"), f"t{i}"), plain_http=True)
        except Exception as e:  # each thread must get its own error, for its own reference
            return i, e
        return i, None

    with ThreadPoolExecutor(THREADS) as pool:
        for i, e in pool.map(resolve_missing, range(64)):
            assert e is not None and e.reference.endswith(f":t{i}"), (i, e)
