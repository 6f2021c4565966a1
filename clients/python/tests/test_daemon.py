"""Transports, auto-spawn, handshake, lifecycle, and the session methods (status, login, cli/run...)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest
from conftest import CLIENT_DIR
from helpers import ref, unique_repo, wait_gone

import orasd
from orasd import Client


def private_socket(session_dir: Path, name: str) -> str:
    folder = session_dir / name
    folder.mkdir(mode=0o700)
    return str(folder / "orasd.sock")


def daemons_serving(path: str) -> List[int]:
    """Pids of processes whose command line is `... serve --socket <path> ...` (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path("/proc", entry, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in args and path.encode() in args:
            pids.append(int(entry))
    return pids


def stop(path: str) -> None:
    with Client.connect(path, autospawn=False) as c:
        pid = c.pid
        c.shutdown(timeout=20)
    assert wait_gone(pid), f"daemon {pid} did not exit after shutdown"


def test_status(client):
    s = client.status()
    assert s["pid"] == client.pid and s["version"] == client.server_version == orasd.__version__
    assert s["socket"] == os.environ["ORASD_SOCKET"]
    assert s["clients"]["connected"] >= 1
    assert s["uptimeSeconds"] >= 0 and s["memory"]["rss"] > 0
    assert {"manifests", "tags", "tokens", "knownBlobs"} <= set(s["caches"])


def test_initialize_answer(client):
    info = client.server_info
    assert info["serverName"] == "orasd" and info["protocolVersion"] == orasd.PROTOCOL_VERSION
    assert "push" in info["capabilities"]["methods"] and "ndjson" in info["capabilities"]["framing"]
    again = client.initialize(client_name="second-handshake", client_version=orasd.__version__)
    assert again["pid"] == client.pid


def test_the_socket_speaks_ndjson_to_a_bare_socket(client):
    # What the client relies on, checked without it: one JSON object per line, answered in kind.
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.environ["ORASD_SOCKET"])
    with s, s.makefile("rwb") as f:
        f.write(b'{"jsonrpc":"2.0","id":7,"method":"status","params":{}}\n')
        f.flush()
        answer = json.loads(f.readline())
    assert answer["id"] == 7 and answer["result"]["pid"] == client.pid


def test_stdio_transport(daemon_bin, dist, tmp_path):
    (tmp_path / "f.txt").write_text("over stdio\n")
    with Client.spawn_stdio(stderr=subprocess.DEVNULL) as c:
        proc = c.process
        s = c.status()
        assert "socket" not in s and s["pid"] == proc.pid == c.pid
        repo = unique_repo("stdio")
        pushed = c.push(reference=ref(dist, repo, "v1"), files=[{"path": "f.txt"}], cwd=str(tmp_path), plain_http=True)
        events = []
        c.pull(reference=ref(dist, repo, "v1"), output=str(tmp_path / "out"), progress=events.append, plain_http=True)
        assert (tmp_path / "out" / "f.txt").read_text() == "over stdio\n"
        assert events
        with pytest.raises(orasd.NotFound):
            c.resolve(reference=ref(dist, repo, "nope"), plain_http=True)
        assert c.resolve(reference=ref(dist, repo, "v1"), plain_http=True)["digest"] == pushed["digest"]
    assert proc.wait(10) == 0  # closing stdin ends a stdio daemon
    assert c.closed


def test_stdio_exit_notification_ends_the_daemon(daemon_bin):
    c = Client.spawn_stdio(stderr=subprocess.DEVNULL)
    proc = c.process
    c.exit()  # not after shutdown: a daemon that has shut down may be gone before exit arrives
    assert proc.wait(15) == 0
    deadline = time.monotonic() + 5
    while not c.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert c.closed
    with pytest.raises(orasd.ConnectionClosed):
        c.status()
    c.close()


RACER = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from orasd import Client
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
c = Client.connect(sys.argv[1], timeout=30)
print(json.dumps({"pid": c.pid, "status": c.status()["pid"]}))
c.close()
"""


def test_ten_processes_racing_to_autospawn_end_with_one_daemon(daemon_bin, session_dir):
    path = private_socket(session_dir, "race")
    start = time.time() + 1.5  # every racer imported and waiting before the gun
    procs = [
        subprocess.Popen([sys.executable, "-c", RACER, path, str(start), str(CLIENT_DIR)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(10)
    ]
    answers = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err.decode()
        answers.append(json.loads(out))
    try:
        pids = {a["pid"] for a in answers} | {a["status"] for a in answers}
        assert len(pids) == 1, answers
        if os.path.isdir("/proc"):
            time.sleep(0.5)  # a loser of the daemon-side lock would be exiting by now
            assert daemons_serving(path) == list(pids), "more than one daemon process for the socket"
        with Client.connect(path, autospawn=False) as c:
            assert c.status()["clients"]["total"] >= 10
    finally:
        stop(path)


def start_old_daemon(path: str, version: str = "", build: str = "") -> "subprocess.Popen[bytes]":
    """A daemon claiming an older version (or another build), on `path`, once it is fully up.

    Fully up means it logged "orasd serving": a daemon accepts connections a moment before it
    can retire from its socket (src/bin/serve.ts sets stopListening only after listenSocket
    resolves), and a client told DAEMON_OUTDATED in that window finds it still listening.
    """
    log = Path(path).with_name("daemon.log")
    env = dict(os.environ, ORASD_SOCKET=path)
    if version:
        env["ORASD_VERSION_OVERRIDE"] = version
    if build:
        env["ORASD_BUILD_ID"] = build
    proc = subprocess.Popen(
        [*orasd.daemon_command(), "serve", "--socket", path, "--log-file", str(log)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while not (log.exists() and '"orasd serving"' in log.read_text()):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(f"the {version or build} daemon did not start on {path}")
        time.sleep(0.02)
    return proc


def test_connect_to_an_outdated_daemon_replaces_it(daemon_bin, session_dir):
    path = private_socket(session_dir, "outdated")
    old = start_old_daemon(path, "0.0.1")
    old2 = None
    try:
        # An older client is served as is and leaves the daemon in place.
        with Client.connect(path, autospawn=False, client_version="0.0.0") as older:
            assert older.server_version == "0.0.1" and older.pid == old.pid
        # A newer one is told DAEMON_OUTDATED; the daemon frees the socket, the client starts a successor.
        with Client.connect(path) as c:
            assert c.server_version == orasd.__version__
            assert c.pid != old.pid
            assert c.status()["version"] == orasd.__version__
        assert old.wait(15) == 0, "the outdated daemon retires once its clients are gone"
        # Without autospawn there is nothing to retry with: the error surfaces.
        path2 = private_socket(session_dir, "outdated2")
        old2 = start_old_daemon(path2, "0.0.1")
        with pytest.raises(orasd.DaemonUnavailable):
            Client.connect(path2, autospawn=False)
        assert old2.wait(15) == 0
    finally:
        for p in (old, old2):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        stop(path)


def test_connect_replaces_a_daemon_of_another_build_once_its_push_finishes(daemon_bin, session_dir, dist, tmp_path):
    """A rebuild (same version, new dist/build-id): the first client of the new build replaces the
    daemon; a push already running on the old one finishes there, and its client carries on."""
    current_build = (Path(daemon_bin).resolve().parent.parent / "build-id").read_text().strip()
    assert orasd.daemon_build_id() == current_build
    path = private_socket(session_dir, "rebuilt")
    old = start_old_daemon(path, build="old-build")
    try:
        # A client that knows no daemon to start (installed apart from it): it sends no build, so
        # it is served by whichever daemon listens, the old one now, the new one later.
        nobin = tmp_path / "nobin"
        nobin.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("ORASD_BIN", "ORASD_BUILD_ID")}
        pusher = Client.connect(path, autospawn=False, env=dict(env, PATH=str(nobin)))
        assert pusher.pid == old.pid and pusher.status()["build"] == "old-build"
        (tmp_path / "big.bin").write_bytes(os.urandom(48 << 20))
        reference = ref(dist, unique_repo("rebuilt"), "v1")
        started, pushed = threading.Event(), {}

        def push() -> None:
            pushed["result"] = pusher.push(
                reference=reference, files=[{"path": "big.bin"}], cwd=str(tmp_path), plain_http=True,
                progress=lambda _: started.set(),
            )

        worker = threading.Thread(target=push)
        worker.start()
        assert started.wait(60), "no progress from the push"
        with Client.connect(path) as c:
            assert c.pid != old.pid
            assert c.status()["build"] == current_build
        worker.join(120)
        assert pushed["result"]["digest"].startswith("sha256:")
        assert old.wait(60) == 0, "the old daemon retires once its push is done"
        # Its client goes on with the new daemon.
        assert pusher.resolve(reference=reference, plain_http=True)["digest"] == pushed["result"]["digest"]
        assert pusher.status()["build"] == current_build
        pusher.close()
    finally:
        if old.poll() is None:
            old.kill()
            old.wait()
        stop(path)


def test_the_build_sent_is_the_one_of_the_daemon_the_client_would_start(daemon_bin, tmp_path):
    """Found from the daemon's entry point, through symlinks (npm's bin link); none without one."""
    dist_dir = Path(daemon_bin).resolve().parent.parent
    link = tmp_path / "bin" / "orasd"
    link.parent.mkdir()
    link.symlink_to(Path(daemon_bin).resolve())
    env = {k: v for k, v in os.environ.items() if k not in ("ORASD_BIN", "ORASD_BUILD_ID")}
    assert orasd.daemon_build_id(env=dict(env, PATH=str(link.parent))) == (dist_dir / "build-id").read_text().strip()
    assert orasd.daemon_build_id(env=dict(env, PATH=str(tmp_path))) is None  # nothing to start: versions alone decide
    assert orasd.daemon_build_id(["/usr/bin/node", str(tmp_path / "main.js")], env) is None
    assert orasd.daemon_build_id(env=dict(env, ORASD_BUILD_ID="stamped")) == "stamped"


def test_no_daemon_to_start_names_both_ways_to_provide_one(session_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ORASD_BIN"}
    env["PATH"] = str(tmp_path)  # no orasd here
    with pytest.raises(orasd.DaemonNotFound) as e:
        Client.connect(private_socket(session_dir, "nobin"), env=env)
    assert "ORASD_BIN" in str(e.value) and "PATH" in str(e.value)
    env["ORASD_BIN"] = str(tmp_path / "missing.js")
    with pytest.raises(orasd.DaemonNotFound, match="ORASD_BIN"):
        Client.connect(private_socket(session_dir, "nobin2"), env=env)


def test_orasd_on_path_is_used_when_orasd_bin_is_unset(daemon_bin, session_dir, tmp_path):
    launcher = tmp_path / "orasd"
    target = orasd.daemon_command()
    launcher.write_text("#!/bin/sh\nexec " + " ".join(f"'{a}'" for a in target) + ' "$@"\n')
    launcher.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "ORASD_BIN"}
    env["PATH"] = f"{tmp_path}:{env.get('PATH', '')}"
    assert orasd.daemon_command(env) == [str(launcher)]
    path = private_socket(session_dir, "onpath")
    with Client.connect(path, env=env) as c:
        assert c.status()["socket"] == path
    stop(path)


def test_autospawn_off_and_nothing_listening(session_dir):
    with pytest.raises(orasd.DaemonUnavailable, match="autospawn"):
        Client.connect(private_socket(session_dir, "off"), autospawn=False)


def test_socket_path_follows_protocol_endpoint():
    assert orasd.default_socket_path({"ORASD_SOCKET": "/x/y.sock", "XDG_RUNTIME_DIR": "/run/u"}) == "/x/y.sock"
    assert orasd.default_socket_path({"XDG_RUNTIME_DIR": "/run/user/5"}) == "/run/user/5/orasd/orasd.sock"
    uid = os.getuid()
    assert orasd.default_socket_path({"TMPDIR": "/var/tmp/"}) == f"/var/tmp/orasd-{uid}/orasd.sock"
    assert orasd.default_socket_path({}) == f"/tmp/orasd-{uid}/orasd.sock"


class FakeDaemon:
    """A listener of the test's own where a client looks for its daemon (another user's, in the
    attack): records what it receives and answers each line with an error."""

    def __init__(self, path: str):
        self.connections = 0
        self.received = b""
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while b"\n" not in self.received:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    self.received += chunk
                first = json.loads(self.received.split(b"\n")[0])
                conn.sendall(json.dumps({"jsonrpc": "2.0", "id": first["id"], "error": {"code": -32603, "message": "fake"}}).encode() + b"\n")

    def close(self) -> None:
        self.server.close()


@pytest.mark.parametrize("mode", [0o777, 0o711, 0o770], ids=["777", "711", "770"])
def test_a_socket_folder_others_can_enter_is_refused_before_anything_is_sent(session_dir, mode):
    path = private_socket(session_dir, f"open-{mode:o}")
    fake = FakeDaemon(path)
    os.chmod(os.path.dirname(path), mode)
    try:
        with pytest.raises(orasd.DaemonUnavailable, match=f"{os.path.dirname(path)} is accessible to other users.*set ORASD_SOCKET"):
            Client.connect(path, env={**os.environ, "ORASD_SOCKET": path})
        assert (fake.connections, fake.received) == (0, b"")
    finally:
        fake.close()


def test_initialize_carries_the_forwarded_part_of_the_callers_environment(session_dir):
    path = private_socket(session_dir, "fake-env")
    fake = FakeDaemon(path)
    env = {**os.environ, "DOCKER_CONFIG": "/caller/docker", "HTTPS_PROXY": "http://proxy:3128", "ORAS_X": "1", "UNRELATED": "secret"}
    try:
        with pytest.raises(orasd.OrasdError, match="fake"):
            Client.connect(path, env=env)
        init = json.loads(fake.received.split(b"\n")[0])
        assert init["method"] == "initialize"
        assert init["params"]["env"] == orasd.spawn.caller_env(env)
        assert init["params"]["env"]["DOCKER_CONFIG"] == "/caller/docker" and init["params"]["env"]["HTTPS_PROXY"] == "http://proxy:3128"
        assert "UNRELATED" not in init["params"]["env"] and "ORASD_SOCKET" not in init["params"]["env"]
    finally:
        fake.close()


def test_closing_the_client_fails_waiting_calls_and_cancels_them_in_the_daemon(client, dist, tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.write(os.urandom(64))
        block = os.urandom(1 << 20)
        for _ in range(384):
            f.write(block)
    reference = ref(dist, unique_repo("closed"), "v1")
    before = client.status()["requests"]["cancelled"]
    c = Client.connect()
    outcome = {}

    def push():
        try:
            c.push(reference=reference, files=[{"path": "big.bin"}], cwd=str(tmp_path), plain_http=True)
        except Exception as e:
            outcome["error"] = e

    t = threading.Thread(target=push)
    t.start()
    time.sleep(0.4)
    c.close()
    t.join(10)
    assert isinstance(outcome.get("error"), orasd.ConnectionClosed), outcome
    deadline = time.monotonic() + 10
    while client.status()["requests"]["cancelled"] == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.status()["requests"]["cancelled"] == before + 1
    with pytest.raises(orasd.NotFound):
        client.resolve(reference=reference, no_cache=True, plain_http=True)


def test_login_and_logout(client, dist, tmp_path):
    config = tmp_path / "config.json"
    out = client.login(registry=dist["host"], username="someone", password="secret", plain_http=True, registry_config=str(config))
    assert out["registry"] == dist["host"]
    auths = json.loads(config.read_text())["auths"]
    assert dist["host"] in auths
    gone = client.logout(registry=dist["host"], registry_config=str(config))
    assert gone["registry"] == dist["host"]
    assert dist["host"] not in json.loads(config.read_text())["auths"]


def test_login_store_has_the_documented_form(client, dist, tmp_path):
    config = tmp_path / "config.json"
    out = client.login(registry=dist["host"], username="u", password="p", plain_http=True, registry_config=str(config))
    assert out["store"] == f"file:{config}"


def test_cli_run_streams_output_notifications(client, tmp_path):
    chunks = []
    client.on_notification("cli/output", chunks.append)
    try:
        result = client.cli_run(token="py-cli-1", argv=["version"], cwd=str(tmp_path))
    finally:
        client.on_notification("cli/output", None)
    assert result == {"exitCode": 0}
    text = "".join(c["data"] for c in chunks if c["token"] == "py-cli-1" and c["stream"] == "stdout")
    assert orasd.__version__ in text
    bad = client.cli_run(token="py-cli-2", argv=["no-such-command"], cwd=str(tmp_path))
    assert bad["exitCode"] != 0
