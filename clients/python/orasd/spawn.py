"""Finding and starting the daemon: socket path, daemon command, auto-spawn.

Mirrors clients/typescript/connect.ts so every client of a user shares one daemon; the rules
(socket path, socket folder check, environments) are generated from protocol/ into _rules.py.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from typing import IO, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from . import _rules
from .errors import DaemonNotFound, DaemonUnavailable

#: What an auto-spawned daemon is started with after ``serve --socket PATH``.
DEFAULT_SERVE_ARGS = ("--idle-timeout-default", "1800")
DEFAULT_SPAWN_TIMEOUT = 15.0

#: Overrides the build id (protocol/build.ts), and the file ``npm run build`` writes it to in dist/.
BUILD_ID_ENV = "ORASD_BUILD_ID"
BUILD_ID_FILE = "build-id"

# connect() failures that mean "nobody is serving this path": start a daemon.
_ABSENT = (errno.ENOENT, errno.ECONNREFUSED)


def default_socket_path(env: Optional[Mapping[str, str]] = None) -> str:
    """The socket path of protocol/endpoint.ts: ORASD_SOCKET, else under XDG_RUNTIME_DIR, else tmp."""
    return str(_rules.default_socket_path(os.environ if env is None else env, os.getuid()))


def caller_env(env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """What the client sends in ``initialize`` (protocol/caller-env.ts): the part of ``env``
    (default: this process's environment) through which the daemon finds this caller's
    credentials, config files, helpers and proxies."""
    return dict(_rules.forwarded_env(os.environ if env is None else env))


def refuse_untrusted_folder(path: str) -> None:
    """Raises DaemonUnavailable when the socket's folder could belong to someone else: a fake
    daemon there would receive everything sent, passwords included. Checked before connecting."""
    problem = _rules.socket_folder_problem(os.path.dirname(path) or ".")
    if problem:
        raise DaemonUnavailable(f"{problem}; {_rules.CLIENT_REFUSAL}")


def daemon_command(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """How to run ``orasd``: ORASD_BIN (a .js entry point run with node, or an executable), else PATH."""
    env = os.environ if env is None else env
    path_var = env.get("PATH", os.defpath)
    explicit = env.get("ORASD_BIN")
    if explicit:
        if not os.path.exists(explicit):
            raise DaemonNotFound(f"ORASD_BIN is {explicit!r}, which does not exist; point it at the daemon's dist/src/main.js or an orasd executable")
        if explicit.endswith((".js", ".cjs", ".mjs")):
            node = env.get("ORASD_NODE") or shutil.which("node", path=path_var)
            if not node:
                raise DaemonNotFound(f"ORASD_BIN is the script {explicit!r} but no node is on PATH to run it (or set ORASD_NODE)")
            return [node, os.path.abspath(explicit)]
        if not os.access(explicit, os.X_OK):
            raise DaemonNotFound(f"ORASD_BIN is {explicit!r}, which is neither a .js entry point nor executable")
        return [os.path.abspath(explicit)]
    found = shutil.which("orasd", path=path_var)
    if found:
        return [found]
    raise DaemonNotFound(
        "cannot find the orasd daemon: set ORASD_BIN to its dist/src/main.js (run with node) or to an "
        "orasd executable, or put orasd on PATH"
    )


def daemon_build_id(command: Optional[Sequence[str]] = None, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The build id of the daemon this client would start (protocol/build.ts), or None.

    ORASD_BUILD_ID when set, else the line ``npm run build`` wrote to the package's dist/build-id,
    found from the daemon's entry point: the ``.js`` of ``command`` (or of ORASD_BIN), else the
    ``orasd`` executable, followed through symlinks (npm's bin link), dist/src/main.js →
    dist/build-id. A client that knows no such file (installed with pip apart from the daemon,
    using a daemon it cannot start) sends none, and versions alone decide whether the daemon it
    finds is replaced: it never retires a daemon on the strength of a guess.
    """
    env = os.environ if env is None else env
    override = env.get(BUILD_ID_ENV)
    if override:
        return override
    try:
        argv = list(command) if command else daemon_command(env)
    except DaemonNotFound:
        return None
    scripts = [a for a in argv if a.endswith((".js", ".cjs", ".mjs"))]
    entry = os.path.realpath(scripts[-1] if scripts else argv[0])
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(entry)), BUILD_ID_FILE), "rb") as f:
            line = f.read(72).split(b"\n", 1)[0].strip().decode("ascii")
    except (OSError, UnicodeDecodeError):
        return None
    return line if 0 < len(line) <= 64 and all(c.isalnum() or c in "._-" for c in line) else None


def try_connect(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except BaseException:
        s.close()
        raise
    return s


def _reap(proc: "subprocess.Popen[bytes]") -> None:
    # The daemon outlives us normally; when it exits first (e.g. it lost the race to another
    # daemon), waiting here keeps it from lingering as a zombie of this process.
    threading.Thread(target=proc.wait, name="orasd-reaper", daemon=True).start()


def spawn_daemon(
    socket_path: str,
    command: Optional[Sequence[str]] = None,
    serve_args: Sequence[str] = DEFAULT_SERVE_ARGS,
    env: Optional[Mapping[str, str]] = None,
) -> "subprocess.Popen[bytes]":
    """Starts ``orasd serve --socket PATH`` in its own session, detached, stdio on /dev/null.

    The daemon runs in the socket's folder (its state folder), not ours, and gets of ``env`` only
    what it needs to run (protocol/endpoint.ts DAEMON_ENV_*): credentials and proxies come with
    each caller's requests, never from whoever started it.
    """
    cmd = list(command) if command else daemon_command(env)
    path = os.path.abspath(socket_path)
    proc = subprocess.Popen(
        [*cmd, "serve", "--socket", path, *serve_args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        cwd=os.path.dirname(path),
        env=_rules.daemon_env(os.environ if env is None else env, path),
    )
    _reap(proc)
    return proc


def start_stdio(
    command: Optional[Sequence[str]] = None,
    serve_args: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    stderr: Union[None, int, IO[bytes]] = None,
) -> "subprocess.Popen[bytes]":
    """Starts a private ``orasd serve --stdio`` child speaking over its pipes."""
    cmd = list(command) if command else daemon_command(env)
    return subprocess.Popen(
        [*cmd, "serve", "--stdio", *serve_args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=dict(os.environ if env is None else env),
        bufsize=0,
    )


@contextmanager
def _spawn_lock(lock_path: str, deadline: float) -> Iterator[bool]:
    """Holds an flock next to the socket so racing clients start one daemon, not one each.

    Yields False if the lock could not be had in time; the daemon's own lock still makes the
    race safe then, only more wasteful.
    """
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.02)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def connect_socket(
    socket_path: Optional[str] = None,
    *,
    autospawn: bool = True,
    timeout: float = DEFAULT_SPAWN_TIMEOUT,
    command: Optional[Sequence[str]] = None,
    serve_args: Sequence[str] = DEFAULT_SERVE_ARGS,
    env: Optional[Mapping[str, str]] = None,
) -> socket.socket:
    """Connects to the daemon's socket, starting a daemon when none answers there."""
    path = socket_path or default_socket_path(env)
    refuse_untrusted_folder(path)
    try:
        return try_connect(path)
    except OSError as e:
        if e.errno not in _ABSENT:
            raise DaemonUnavailable(f"cannot connect to orasd at {path}: {e}") from e
        if not autospawn:
            raise DaemonUnavailable(f"no orasd is serving {path} ({e.strerror}) and autospawn is off") from e
    cmd = list(command) if command else daemon_command(env)
    deadline = time.monotonic() + timeout
    folder = os.path.dirname(path) or "."
    # The daemon makes this folder 0700 itself; we need it earlier, for the lock file.
    os.makedirs(folder, mode=0o700, exist_ok=True)
    refuse_untrusted_folder(path)  # someone else may have made it between the check and makedirs
    with _spawn_lock(path + ".spawn.lock", deadline) as locked:
        try:
            return try_connect(path)  # another client started it while we waited for the lock
        except OSError as e:
            if e.errno not in _ABSENT:
                raise DaemonUnavailable(f"cannot connect to orasd at {path}: {e}") from e
            if not locked:
                raise DaemonUnavailable(f"orasd did not start on {path} within {timeout:g} s (another client holds {path}.spawn.lock)") from e
        proc = spawn_daemon(path, cmd, serve_args, env)
        return _poll_connect(path, deadline, timeout, proc)


def _poll_connect(path: str, deadline: float, timeout: float, proc: "subprocess.Popen[bytes]") -> socket.socket:
    delay = 0.01
    exited_at: Optional[float] = None
    while True:
        try:
            return try_connect(path)
        except OSError as e:
            last = e
        now = time.monotonic()
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        # A daemon that exits at once either lost a race (the winner will answer soon) or
        # cannot start at all: give the first case a moment, not the whole timeout.
        if now >= deadline or (exited_at is not None and now - exited_at > 3.0):
            status = f"; it exited with code {proc.returncode}" if proc.returncode is not None else ""
            raise DaemonUnavailable(
                f"orasd did not start on {path} within {timeout:g} s ({last.strerror or last}){status}; "
                f"run `orasd serve --socket {path}` to see why"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
