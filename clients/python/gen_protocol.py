#!/usr/bin/env python3
"""Writes orasd/_protocol.py from protocol/schema.json and orasd/_version.py from package.json.

Run by `npm run gen` after it regenerates schema.json; tests/test_generated.py fails when the
committed files differ from what this script yields. `--check` exits 1 instead of writing.
Standard library only, so it runs wherever python3 does.
"""
from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCHEMA_PATH = REPO / "protocol" / "schema.json"
PACKAGE_JSON_PATH = REPO / "package.json"
PROTOCOL_OUT = HERE / "orasd" / "_protocol.py"
VERSION_OUT = HERE / "orasd" / "_version.py"

# schema.json is flat JSON Schema: TypeBox's type names are gone. These give the shapes that
# recur everywhere the names they have in protocol/*.ts, keyed by their property names; any
# other object is named after where it sits (e.g. StatusResult.clients -> StatusClients).
_DESCRIPTOR = ["mediaType", "digest", "size", "artifactType", "annotations", "urls", "data", "platform"]
KNOWN_SHAPES: Dict[frozenset, str] = {
    frozenset(_DESCRIPTOR): "Descriptor",
    frozenset(_DESCRIPTOR + ["reference"]): "ReferencedDescriptor",
    frozenset(_DESCRIPTOR + ["reference", "path"]): "PulledFile",
    frozenset(["architecture", "os", "variant", "os.version", "os.features"]): "Platform",
    frozenset(["path", "mediaType"]): "FileRef",
    frozenset(["kind", "digest", "mediaType", "title", "state", "done", "total"]): "BlobProgress",
    frozenset(["kind", "operation", "doneBytes", "totalBytes", "doneBlobs", "totalBlobs"]): "OperationProgress",
}

# Error classes: the schema's names, except where Python callers expect a shorter one, and
# a common parent where callers branch on a family rather than on one code.
ERROR_CLASS_NAMES = {"RequestCancelled": "Cancelled"}
ERROR_PARENTS = {"ManifestUnknown": "NotFound", "BlobUnknown": "NotFound", "NameUnknown": "NotFound"}
ERROR_BASES = ("OrasdError", "NotFound")

# Keyword arguments every generated method has besides the protocol's params.
CONTROL_KWARGS = ("progress", "timeout", "cancel_event")
# Params the client fills itself.
MANAGED_PARAMS = ("progressToken",)
# Where the client's behaviour differs from the daemon's default that the schema describes.
PARAM_DOC_OVERRIDES = {
    "cwd": "Directory relative paths resolve against (default: this process's current directory, "
    "since the shared daemon's own is arbitrary)",
}


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace(".", "_").replace("/", "_").replace("$", "")
    s = s.lower()
    return s + "_" if keyword.iskeyword(s) else s


def camel_class(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name) if p)


def py_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def doc_text(s: str) -> str:
    """Schema text made safe inside a triple-quoted docstring or a comment."""
    return " ".join(s.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


class Field(NamedTuple):
    key: str
    hint: str
    required: bool
    description: Optional[str]


class TypeBuilder:
    """Turns JSON Schema into Python type hints, emitting a TypedDict per object shape."""

    def __init__(self, defs: Dict[str, Any]):
        self.decls: List[str] = []
        self.used: Dict[str, Tuple] = {}
        self.def_names: Dict[str, str] = {}
        for key, schema in defs.items():
            self.def_names[schema.get("$id", key)] = key
        for key, schema in defs.items():
            self.object_type(schema, key, forced_name=key)

    def hint(self, s: Dict[str, Any], name: str) -> str:
        if "$ref" in s:
            return self.def_names[s["$ref"]]
        if "const" in s:
            c = s["const"]
            return f"Literal[{py_str(c) if isinstance(c, str) else repr(c)}]"
        if "anyOf" in s:
            variants = s["anyOf"]
            if all("const" in v for v in variants):
                return "Literal[" + ", ".join(py_str(v["const"]) for v in variants) + "]"
            hints: List[str] = []
            for i, v in enumerate(variants):
                h = self.hint(v, f"{name}{i}")
                if h not in hints:
                    hints.append(h)
            if "None" in hints and len(hints) == 2:
                return f"Optional[{[h for h in hints if h != 'None'][0]}]"
            return "Union[" + ", ".join(hints) + "]"
        t = s.get("type")
        if t == "string":
            return "str"
        if t == "integer":
            return "int"
        if t == "number":
            return "float"
        if t == "boolean":
            return "bool"
        if t == "null":
            return "None"
        if t == "array":
            return f"List[{self.hint(s.get('items', {}), name)}]"
        if t == "object":
            if s.get("properties"):
                return self.object_type(s, name)
            pattern = s.get("patternProperties")
            if pattern:
                return f"Dict[str, {self.hint(next(iter(pattern.values())), name)}]"
            return "Dict[str, Any]"
        return "Any"

    def object_type(self, s: Dict[str, Any], name: str, forced_name: Optional[str] = None) -> str:
        props: Dict[str, Any] = s["properties"]
        required = set(s.get("required", []))
        known = forced_name or KNOWN_SHAPES.get(frozenset(props))
        fields = [
            Field(k, self.hint(v, (known or name) + camel_class(k)), k in required, v.get("description"))
            for k, v in props.items()
        ]
        shape = tuple((f.key, f.hint, f.required) for f in fields)
        # One class per name and shape: a known shape is shared wherever it appears, while
        # two places that merely look alike keep names that say where they are.
        chosen = known if known and self.used.get(known, shape) == shape else name
        base, n = chosen, 2
        while self.used.get(chosen, shape) != shape:
            chosen, n = f"{base}{n}", n + 1
        if chosen in self.used:
            return chosen
        self.used[chosen] = shape
        self.decls.append(self.render_typeddict(chosen, fields, s.get("description")))
        return chosen

    @staticmethod
    def render_typeddict(name: str, fields: List[Field], doc: Optional[str]) -> str:
        req = [f for f in fields if f.required]
        opt = [f for f in fields if not f.required]
        docline = f'    """{doc_text(doc)}"""\n' if doc else ""

        def attr_lines(fs: List[Field]) -> str:
            out = []
            for f in fs:
                if f.description:
                    out.append(f"    #: {doc_text(f.description)}")
                out.append(f"    {f.key}: {f.hint}")
            return "\n".join(out) + "\n"

        if all(f.key.isidentifier() and not keyword.iskeyword(f.key) for f in fields):
            if req and opt:
                return (
                    f"class _{name}Required(TypedDict):\n{attr_lines(req)}\n\n"
                    f"class {name}(_{name}Required, total=False):\n{docline}{attr_lines(opt)}"
                )
            if req:
                return f"class {name}(TypedDict):\n{docline}{attr_lines(req)}"
            return f"class {name}(TypedDict, total=False):\n{docline}{attr_lines(opt)}"

        # Keys such as "os.version" are not identifiers: functional TypedDicts, combined by a class.
        def functional(part: str, fs: List[Field], total: bool) -> str:
            items = "".join(f"    {py_str(f.key)}: {quote_names(f.hint)},\n" for f in fs)
            return f"{part} = TypedDict({py_str(part)}, {{\n{items}}}{'' if total else ', total=False'})\n"

        parts, code = [], ""
        if req:
            parts.append(f"_{name}Required")
            code += functional(f"_{name}Required", req, True) + "\n"
        if opt:
            parts.append(f"_{name}Optional")
            code += functional(f"_{name}Optional", opt, False) + "\n"
        body = docline or "    pass\n"
        return code + f"\nclass {name}({', '.join(parts)}):\n{body}"


_TYPING_NAMES = {"Any", "Dict", "List", "Literal", "Optional", "Union", "None", "str", "int", "float", "bool"}


def quote_names(hint: str) -> str:
    """Functional TypedDicts evaluate their hints at once: forward references must be strings."""
    return re.sub(r"\b([A-Z][A-Za-z0-9_]*)\b", lambda m: m.group(1) if m.group(1) in _TYPING_NAMES else f'"{m.group(1)}"', hint)


class Param(NamedTuple):
    wire: str
    python: str
    hint: str
    required: bool
    description: Optional[str]


def method_params(m: Dict[str, Any], types: TypeBuilder, cls: str) -> List[Param]:
    p = m["params"]
    if "properties" not in p:
        return []
    required = set(p.get("required", []))
    out = []
    for key, s in p["properties"].items():
        py = snake(key)
        if py in CONTROL_KWARGS:
            raise SystemExit(f"gen_protocol: param {key} of {m} collides with the client's own keyword {py}")
        out.append(Param(key, py, types.hint(s, cls + camel_class(key)), key in required, s.get("description")))
    return out


def render_method(wire: str, m: Dict[str, Any], params: List[Param], result_hint: str) -> str:
    py = snake(wire)
    args = [p for p in params if p.wire not in MANAGED_PARAMS]
    ordered = [p for p in args if p.required] + [p for p in args if not p.required]
    # Keyword-only: the wire has no argument order, and the control keywords always follow.
    sig = ["self", "*"]
    for p in ordered:
        sig.append(f"{p.python}: {p.hint}" if p.required else f"{p.python}: Optional[{p.hint}] = None")
    if m.get("progress"):
        sig.append("progress: Optional[ProgressCallback] = None")
    sig += ["timeout: Optional[float] = None", "cancel_event: Optional[threading.Event] = None"]
    doc = [doc_text(m["summary"]).rstrip(".") + "."]
    extra = []
    if m.get("oras"):
        extra.append(f"Mirrors ``{m['oras']}``.")
    extra.append(f"Wire method ``{wire}``.")
    doc += ["", " ".join(extra), "", "Args:"]
    for p in ordered:
        description = PARAM_DOC_OVERRIDES.get(p.wire, p.description)
        desc = f" {doc_text(description)}" if description else ""
        doc.append(f"    {p.python} (``{p.wire}``{', required' if p.required else ''}):{desc}")
    if m.get("progress"):
        doc.append("    progress: called with each ``$/progress`` value (a BlobProgress or OperationProgress),")
        doc.append("        on the calling thread, before this method returns.")
    doc.append("    timeout: seconds; on expiry the request is cancelled in the daemon and Timeout is raised.")
    doc.append("    cancel_event: setting it cancels the request in the daemon; Cancelled is raised.")
    doc_body = "\n".join(("        " + line) if line else "" for line in doc)
    body_params = "".join(f"                {py_str(p.wire)}: {p.python},\n" for p in ordered)
    body_params = f"{{\n{body_params}            }}" if ordered else "{}"
    ctrl = "progress=progress, " if m.get("progress") else ""
    sig_text = ",\n        ".join(sig)
    return (
        f"    def {py}(\n        {sig_text},\n    ) -> {result_hint}:\n"
        f'        """{doc_body.lstrip()}\n        """\n'
        f"        return cast({py_str(result_hint)}, self._request(\n"
        f"            {py_str(wire)},\n"
        f"            {body_params},\n"
        f"            {ctrl}timeout=timeout, cancel_event=cancel_event,\n"
        f"        ))\n"
    )


def render_notification(wire: str, m: Dict[str, Any], params: List[Param]) -> str:
    py = snake(wire)
    ordered = [p for p in params if p.required] + [p for p in params if not p.required]
    sig = ["self"] + (["*"] if ordered else [])
    for p in ordered:
        sig.append(f"{p.python}: {p.hint}" if p.required else f"{p.python}: Optional[{p.hint}] = None")
    body_params = ", ".join(f"{py_str(p.wire)}: {p.python}" for p in ordered)
    return (
        f"    def {py}({', '.join(sig)}) -> None:\n"
        f'        """{doc_text(m["summary"]).rstrip(".")} (notification ``{wire}``, no answer)."""\n'
        f"        self._notify({py_str(wire)}, {{{body_params}}})\n"
    )


HEADER = '''"""The orasd protocol for Python: generated from protocol/schema.json by clients/python/gen_protocol.py.

Do not edit: run `npm run gen` (or `python3 clients/python/gen_protocol.py`). Result types keep
the wire's camelCase keys; method keyword arguments are snake_case.
"""
# fmt: off
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, FrozenSet, List, Literal, NamedTuple, Optional, Tuple, Type, TypedDict, Union, cast

from .errors import NotFound, OrasdError

'''


def render_protocol(schema: Dict[str, Any]) -> str:
    types = TypeBuilder(schema.get("$defs", {}))
    methods: Dict[str, Any] = schema["methods"]
    result_hints: Dict[str, str] = {}
    params_of: Dict[str, List[Param]] = {}
    aliases: List[str] = []
    for wire, m in methods.items():
        cls = camel_class(snake(wire))
        params_of[wire] = method_params(m, types, f"{cls}Params")
        if m["direction"] != "client→server" and "properties" in m["params"]:
            # What a handler registered with on_notification / on_request receives.
            types.object_type(m["params"], f"{cls}Params")
        if "result" in m:
            h = types.hint(m["result"], f"{cls}Result")
            if h != f"{cls}Result" and h.isidentifier() and h != "None":
                aliases.append(f"{cls}Result = {h}")
                h = f"{cls}Result"
            result_hints[wire] = h
    progress = methods.get("$/progress")
    progress_value = types.hint(progress["params"]["properties"]["value"], "ProgressValue") if progress else "Dict[str, Any]"

    out = [HEADER]
    out.append(f"PROTOCOL_VERSION = {py_str(schema['protocolVersion'])}\n\n")
    out.append("# Result and payload types ------------------------------------------------\n\n")
    for d in types.decls:
        out.append(d + "\n\n")
    for a in aliases:
        out.append(a + "\n")
    out.append(f"\n#: A ``$/progress`` value.\nProgressValue = {progress_value}\n")
    out.append("ProgressCallback = Callable[[ProgressValue], None]\n\n\n")

    out.append("# Methods ------------------------------------------------------------------\n\n")
    out.append(
        "class ParamSpec(NamedTuple):\n"
        "    wire: str\n    python: str\n    required: bool\n\n\n"
        "class MethodSpec(NamedTuple):\n"
        "    wire: str\n    python: str\n    kind: str\n    direction: str\n    summary: str\n"
        "    oras: Optional[str]\n    progress: bool\n    read_only: bool\n    params: Tuple[ParamSpec, ...]\n\n"
        "    @property\n    def required(self) -> FrozenSet[str]:\n"
        "        return frozenset(p.wire for p in self.params if p.required)\n\n\n"
        "METHODS: Dict[str, MethodSpec] = {\n"
    )
    for wire, m in methods.items():
        ps = "".join(f"            ParamSpec({py_str(p.wire)}, {py_str(p.python)}, {p.required}),\n" for p in params_of[wire])
        out.append(
            f"    {py_str(wire)}: MethodSpec(\n"
            f"        {py_str(wire)}, {py_str(snake(wire))}, {py_str(m['kind'])}, {py_str(m['direction'])},\n"
            f"        {py_str(m['summary'])},\n"
            f"        {py_str(m['oras']) if m.get('oras') else None}, {bool(m.get('progress'))}, {bool(m.get('readOnly'))},\n"
            f"        (\n{ps}        ),\n"
            f"    ),\n"
        )
    out.append("}\n\n")
    out.append("#: Python method name -> wire name, for the client's methods.\n")
    out.append("BY_PYTHON_NAME: Dict[str, str] = {spec.python: wire for wire, spec in METHODS.items()}\n\n\n")

    out.append("# Errors -------------------------------------------------------------------\n\n")
    out.append(
        "class ErrorSpec(NamedTuple):\n"
        "    key: str\n    code: int\n    name: str\n    class_name: str\n\n\n"
        "ERRORS: Tuple[ErrorSpec, ...] = (\n"
    )
    classes: List[Tuple[str, Dict[str, Any], str]] = []
    for key, e in schema["errors"].items():
        cls = ERROR_CLASS_NAMES.get(key, key)
        if not cls.isidentifier() or cls in ERROR_BASES or cls in types.used:
            raise SystemExit(f"gen_protocol: error class name {cls} is not usable")
        classes.append((key, e, cls))
        out.append(f"    ErrorSpec({py_str(key)}, {e['code']}, {py_str(e['name'])}, {py_str(cls)}),\n")
    out.append(")\n\n")
    for key, e, cls in classes:
        parent = ERROR_PARENTS.get(key, "OrasdError")
        out.append(
            f"\nclass {cls}({parent}):\n"
            f'    """{e["name"]} ({e["code"]})."""\n'
            f"    CODE = {e['code']}\n"
            f"    CODE_NAME = {py_str(e['name'])}\n\n"
        )
    for key, _e, cls in classes:
        if key != cls:
            out.append(f"{key} = {cls}\n")
    out.append("\nERROR_CLASSES: Dict[int, Type[OrasdError]] = {\n")
    for _key, e, cls in classes:
        out.append(f"    {e['code']}: {cls},\n")
    out.append("}\n\n")
    out.append("#: Every error class by name, including the schema's names where the class is renamed.\n")
    out.append("ERROR_CLASSES_BY_NAME: Dict[str, Type[OrasdError]] = {\n")
    for key, _e, cls in classes:
        out.append(f"    {py_str(cls)}: {cls},\n")
        if key != cls:
            out.append(f"    {py_str(key)}: {cls},\n")
    out.append("}\n\n\n")

    exported = sorted(types.used) + [a.split(" = ")[0] for a in aliases] + [cls for _k, _e, cls in classes]
    exported += [key for key, _e, cls in classes if key != cls]
    exported += ["ERRORS", "ERROR_CLASSES", "ERROR_CLASSES_BY_NAME", "METHODS", "MethodSpec", "ParamSpec", "ErrorSpec",
                 "PROTOCOL_VERSION", "ProgressCallback", "ProgressValue"]
    out.append("__all__ = [\n" + "".join(f"    {py_str(n)},\n" for n in exported if not n.startswith("_")) + "]\n\n\n")
    out.append("# The client's methods ----------------------------------------------------\n\n")
    out.append(
        "class GeneratedMethods:\n"
        '    """One method per client→server method of the protocol; Client supplies the plumbing."""\n\n'
        "    def _request(self, method: str, params: Dict[str, Any], *, progress: Optional[ProgressCallback] = None,\n"
        "                 timeout: Optional[float] = None, cancel_event: Optional[threading.Event] = None) -> Any:\n"
        "        raise NotImplementedError\n\n"
        "    def _notify(self, method: str, params: Dict[str, Any]) -> None:\n"
        "        raise NotImplementedError\n"
    )
    for wire, m in methods.items():
        if m["direction"] != "client→server":
            continue
        out.append("\n")
        if m["kind"] == "notification":
            out.append(render_notification(wire, m, params_of[wire]))
        else:
            out.append(render_method(wire, m, params_of[wire], result_hints.get(wire, "Any")))
    return "".join(out)


def render_version(package_json: Dict[str, Any]) -> str:
    return (
        '"""Version of this client: the orasd release it belongs to (package.json), sent in the handshake."""\n'
        "# Generated by clients/python/gen_protocol.py from package.json; do not edit.\n"
        f"__version__ = {py_str(package_json['version'])}\n"
    )


def outputs() -> Dict[Path, str]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    package_json = json.loads(PACKAGE_JSON_PATH.read_text(encoding="utf-8"))
    return {PROTOCOL_OUT: render_protocol(schema), VERSION_OUT: render_version(package_json)}


def main(argv: List[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if check and stale:
        print("out of date: " + ", ".join(str(p) for p in stale) + "; run python3 clients/python/gen_protocol.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
