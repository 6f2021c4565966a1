"""The generated module matches protocol/schema.json, and the client exposes all of it."""
from __future__ import annotations

import importlib.util
import inspect
import json
import sys
import typing

import pytest
from conftest import CLIENT_DIR, REPO

import orasd
from orasd import _protocol
from orasd.client import Client, error_from_response

SCHEMA = REPO / "protocol" / "schema.json"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_protocol", CLIENT_DIR / "gen_protocol.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_protocol"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.exists():
        pytest.skip("protocol/schema.json not found (tests run outside the repository)")
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_committed_files_match_what_schema_json_yields(schema):
    gen = load_generator()
    for path, expected in gen.outputs().items():
        assert path.exists(), f"{path} missing; run python3 clients/python/gen_protocol.py"
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.relative_to(REPO)} is stale against protocol/schema.json or package.json: "
            "run `npm run gen` (or python3 clients/python/gen_protocol.py) and commit the result"
        )


def test_the_generator_check_mode_agrees(schema):
    assert load_generator().main(["--check"]) == 0


def test_every_client_method_has_a_python_method(schema):
    for wire, m in schema["methods"].items():
        if m["direction"] != "client→server":
            continue
        spec = _protocol.METHODS[wire]
        fn = getattr(Client, spec.python)
        sig = inspect.signature(fn)
        params = m["params"].get("properties", {})
        for key in params:
            if key == "progressToken":
                continue
            py = next(p.python for p in spec.params if p.wire == key)
            assert py in sig.parameters, f"{spec.python} lacks {py} ({key})"
            expect_default = key not in m["params"].get("required", [])
            has_default = sig.parameters[py].default is not inspect.Parameter.empty
            assert has_default == expect_default, f"{spec.python}({py}) required-ness differs from the schema"
        assert ("progress" in sig.parameters) == bool(m.get("progress")), wire
        if m["kind"] == "request":
            assert {"timeout", "cancel_event"} <= set(sig.parameters)
        assert fn.__doc__ and m["summary"].split(";")[0] in fn.__doc__


def test_snake_case_names():
    push = _protocol.METHODS["push"]
    names = {p.wire: p.python for p in push.params}
    assert names["artifactType"] == "artifact_type"
    assert names["plainHttp"] == "plain_http"
    assert names["disablePathValidation"] == "disable_path_validation"
    assert _protocol.METHODS["manifest/fetchConfig"].python == "manifest_fetch_config"
    assert _protocol.METHODS["repo/tags"].python == "repo_tags"
    copy = {p.wire: p.python for p in _protocol.METHODS["copy"].params}
    assert copy["fromCaFile"] == "from_ca_file"
    run = {p.wire: p.python for p in _protocol.METHODS["cli/run"].params}
    assert run["stdinIsTTY"] == "stdin_is_tty"


def test_every_error_code_has_a_class(schema):
    for key, e in schema["errors"].items():
        cls = _protocol.ERROR_CLASSES[e["code"]]
        assert cls.CODE == e["code"] and cls.CODE_NAME == e["name"]
        assert issubclass(cls, orasd.OrasdError)
        exc = error_from_response(e["code"], "m", {"code": e["name"]})
        assert type(exc) is cls and exc.code == e["code"] and exc.code_name == e["name"]
        assert getattr(orasd, cls.__name__) is cls
        assert getattr(orasd.errors, key) is cls  # the schema's own name works too
    for name in ("ManifestUnknown", "BlobUnknown", "NameUnknown"):
        assert issubclass(getattr(orasd, name), orasd.NotFound)
    assert orasd.Cancelled.CODE == -32800 and orasd.RequestCancelled is orasd.Cancelled
    assert orasd.DaemonOutdated.CODE == 1200
    unknown = error_from_response(4242, "from a newer daemon", None)
    assert type(unknown) is orasd.OrasdError and unknown.code == 4242


def test_result_types_are_typed_dicts():
    hints = typing.get_type_hints(orasd.PushResult)
    assert {"digest", "reference", "referenceAsTags", "layers"} <= set(hints)
    assert orasd.PushResult.__required_keys__ >= {"digest", "mediaType", "size", "reference"}
    assert "artifactType" in orasd.PushResult.__optional_keys__
    assert orasd.ResolveResult is orasd.ReferencedDescriptor
    assert "os.version" in typing.get_type_hints(orasd.Platform)
    typing.get_type_hints(orasd.DiscoverNode)  # recursive: must resolve


def test_client_version_is_the_package_version(schema):
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    assert orasd.__version__ == package["version"]
    assert _protocol.PROTOCOL_VERSION == schema["protocolVersion"]
