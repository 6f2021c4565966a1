"""push, pull, attach, discover, copy, tag, resolve, repo tags and list against real registries."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ref, tree, unique_repo

SIG = "application/vnd.example.signature.v1"
SBOM = "application/vnd.example.sbom.v1"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A file, and a folder with a nested subfolder and some binary content."""
    root = tmp_path / "src"
    (root / "docs" / "deep").mkdir(parents=True)
    (root / "hello.txt").write_text("hello from python\n")
    (root / "docs" / "readme.md").write_text("# readme\n")
    (root / "docs" / "deep" / "data.bin").write_bytes(os.urandom(200_000))
    (root / "docs" / "deep" / "empty").write_bytes(b"")
    return root


@pytest.mark.parametrize("which", ["dist", "refreg"])
def test_push_folder_and_files_then_pull_identical_tree(client, registries, src, tmp_path, which):
    reg = registries["distribution" if which == "dist" else "refreg"]
    repo = unique_repo("roundtrip")
    pushed = client.push(
        reference=ref(reg, repo, "v1,latest"),
        files=[{"path": "hello.txt", "mediaType": "text/plain"}, {"path": "docs"}],
        artifact_type="application/vnd.example.bundle.v1",
        annotations={"org.example.purpose": "test"},
        cwd=str(src),
        plain_http=True,
    )
    assert pushed["digest"].startswith("sha256:")
    assert pushed["artifactType"] == "application/vnd.example.bundle.v1"
    assert sorted(pushed["referenceAsTags"]) == sorted([ref(reg, repo, "v1"), ref(reg, repo, "latest")])
    titles = {layer["annotations"]["org.opencontainers.image.title"]: layer for layer in pushed["layers"]}
    assert set(titles) == {"hello.txt", "docs"}
    assert titles["hello.txt"]["mediaType"] == "text/plain"
    assert titles["hello.txt"]["size"] == len("hello from python\n")

    out = tmp_path / "out"
    pulled = client.pull(reference=ref(reg, repo, "latest"), output=str(out), plain_http=True)
    assert pulled["digest"] == pushed["digest"]
    assert {Path(f["path"]) for f in pulled["files"]} == {out / "hello.txt", out / "docs"}
    assert tree(out) == tree(src)
    assert (out / "docs" / "deep" / "empty").is_file()


def test_pull_relative_output_resolves_against_the_callers_directory(client, dist, src, tmp_path, monkeypatch):
    repo = unique_repo("relative")
    client.push(reference=ref(dist, repo, "v1"), files=[{"path": "hello.txt"}], cwd=str(src), plain_http=True)
    monkeypatch.chdir(tmp_path)  # no cwd given: the client sends its own directory
    client.pull(reference=ref(dist, repo, "v1"), output="rel-out", plain_http=True)
    assert (tmp_path / "rel-out" / "hello.txt").read_text() == "hello from python\n"


@pytest.mark.parametrize("which", ["dist", "refreg"])
def test_attach_and_discover_with_artifact_type_filter(client, registries, src, which):
    reg = registries["distribution" if which == "dist" else "refreg"]
    repo = unique_repo("graph")
    subject = client.push(reference=ref(reg, repo, "v1"), files=[{"path": "hello.txt"}], cwd=str(src), plain_http=True)
    sig = client.attach(reference=ref(reg, repo, "v1"), files=[{"path": "hello.txt"}], artifact_type=SIG, cwd=str(src), plain_http=True)
    sbom = client.attach(
        reference=ref(reg, repo, subject["digest"]),
        files=[{"path": "docs"}],
        artifact_type=SBOM,
        annotations={"org.example.kind": "sbom"},
        cwd=str(src),
        plain_http=True,
    )
    # A referrer of a referrer: discover follows every level.
    sig_of_sbom = client.attach(reference=ref(reg, repo, sbom["digest"]), files=[{"path": "hello.txt"}], artifact_type=SIG, cwd=str(src), plain_http=True)
    assert sig["subject"]["digest"] == subject["digest"]
    assert sig["artifactType"] == SIG

    graph = client.discover(reference=ref(reg, repo, "v1"), plain_http=True)
    assert graph["digest"] == subject["digest"]
    by_digest = {n["digest"]: n for n in graph["referrers"]}
    assert set(by_digest) == {sig["digest"], sbom["digest"]}
    assert by_digest[sbom["digest"]]["artifactType"] == SBOM
    assert [n["digest"] for n in by_digest[sbom["digest"]]["referrers"]] == [sig_of_sbom["digest"]]
    assert {m["digest"] for m in graph["manifests"]} == {sig["digest"], sbom["digest"]}

    only_sigs = client.discover(reference=ref(reg, repo, "v1"), artifact_type=SIG, plain_http=True)
    assert [n["digest"] for n in only_sigs["referrers"]] == [sig["digest"]]
    assert all(m["artifactType"] == SIG for m in only_sigs["manifests"])

    shallow = client.discover(reference=ref(reg, repo, "v1"), depth=1, plain_http=True)
    assert all(n["referrers"] == [] for n in shallow["referrers"])


def test_copy_recursive_between_the_two_registries(client, dist, refreg, src):
    repo = unique_repo("copy")
    subject = client.push(reference=ref(dist, repo, "v1"), files=[{"path": "hello.txt"}, {"path": "docs"}], cwd=str(src), plain_http=True)
    sig = client.attach(reference=ref(dist, repo, "v1"), files=[{"path": "hello.txt"}], artifact_type=SIG, cwd=str(src), plain_http=True)

    copied = client.copy(source=ref(dist, repo, "v1"), destination=ref(refreg, repo, "v1,stable"), recursive=True, plain_http=True)
    assert copied["digest"] == subject["digest"]
    assert sorted(copied["referenceAsTags"]) == sorted([ref(refreg, repo, "v1"), ref(refreg, repo, "stable")])
    assert copied["stats"]["manifests"] == 2
    assert copied["stats"]["blobs"] >= 3

    assert client.resolve(reference=ref(refreg, repo, "stable"), plain_http=True)["digest"] == subject["digest"]
    graph = client.discover(reference=ref(refreg, repo, "v1"), plain_http=True)
    assert [n["digest"] for n in graph["referrers"]] == [sig["digest"]]

    # Back the other way, with the per-side flags; already there, so nothing moves.
    again = client.copy(source=ref(refreg, repo, "v1"), destination=ref(dist, repo, "v1"), recursive=True, from_plain_http=True, to_plain_http=True)
    assert again["digest"] == subject["digest"]
    assert again["stats"]["bytes"] == 0


def test_tag_resolve_repo_tags_and_list(client, dist, refreg, src):
    repo = unique_repo("tags")
    pushed = client.push(reference=ref(dist, repo, "v1"), files=[{"path": "hello.txt"}], cwd=str(src), plain_http=True)
    tagged = client.tag(reference=ref(dist, repo, "v1"), tags=["v2", "stable"], plain_http=True)
    assert tagged["digest"] == pushed["digest"]
    assert sorted(tagged["tagged"]) == sorted([ref(dist, repo, "v2"), ref(dist, repo, "stable")])

    resolved = client.resolve(reference=ref(dist, repo, "stable"), plain_http=True)
    assert resolved["digest"] == pushed["digest"]
    assert resolved["reference"] == ref(dist, repo, pushed["digest"])
    assert resolved["mediaType"] == "application/vnd.oci.image.manifest.v1+json"

    assert sorted(client.repo_tags(reference=ref(dist, repo), plain_http=True)["tags"]) == ["stable", "v1", "v2"]
    assert client.repo_tags(reference=ref(dist, repo), last="stable", plain_http=True)["tags"] == ["v1", "v2"]

    # A referrer on distribution leaves a sha256-<hex> fallback tag, which excludeDigestTags hides.
    client.attach(reference=ref(dist, repo, "v1"), files=[{"path": "hello.txt"}], artifact_type=SIG, cwd=str(src), plain_http=True)
    all_tags = client.repo_tags(reference=ref(dist, repo), plain_http=True)["tags"]
    assert any(t.startswith("sha256-") for t in all_tags)
    assert sorted(client.repo_tags(reference=ref(dist, repo), exclude_digest_tags=True, plain_http=True)["tags"]) == ["stable", "v1", "v2"]

    for reg in (dist, refreg):
        other = unique_repo("listed")
        client.push(reference=ref(reg, other, "v1"), files=[{"path": "hello.txt"}], cwd=str(src), plain_http=True)
        assert other in client.repo_list(reference=reg["host"], plain_http=True)["repositories"]
        assert other.split("/", 1)[1] in client.repo_list(reference=f"{reg['host']}/py", plain_http=True)["repositories"]


def test_oci_layout_target_and_copy_to_and_from_a_registry(client, dist, src, tmp_path):
    layout = tmp_path / "layout"
    pushed = client.push(reference=f"{layout}:v1", oci_layout=True, files=[{"path": "hello.txt"}, {"path": "docs"}], cwd=str(src))
    assert (layout / "oci-layout").is_file() and (layout / "index.json").is_file()
    sig = client.attach(reference=f"{layout}:v1", oci_layout=True, files=[{"path": "hello.txt"}], artifact_type=SIG, cwd=str(src))
    assert [n["digest"] for n in client.discover(reference=f"{layout}:v1", oci_layout=True)["referrers"]] == [sig["digest"]]

    repo = unique_repo("fromlayout")
    up = client.copy(source=f"{layout}:v1", destination=ref(dist, repo, "v1"), from_oci_layout=True, recursive=True, plain_http=True)
    assert up["digest"] == pushed["digest"] and up["stats"]["manifests"] == 2
    back = tmp_path / "back"
    down = client.copy(source=ref(dist, repo, "v1"), destination=f"{back}:v1", to_oci_layout=True, recursive=True, plain_http=True)
    assert down["digest"] == pushed["digest"]
    assert client.repo_tags(reference=str(back), oci_layout=True)["tags"] == ["v1"]
    out = tmp_path / "out"
    client.pull(reference=f"{back}:v1", oci_layout=True, output=str(out))
    assert tree(out) == tree(src)
