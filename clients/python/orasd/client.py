"""Client: one connection to the daemon, with a method per protocol method."""
from __future__ import annotations

import os
import subprocess
import threading
from typing import IO, Any, Dict, Mapping, Optional, Sequence, Union

from ._protocol import (
    ERROR_CLASSES,
    METHODS,
    PROTOCOL_VERSION,
    Cancelled,
    DaemonOutdated,
    GeneratedMethods,
    InitializeResult,
    Interrupted,
    ShuttingDown,
    ProgressCallback,
    Timeout,
)
from ._version import __version__
from .errors import ConnectionClosed, OrasdError
from .rpc import Connection, NotificationHandler, Outcome, RequestAborted, RequestHandler
from .spawn import DEFAULT_SERVE_ARGS, DEFAULT_SPAWN_TIMEOUT, caller_env, connect_socket, daemon_build_id, start_stdio
from .transport import SocketTransport, StdioTransport, Transport

CLIENT_NAME = "orasd-python"


def error_from_response(code: int, message: str, data: Any) -> OrasdError:
    """The exception for an error answer: its code's class, or OrasdError for a code this client predates."""
    return ERROR_CLASSES.get(code, OrasdError)(code, message, data)


# Methods whose params take `cwd`: filled with our directory since the daemon's is arbitrary.
_TAKES_CWD = frozenset(wire for wire, spec in METHODS.items() if any(p.wire == "cwd" for p in spec.params))


class Client(GeneratedMethods):
    """A connection to orasd. Thread-safe: any number of threads may call it at once.

    Open one with :meth:`connect` (the shared daemon on its Unix socket, started on demand) or
    :meth:`spawn_stdio` (a private daemon on pipes). Every protocol method is a method here with
    snake_case keyword arguments (``client.push(reference=..., files=[{"path": "a.txt"}])``);
    results are dicts with the wire's camelCase keys, typed as TypedDicts. :meth:`call` sends
    any method by its wire name.

    Each method takes ``timeout`` (seconds) and ``cancel_event`` (a ``threading.Event``; set it
    from another thread to cancel). Either way the client sends ``$/cancelRequest``, waits up to
    ``cancel_grace`` seconds for the daemon to confirm it stopped (transfers aborted, temporary
    files gone), then raises :class:`Timeout` or :class:`Cancelled`. Methods that report progress
    take ``progress=callable``; it runs on the calling thread. An error answer raises the class
    of its code (``NotFound``, ``Unauthorized``, ...), all subclasses of :class:`OrasdError`.

    A client opened with :meth:`connect` outlives its daemon: when the daemon goes away (killed,
    replaced by an upgrade, idle exit), the next call connects again, starting a daemon if none
    answers. A request that never reached the old daemon, or one that changes nothing (marked
    read-only in the protocol: resolve, discover, manifest/fetch, ...), is sent again to the new
    one. Any other request lost in flight may have taken effect, so it raises
    :class:`Interrupted` (INTERRUPTED) rather than being repeated behind the caller's back.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        request_timeout: Optional[float] = None,
        cancel_grace: float = 5.0,
    ):
        self.transport = transport
        #: Default ``timeout`` of every call (None: wait as long as it takes).
        self.request_timeout = request_timeout
        #: How long a cancelled or timed-out call waits for the daemon to confirm.
        self.cancel_grace = cancel_grace
        #: The daemon's answer to ``initialize``.
        self.server_info: Optional[InitializeResult] = None
        self._conn = Connection(transport, error_from_response)
        # How connect() reached the daemon, to reach it again after it goes away (None: stdio).
        self._reopen: Optional[Dict[str, Any]] = None
        self._reopen_lock = threading.Lock()
        self._user_closed = False
        self._notification_handlers: Dict[str, Optional[NotificationHandler]] = {}
        self._request_handlers: Dict[str, Optional[RequestHandler]] = {}

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        socket_path: Optional[str] = None,
        autospawn: bool = True,
        timeout: float = DEFAULT_SPAWN_TIMEOUT,
        *,
        client_name: str = CLIENT_NAME,
        client_version: Optional[str] = None,
        command: Optional[Sequence[str]] = None,
        serve_args: Sequence[str] = DEFAULT_SERVE_ARGS,
        env: Optional[Mapping[str, str]] = None,
        request_timeout: Optional[float] = None,
        cancel_grace: float = 5.0,
    ) -> "Client":
        """Connects to the daemon's Unix socket, starting a daemon there if none answers.

        ``socket_path`` defaults to ORASD_SOCKET, else ``$XDG_RUNTIME_DIR/orasd/orasd.sock``, else
        ``<tmp>/orasd-<uid>/orasd.sock``. ``timeout`` bounds starting the daemon and the handshake.
        The daemon comes from ``command``, else ORASD_BIN, else ``orasd`` on PATH. A daemon older
        than this client, or of its version but another build, retires when told so (DAEMON_OUTDATED);
        the client then starts a current one and retries, once. The build is the one of the daemon
        this client would start, read from its package's dist/build-id (see daemon_build_id); a
        client that cannot find one compares versions only. ``client_version`` overrides the version sent (for tests).

        ``env`` (default: this process's environment) stands for the caller: it locates the
        socket and the daemon, its forwarded part (DOCKER_CONFIG, HOME, proxies, ORAS_*...) is
        sent in ``initialize`` so every request finds this caller's credentials, and a daemon
        started here gets only what it needs to run from it. A socket folder that is not a
        private folder of this user is refused before anything is sent (DaemonUnavailable).
        """
        reopen = dict(
            socket_path=socket_path, autospawn=autospawn, timeout=timeout, client_name=client_name, client_version=client_version,
            command=command, serve_args=serve_args, env=env, request_timeout=request_timeout, cancel_grace=cancel_grace,
        )
        client_build = daemon_build_id(command, env)
        for attempt in (0, 1):
            sock = connect_socket(
                socket_path, autospawn=autospawn, timeout=timeout, command=command, serve_args=serve_args, env=env
            )
            client = cls(SocketTransport(sock), request_timeout=request_timeout, cancel_grace=cancel_grace)
            try:
                client._handshake(client_name, client_version, timeout, env, client_build)
                client._reopen = reopen
                return client
            except DaemonOutdated:
                # The outdated daemon has already stopped listening: the retry starts a successor.
                client.close()
                if attempt == 1:
                    raise
            except BaseException:
                client.close()
                raise
        raise AssertionError("unreachable")

    @classmethod
    def spawn_stdio(
        cls,
        command: Optional[Sequence[str]] = None,
        serve_args: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        stderr: Union[None, int, IO[bytes]] = None,
        timeout: float = DEFAULT_SPAWN_TIMEOUT,
        *,
        client_name: str = CLIENT_NAME,
        client_version: Optional[str] = None,
        request_timeout: Optional[float] = None,
        cancel_grace: float = 5.0,
    ) -> "Client":
        """Starts a private daemon (``orasd serve --stdio``) that lives as long as this client.

        ``stderr`` is where the daemon's log goes (default: this process's stderr; pass
        ``subprocess.DEVNULL`` to drop it).
        """
        proc = start_stdio(command, serve_args, env, stderr)
        client = cls(StdioTransport(proc), request_timeout=request_timeout, cancel_grace=cancel_grace)
        try:
            client._handshake(client_name, client_version, timeout, env)
        except BaseException:
            client.close()
            raise
        return client

    def _handshake(
        self, client_name: str, client_version: Optional[str], timeout: float, env: Optional[Mapping[str, str]], client_build: Optional[str] = None
    ) -> None:
        self.server_info = self.initialize(
            client_name=client_name,
            client_version=client_version or __version__,
            client_build=client_build,
            protocol_version=PROTOCOL_VERSION,
            env=caller_env(env),
            timeout=timeout,
        )

    # -- calling -----------------------------------------------------------------------

    def call(
        self,
        method: str,
        params: Optional[Dict[str, Any]] = None,
        *,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> Any:
        """Sends any request by its wire name (``"manifest/fetch"``) with wire-named params."""
        if params is not None and method in _TAKES_CWD and "cwd" not in params:
            params = {**params, "cwd": os.getcwd()}
        return self._call(method, params, progress, timeout, cancel_event)

    def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
        """Sends a notification (no answer) by its wire name."""
        self._conn.notify(method, params)

    def _request(
        self,
        method: str,
        params: Dict[str, Any],
        *,
        progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
    ) -> Any:
        body = {k: v for k, v in params.items() if v is not None}
        if method in _TAKES_CWD and "cwd" not in body:
            body["cwd"] = os.getcwd()
        return self._call(method, body, progress, timeout, cancel_event)

    def _notify(self, method: str, params: Dict[str, Any]) -> None:
        self._conn.notify(method, {k: v for k, v in params.items() if v is not None})

    def _call(
        self,
        method: str,
        params: Optional[Dict[str, Any]],
        progress: Optional[ProgressCallback],
        timeout: Optional[float],
        cancel_event: Optional[threading.Event],
    ) -> Any:
        conn = self._conn
        try:
            return self._call_on(conn, method, params, progress, timeout, cancel_event)
        except ShuttingDown:
            # Refused by a daemon that is stopping (retiring for a new build): it had no effect.
            if self._reopen is None or self._user_closed:
                raise
            self._reconnect(conn)
            return self._call_on(self._conn, method, params, progress, timeout, cancel_event)
        except ConnectionClosed as e:
            if self._reopen is None or self._user_closed:
                raise
            spec = METHODS.get(method)
            if e.sent and not (spec is not None and spec.read_only):
                raise Interrupted(
                    Interrupted.CODE,
                    f"{method}: the daemon went away before answering ({e}); it may or may not have taken effect, so it was not sent again",
                    {
                        "code": Interrupted.CODE_NAME,
                        "method": method,
                        "hint": "check the target (resolve, repo/tags, the files) and repeat the request if it is missing; the next call connects to a new daemon",
                    },
                ) from None
            self._reconnect(conn)
            return self._call_on(self._conn, method, params, progress, timeout, cancel_event)

    def _reconnect(self, dead: Connection) -> None:
        """Replaces a closed connection with one to a live daemon (started if none answers)."""
        with self._reopen_lock:
            if self._conn is not dead:
                return  # another thread got there first
            assert self._reopen is not None
            fresh = type(self).connect(**self._reopen)
            self._conn, self.transport, self.server_info = fresh._conn, fresh.transport, fresh.server_info
            for name, handler in self._notification_handlers.items():
                self._conn.on_notification(name, handler)
            for name, rhandler in self._request_handlers.items():
                self._conn.on_request(name, rhandler)
        dead.close()

    def _call_on(
        self,
        conn: Connection,
        method: str,
        params: Optional[Dict[str, Any]],
        progress: Optional[ProgressCallback],
        timeout: Optional[float],
        cancel_event: Optional[threading.Event],
    ) -> Any:
        limit = self.request_timeout if timeout is None else timeout
        try:
            return conn.request(
                method, params, progress=progress, timeout=limit, cancel_event=cancel_event, cancel_grace=self.cancel_grace
            )
        except RequestAborted as e:
            answer = e.answer
            error = (answer or {}).get("error") if answer is not None else None
            if e.outcome == Outcome.TIMEOUT:
                if answer is None:
                    daemon = "no answer"
                elif error is None:
                    daemon = "completed"
                elif error.get("code") == Cancelled.CODE:
                    daemon = "cancelled"
                else:
                    daemon = "failed"
                raise Timeout(
                    Timeout.CODE,
                    f"{method} did not answer within {limit:g} s; cancelled it in the daemon ({daemon})",
                    {"code": Timeout.CODE_NAME, "method": method, "timeout": limit, "daemon": daemon},
                ) from None
            if answer is not None and error is None:
                return answer.get("result")  # it finished before the cancellation reached it
            if error is not None and error.get("code") != Cancelled.CODE:
                raise error_from_response(error.get("code"), error.get("message", ""), error.get("data")) from None
            data = dict((error or {}).get("data") or {"code": Cancelled.CODE_NAME})
            data.setdefault("method", method)
            if answer is None:
                data["detail"] = f"the daemon did not confirm within {self.cancel_grace:g} s"
            raise Cancelled(Cancelled.CODE, f"{method} cancelled", data) from None

    # -- daemon → client -----------------------------------------------------------------

    def on_notification(self, method: str, handler: Optional[NotificationHandler]) -> None:
        """Handles daemon → client notifications such as ``cli/output`` (runs on the reader
        thread: keep it short and do not wait on this client from it). ``$/progress`` of
        requests made with ``progress=`` never reaches it."""
        self._notification_handlers[method] = handler
        self._conn.on_notification(method, handler)

    def on_request(self, method: str, handler: Optional[RequestHandler]) -> None:
        """Answers daemon → client requests (``cli/prompt``, ``cli/stdin``) with handler(params)."""
        self._request_handlers[method] = handler
        self._conn.on_request(method, handler)

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called, or when the connection ended and cannot be reopened
        (stdio); a socket client whose daemon went away reconnects on its next call instead."""
        return self._user_closed or (self._reopen is None and self._conn.closed)

    @property
    def server_version(self) -> Optional[str]:
        return self.server_info["serverVersion"] if self.server_info else None

    @property
    def process(self) -> "Optional[subprocess.Popen[bytes]]":
        """The daemon's process when this client started it over stdio (else None)."""
        return self.transport.process if isinstance(self.transport, StdioTransport) else None

    @property
    def pid(self) -> Optional[int]:
        """The daemon's process id."""
        return self.server_info["pid"] if self.server_info else None

    def close(self) -> None:
        """Closes this connection; requests still waiting raise ConnectionClosed. A shared socket
        daemon keeps running (and cancels what this connection had in flight); a stdio one exits."""
        self._user_closed = True
        self._conn.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<orasd.Client {state} daemon={self.server_version} pid={self.pid}>"


__all__ = ["Client", "CLIENT_NAME", "error_from_response"]
