"""JSON-RPC 2.0 over a Transport, shared by many threads.

One reader thread takes every message off the connection: a response goes to the queue of the
request with its id, a ``$/progress`` notification to the queue of the request that owns its
token. The calling thread waits on that queue, so progress callbacks run on the caller's thread,
in order, before the call returns, and may themselves use the client.
"""
from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from typing import Any, Callable, Dict, Optional, Tuple, Union

from .errors import ConnectionClosed, OrasdError
from .transport import Message, Transport

Id = Union[int, str]
ErrorFactory = Callable[[int, str, Any], OrasdError]
NotificationHandler = Callable[[Dict[str, Any]], None]
RequestHandler = Callable[[Dict[str, Any]], Any]

METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603
CANCEL_METHOD = "$/cancelRequest"
PROGRESS_METHOD = "$/progress"

_tokens = itertools.count(1)


class _Pending:
    __slots__ = ("id", "method", "queue", "token")

    def __init__(self, id: int, method: str, token: Optional[str]):
        self.id = id
        self.method = method
        self.token = token
        # Items: ("progress", value) | ("response", message) | ("closed", exception)
        self.queue: "queue.SimpleQueue[Tuple[str, Any]]" = queue.SimpleQueue()


class Outcome:
    """How a request ended when the caller stopped waiting for its normal answer."""

    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


class RequestAborted(Exception):
    """Raised by Connection.request when the caller's timeout or cancel_event ended the wait.

    ``outcome`` says which; ``answer`` is the daemon's final message if it came within the
    grace period (``None`` otherwise), so the caller can tell "stopped" from "finished anyway".
    """

    def __init__(self, outcome: str, answer: Optional[Message]):
        super().__init__(outcome)
        self.outcome = outcome
        self.answer = answer


def _unsent(e: ConnectionClosed) -> ConnectionClosed:
    e.sent = False
    return e


class Connection:
    def __init__(self, transport: Transport, error_factory: ErrorFactory, name: str = "orasd"):
        self.transport = transport
        self._error_factory = error_factory
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._pending: Dict[int, _Pending] = {}
        self._by_token: Dict[str, _Pending] = {}
        self._notification_handlers: Dict[str, NotificationHandler] = {}
        self._request_handlers: Dict[str, RequestHandler] = {}
        self._closed = threading.Event()
        self._close_reason: Optional[str] = None
        self._reader = threading.Thread(target=self._read_loop, name=f"{name}-reader", daemon=True)
        self._reader.start()

    # -- outgoing --------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def notify(self, method: str, params: Optional[Dict[str, Any]]) -> None:
        msg: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def request(
        self,
        method: str,
        params: Optional[Dict[str, Any]],
        *,
        progress: Optional[Callable[[Any], None]] = None,
        timeout: Optional[float] = None,
        cancel_event: Optional[threading.Event] = None,
        cancel_grace: float = 5.0,
    ) -> Any:
        """Sends a request and waits for its result (raising the mapped error).

        Raises RequestAborted when ``timeout`` expires or ``cancel_event`` is set: by then
        ``$/cancelRequest`` has been sent and the daemon's answer awaited for ``cancel_grace``.
        """
        if self._closed.is_set():
            raise _unsent(ConnectionClosed(f"the connection to the daemon is closed ({self._close_reason or 'closed'})"))
        rid = next(self._ids)
        token = f"py-{os.getpid()}-{next(_tokens)}" if progress is not None else None
        pending = _Pending(rid, method, token)
        if token is not None:
            params = dict(params or {})
            params["progressToken"] = token
        msg: Message = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        with self._lock:
            self._pending[rid] = pending
            if token is not None:
                self._by_token[token] = pending
        try:
            try:
                self._send(msg)
            except ConnectionClosed as e:
                # A failed write leaves at most a partial frame, which the daemon never runs.
                raise _unsent(e)
            return self._wait(pending, progress, timeout, cancel_event, cancel_grace)
        finally:
            with self._lock:
                self._pending.pop(rid, None)
                if token is not None:
                    self._by_token.pop(token, None)

    def _wait(
        self,
        pending: _Pending,
        progress: Optional[Callable[[Any], None]],
        timeout: Optional[float],
        cancel_event: Optional[threading.Event],
        cancel_grace: float,
    ) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        aborted: Optional[str] = None
        grace_deadline = 0.0
        callback_error: Optional[BaseException] = None
        try:
            while True:
                now = time.monotonic()
                if aborted is None:
                    if cancel_event is not None and cancel_event.is_set():
                        aborted = Outcome.CANCELLED
                    elif deadline is not None and now >= deadline:
                        aborted = Outcome.TIMEOUT
                    if aborted is not None:
                        self._cancel(pending.id)
                        grace_deadline = now + cancel_grace
                wait: Optional[float]
                if aborted is not None:
                    if grace_deadline <= now:
                        raise RequestAborted(aborted, None)
                    wait = grace_deadline - now
                else:
                    wait = None if deadline is None else deadline - now
                    if cancel_event is not None:
                        # An Event cannot wake a queue: look at it this often.
                        wait = 0.05 if wait is None else min(wait, 0.05)
                try:
                    kind, item = pending.queue.get(timeout=wait) if wait is not None else pending.queue.get()
                except queue.Empty:
                    continue
                if kind == "progress":
                    if progress is not None and callback_error is None and aborted is None:
                        try:
                            progress(item)
                        except BaseException as e:  # noqa: B902 - re-raised once the daemon has stopped
                            callback_error = e
                            aborted = Outcome.CANCELLED
                            self._cancel(pending.id)
                            grace_deadline = time.monotonic() + cancel_grace
                    continue
                if kind == "closed":
                    if callback_error is not None:
                        raise callback_error
                    if aborted is not None:
                        raise RequestAborted(aborted, None)
                    raise item
                # kind == "response"
                if callback_error is not None:
                    raise callback_error
                if aborted is not None:
                    raise RequestAborted(aborted, item)
                if "error" in item:
                    err = item["error"] or {}
                    raise self._error_factory(err.get("code", INTERNAL_ERROR), err.get("message", ""), err.get("data"))
                return item.get("result")
        except KeyboardInterrupt:
            # Ctrl-C in the caller: stop the work in the daemon too, without waiting for it.
            if aborted is None:
                self._cancel(pending.id)
            raise

    def _cancel(self, rid: int) -> None:
        try:
            self.notify(CANCEL_METHOD, {"id": rid})
        except OrasdError:
            pass

    def _send(self, msg: Message) -> None:
        if self._closed.is_set():
            raise ConnectionClosed(f"the connection to the daemon is closed ({self._close_reason or 'closed'})")
        try:
            self.transport.write(msg)
        except (OSError, ValueError) as e:
            self._shutdown(f"write failed: {e}")
            raise ConnectionClosed(f"the connection to the daemon is closed (write failed: {e})") from e

    # -- incoming --------------------------------------------------------------

    def on_notification(self, method: str, handler: Optional[NotificationHandler]) -> None:
        """Handles a daemon → client notification; runs on the reader thread, so keep it short."""
        if handler is None:
            self._notification_handlers.pop(method, None)
        else:
            self._notification_handlers[method] = handler

    def on_request(self, method: str, handler: Optional[RequestHandler]) -> None:
        """Answers a daemon → client request (cli/prompt, cli/stdin) on a thread of its own."""
        if handler is None:
            self._request_handlers.pop(method, None)
        else:
            self._request_handlers[method] = handler

    def _read_loop(self) -> None:
        reason = "the daemon closed the connection"
        try:
            while True:
                msg = self.transport.read()
                if msg is None:
                    break
                if isinstance(msg, dict):
                    self._dispatch(msg)
        except Exception as e:  # a malformed frame ends the connection: nothing after it can be trusted
            reason = f"unreadable message from the daemon: {e}"
        self._shutdown(reason)

    def _dispatch(self, msg: Message) -> None:
        method = msg.get("method")
        if method is None:
            with self._lock:
                pending = self._pending.get(msg.get("id"))  # type: ignore[arg-type]
            if pending is not None:
                pending.queue.put(("response", msg))
            return
        params = msg.get("params") or {}
        if "id" in msg:
            threading.Thread(target=self._answer, args=(msg["id"], method, params), daemon=True).start()
            return
        if method == PROGRESS_METHOD:
            with self._lock:
                pending = self._by_token.get(str(params.get("token")))
            if pending is not None:
                pending.queue.put(("progress", params.get("value")))
                return
        handler = self._notification_handlers.get(method)
        if handler is not None:
            try:
                handler(params)
            except Exception:
                pass  # a faulty handler must not stop the reader (and every caller with it)

    def _answer(self, id: Id, method: str, params: Dict[str, Any]) -> None:
        handler = self._request_handlers.get(method)
        if handler is None:
            reply: Message = {"jsonrpc": "2.0", "id": id, "error": {"code": METHOD_NOT_FOUND, "message": f"this client does not handle {method}"}}
        else:
            try:
                reply = {"jsonrpc": "2.0", "id": id, "result": handler(params)}
            except Exception as e:
                reply = {"jsonrpc": "2.0", "id": id, "error": {"code": INTERNAL_ERROR, "message": f"{type(e).__name__}: {e}"}}
        try:
            self._send(reply)
        except OrasdError:
            pass

    # -- teardown ----------------------------------------------------------------

    def _shutdown(self, reason: str) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            self._close_reason = reason
            self._closed.set()
            waiting = list(self._pending.values())
        for p in waiting:
            p.queue.put(("closed", ConnectionClosed(f"{reason} before answering {p.method} (request {p.id})")))

    def close(self) -> None:
        self._shutdown("closed by the client")
        self.transport.close()
        if threading.current_thread() is not self._reader:
            self._reader.join(5)
