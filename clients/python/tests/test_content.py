"""manifest/* and blob/* against real registries."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from helpers import ref, unique_repo

import orasd

SIG = "application/vnd.example.signature.v1"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    p = tmp_path / "hello.txt"
    p.write_text("manifest test\n")
    return p


@pytest.mark.parametrize("which", ["dist", "refreg"])
def test_manifest_fetch_and_fetch_config(client, registries, hello, tmp_path, which):
    reg = registries["distribution" if which == "dist" else "refreg"]
    repo = unique_repo("mfetch")
    config = tmp_path / "config.json"
    config.write_text('{"answer": 42}')
    pushed = client.push(
        reference=ref(reg, repo, "v1"),
        files=[{"path": hello.name}],
        config={"path": "config.json", "mediaType": "application/vnd.example.config.v1+json"},
        cwd=str(tmp_path),
        plain_http=True,
    )
    fetched = client.manifest_fetch(reference=ref(reg, repo, "v1"), output=str(tmp_path / "m.json"), plain_http=True)
    assert fetched["descriptor"]["digest"] == pushed["digest"]
    assert sha256(fetched["content"].encode()) == pushed["digest"]
    assert (tmp_path / "m.json").read_bytes() == fetched["content"].encode()
    assert fetched["manifest"]["config"]["mediaType"] == "application/vnd.example.config.v1+json"
    assert fetched["manifest"]["layers"][0]["annotations"]["org.opencontainers.image.title"] == "hello.txt"

    head = client.manifest_fetch(reference=ref(reg, repo, "v1"), descriptor=True, plain_http=True)
    assert head["descriptor"]["digest"] == pushed["digest"] and "content" not in head

    cfg = client.manifest_fetch_config(reference=ref(reg, repo, "v1"), plain_http=True)
    assert cfg["encoding"] == "utf8" and json.loads(cfg["content"]) == {"answer": 42}
    assert cfg["descriptor"]["mediaType"] == "application/vnd.example.config.v1+json"
    written = client.manifest_fetch_config(reference=ref(reg, repo, "v1"), output="cfg-out.json", cwd=str(tmp_path), plain_http=True)
    assert Path(written["path"]) == tmp_path / "cfg-out.json"
    assert (tmp_path / "cfg-out.json").read_text() == '{"answer": 42}'


@pytest.mark.parametrize("which", ["dist", "refreg"])
def test_manifest_push_and_delete_with_cascade(client, registries, hello, tmp_path, which):
    reg = registries["distribution" if which == "dist" else "refreg"]
    repo = unique_repo("mpush")
    base = client.push(reference=ref(reg, repo, "base"), files=[{"path": hello.name}], cwd=str(tmp_path), plain_http=True)
    original = client.manifest_fetch(reference=ref(reg, repo, "base"), plain_http=True)["manifest"]

    # The same blobs under a new manifest, pushed as text, with an annotation making it distinct.
    manifest = dict(original)
    manifest["annotations"] = {"org.example.variant": which}
    text = json.dumps(manifest, separators=(",", ":"))
    pushed = client.manifest_push(reference=ref(reg, repo, "v1"), content=text, extra_tags=["v1-extra"], plain_http=True)
    assert pushed["digest"] == sha256(text.encode())
    assert sorted(pushed["referenceAsTags"]) == sorted([ref(reg, repo, "v1"), ref(reg, repo, "v1-extra")])
    assert client.manifest_fetch(reference=ref(reg, repo, "v1-extra"), plain_http=True)["content"] == text

    # And from a file, by digest.
    manifest["annotations"] = {"org.example.variant": which + "-file"}
    file_text = json.dumps(manifest, indent=2)
    (tmp_path / "m.json").write_text(file_text)
    by_file = client.manifest_push(reference=ref(reg, repo, sha256(file_text.encode())), file="m.json", cwd=str(tmp_path), plain_http=True)
    assert by_file["digest"] == sha256(file_text.encode())

    # A graph: pushed <- sig <- sig-of-sig. Cascade deletes it bottom-up.
    sig = client.attach(reference=ref(reg, repo, "v1"), files=[{"path": hello.name}], artifact_type=SIG, cwd=str(tmp_path), plain_http=True)
    sig2 = client.attach(reference=ref(reg, repo, sig["digest"]), files=[{"path": hello.name}], artifact_type=SIG, cwd=str(tmp_path), plain_http=True)
    deleted = client.manifest_delete(reference=ref(reg, repo, pushed["digest"]), cascade=True, plain_http=True)
    assert deleted["notFound"] is False
    assert [d["digest"] for d in deleted["deleted"]] == [sig2["digest"], sig["digest"], pushed["digest"]]
    for digest in (pushed["digest"], sig["digest"], sig2["digest"]):
        with pytest.raises(orasd.NotFound):
            client.manifest_fetch(reference=ref(reg, repo, digest), descriptor=True, no_cache=True, plain_http=True)
    # What was not in the graph stays.
    assert client.resolve(reference=ref(reg, repo, "base"), plain_http=True)["digest"] == base["digest"]

    gone = client.manifest_delete(reference=ref(reg, repo, pushed["digest"]), force=True, plain_http=True)
    assert gone == {"deleted": [], "notFound": True}
    with pytest.raises(orasd.NotFound):
        client.manifest_delete(reference=ref(reg, repo, pushed["digest"]), plain_http=True)


@pytest.mark.parametrize("which", ["dist", "refreg"])
def test_blob_push_fetch_delete(client, registries, tmp_path, which):
    reg = registries["distribution" if which == "dist" else "refreg"]
    repo = unique_repo("blob")
    data = os.urandom(300_000)
    (tmp_path / "blob.bin").write_bytes(data)
    digest = sha256(data)

    pushed = client.blob_push(reference=ref(reg, repo, digest), file="blob.bin", media_type="application/x-test", size=len(data), cwd=str(tmp_path), plain_http=True)
    assert pushed["digest"] == digest and pushed["size"] == len(data) and pushed["mediaType"] == "application/x-test"
    assert pushed["reference"] == ref(reg, repo, digest)

    # Without a digest the daemon computes it.
    assert client.blob_push(reference=ref(reg, repo), file=str(tmp_path / "blob.bin"), plain_http=True)["digest"] == digest

    desc = client.blob_fetch(reference=ref(reg, repo, digest), descriptor=True, plain_http=True)
    assert desc["descriptor"]["size"] == len(data) and "path" not in desc
    got = client.blob_fetch(reference=ref(reg, repo, digest), output="fetched.bin", cwd=str(tmp_path), plain_http=True)
    assert Path(got["path"]) == tmp_path / "fetched.bin"
    assert (tmp_path / "fetched.bin").read_bytes() == data

    deleted = client.blob_delete(reference=ref(reg, repo, digest), plain_http=True)
    assert deleted["notFound"] is False and deleted["descriptor"]["digest"] == digest
    with pytest.raises(orasd.NotFound) as e:
        client.blob_fetch(reference=ref(reg, repo, digest), output=str(tmp_path / "again.bin"), plain_http=True)
    assert isinstance(e.value, orasd.BlobUnknown)
    assert not (tmp_path / "again.bin").exists()
    assert client.blob_delete(reference=ref(reg, repo, digest), force=True, plain_http=True) == {"notFound": True}


def test_blob_push_with_the_wrong_digest_is_a_digest_mismatch(client, dist, tmp_path):
    (tmp_path / "b.bin").write_bytes(b"abc")
    wrong = sha256(b"abd")
    with pytest.raises(orasd.DigestMismatch) as e:
        client.blob_push(reference=ref(dist, unique_repo("mismatch"), wrong), file="b.bin", cwd=str(tmp_path), plain_http=True)
    assert e.value.code == 1101 and e.value.code_name == "DIGEST_MISMATCH"


def test_blob_push_and_fetch_report_progress(client, dist, tmp_path):
    data = os.urandom(2 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(data)
    repo = unique_repo("blobprogress")
    pushed_events, fetched_events = [], []
    client.blob_push(reference=ref(dist, repo, sha256(data)), file="big.bin", cwd=str(tmp_path), progress=pushed_events.append, plain_http=True)
    client.blob_fetch(reference=ref(dist, repo, sha256(data)), output="out.bin", cwd=str(tmp_path), progress=fetched_events.append, plain_http=True)
    assert pushed_events, "blob/push with a progressToken sent no $/progress"
    assert fetched_events, "blob/fetch with a progressToken sent no $/progress"
