"""A Client outlives its daemon: reads and unsent requests go to a new daemon, lost writes are INTERRUPTED.

Each test kills (SIGKILL) a daemon of its own, on a socket of its own, under a live Client.
"""
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

import orasd
from orasd import Client
from helpers import ref, unique_repo, wait_gone


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    assert wait_gone(pid), f"daemon {pid} survived SIGKILL"


@pytest.fixture
def private_client(daemon_bin, tmp_path_factory):
    # Under /tmp: a socket path must stay short.
    folder = Path(tmp_path_factory.mktemp("sock", numbered=True))
    short = Path("/tmp") / f"orasd-rc-{os.getpid()}-{folder.name}"
    short.mkdir(mode=0o700)
    sock = str(short / "orasd.sock")
    c = Client.connect(socket_path=sock, timeout=30, serve_args=("--idle-timeout", "120", "--log-file", str(short / "daemon.log")))
    yield c
    pid = c.pid
    try:
        c.shutdown(timeout=20)
    except orasd.OrasdError:
        pass
    c.close()
    wait_gone(pid)


def test_a_read_after_the_daemon_died_succeeds_against_a_new_daemon(private_client, dist, tmp_path):
    c = private_client
    (tmp_path / "a.txt").write_text("survives\n")
    reference = ref(dist, unique_repo("reconnect-read"), "v1")
    pushed = c.push(reference=reference, files=[{"path": "a.txt"}], cwd=str(tmp_path), plain_http=True)
    first = c.pid
    _kill(first)
    assert not c.closed  # a socket client is not done when its daemon is
    assert c.resolve(reference=reference, plain_http=True)["digest"] == pushed["digest"]
    assert c.pid != first and c.status()["pid"] == c.pid


def test_a_request_the_dead_daemon_never_received_is_sent_to_the_new_one(private_client, dist, tmp_path):
    c = private_client
    (tmp_path / "b.txt").write_text("unsent\n")
    reference = ref(dist, unique_repo("reconnect-unsent"), "v1")
    first = c.pid
    _kill(first)  # nothing in flight: the push below never reached it
    pushed = c.push(reference=reference, files=[{"path": "b.txt"}], cwd=str(tmp_path), plain_http=True)
    assert c.pid != first
    assert c.resolve(reference=reference, plain_http=True)["digest"] == pushed["digest"]


def test_a_write_in_flight_when_the_daemon_dies_is_interrupted_not_repeated(private_client, dist, tmp_path):
    c = private_client
    with open(tmp_path / "big.bin", "wb") as f:
        for _ in range(48):
            f.write(os.urandom(1 << 20))
    reference = ref(dist, unique_repo("reconnect-write"), "v1")
    first = c.pid
    killed = threading.Event()

    def kill_on_first_progress(_value):
        # The daemon is mid-push when it reports progress: that is when it dies.
        if not killed.is_set():
            killed.set()
            _kill(first)

    with pytest.raises(orasd.Interrupted) as err:
        c.push(reference=reference, files=[{"path": "big.bin"}], cwd=str(tmp_path), plain_http=True, progress=kill_on_first_progress)
    assert killed.is_set()
    assert err.value.code == 1202 and err.value.code_name == "INTERRUPTED"
    assert err.value.data["method"] == "push" and "not sent again" in err.value.message
    # The next call reaches a new daemon, which never saw the push.
    status = c.status()
    assert status["pid"] != first
    assert "push" not in status["requests"]["byMethod"]


def test_a_closed_client_does_not_reconnect(private_client):
    c = Client.connect(socket_path=private_client.status()["socket"], autospawn=False)
    c.close()
    with pytest.raises(orasd.ConnectionClosed):
        c.status()
