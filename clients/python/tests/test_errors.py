"""Error answers arrive as the exception class of their code."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ref, unique_repo

import orasd


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    p = tmp_path / "hello.txt"
    p.write_text("errors\n")
    return p


@pytest.mark.parametrize("which", ["dist", "refreg"])
def test_unknown_tag_is_not_found(client, registries, hello, which):
    reg = registries["distribution" if which == "dist" else "refreg"]
    repo = unique_repo("nf")
    client.push(reference=ref(reg, repo, "v1"), files=[{"path": hello.name}], cwd=str(hello.parent), plain_http=True)
    with pytest.raises(orasd.NotFound) as e:
        client.resolve(reference=ref(reg, repo, "no-such-tag"), plain_http=True)
    assert isinstance(e.value, orasd.ManifestUnknown)
    assert e.value.code == 1007 and e.value.code_name == "MANIFEST_UNKNOWN"
    assert e.value.reference == ref(reg, repo, "no-such-tag")
    assert e.value.data.get("registry") == reg["host"]
    assert "not found" in str(e.value)


def test_unknown_repository_is_not_found(client, dist):
    with pytest.raises(orasd.NotFound):
        client.pull(reference=ref(dist, unique_repo("never-pushed"), "v1"), output="/tmp/never-written", plain_http=True)
    with pytest.raises(orasd.NotFound):
        client.discover(reference=ref(dist, unique_repo("never-pushed"), "v1"), plain_http=True)


@pytest.mark.parametrize("reference", ["bad ref", "localhost:5000/UPPER/case:v1", "127.0.0.1:5000/repo:bad tag!", "127.0.0.1:5000/repo@sha256:xyz"])
def test_malformed_reference_is_invalid_reference(client, reference):
    with pytest.raises(orasd.InvalidReference) as e:
        client.resolve(reference=reference, plain_http=True)
    assert e.value.code == 1100 and e.value.hint


def test_wrong_params_are_invalid_params(client, dist):
    with pytest.raises(orasd.InvalidParams) as e:
        client.call("resolve", {"reference": ref(dist, "x/y", "v1"), "plainHtp": True})
    assert e.value.code == -32602
    assert e.value.data["detail"][0]["path"] == "/plainHtp"
    with pytest.raises(orasd.InvalidParams):
        client.push(reference=ref(dist, "x/y", "v1"), files=[{"path": "a"}], concurrency=0, plain_http=True)
    with pytest.raises(orasd.InvalidParams):
        client.call("push", {"reference": ref(dist, "x/y", "v1")})  # files missing
    with pytest.raises(orasd.InvalidParams):
        client.tag(reference=ref(dist, "x/y", "v1"), tags=[], plain_http=True)


def test_unknown_method_is_method_not_found(client):
    with pytest.raises(orasd.MethodNotFound) as e:
        client.call("no/such/method", {})
    assert e.value.code == -32601


def test_pull_over_an_existing_file_with_keep_old_files_is_file_exists(client, dist, hello, tmp_path):
    repo = unique_repo("exists")
    client.push(reference=ref(dist, repo, "v1"), files=[{"path": hello.name}], cwd=str(hello.parent), plain_http=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / "hello.txt").write_text("mine, keep it\n")
    with pytest.raises(orasd.FileExists) as e:
        client.pull(reference=ref(dist, repo, "v1"), output=str(out), keep_old_files=True, plain_http=True)
    assert e.value.code == 1103
    assert (out / "hello.txt").read_text() == "mine, keep it\n"
    # Without keep_old_files the pull overwrites.
    client.pull(reference=ref(dist, repo, "v1"), output=str(out), plain_http=True)
    assert (out / "hello.txt").read_text() == "errors\n"


def test_pull_of_an_absolute_title_is_path_traversal(client, dist, hello, tmp_path):
    repo = unique_repo("traversal")
    client.push(reference=ref(dist, repo, "v1"), files=[{"path": str(hello)}], disable_path_validation=True, plain_http=True)
    with pytest.raises(orasd.PathTraversal):
        client.pull(reference=ref(dist, repo, "v1"), output=str(tmp_path / "out"), plain_http=True)


def test_missing_input_file_is_file_not_found(client, dist, tmp_path):
    with pytest.raises(orasd.FileNotFound):
        client.push(reference=ref(dist, unique_repo("nofile"), "v1"), files=[{"path": "missing.txt"}], cwd=str(tmp_path), plain_http=True)


def test_unreachable_registry(client):
    with pytest.raises(orasd.RegistryUnreachable):
        client.resolve(reference="127.0.0.1:1/nothing/here:v1", plain_http=True, timeout=60)


def test_errors_pickle_and_print():
    import pickle

    e = orasd.Unauthorized(1011, "nope", {"code": "UNAUTHORIZED", "hint": "log in"})
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is orasd.Unauthorized and back.data == e.data and back.code == 1011
    assert str(e) == "nope (UNAUTHORIZED; log in)"
    c = orasd.DaemonNotFound("no daemon")
    assert pickle.loads(pickle.dumps(c)).message == "no daemon" and c.code is None
