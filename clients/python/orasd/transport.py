"""Framing: how JSON-RPC messages travel over a byte stream.

The daemon sniffs the framing from a connection's first byte and answers in kind. Over the Unix
socket this client speaks newline-delimited JSON (one object per line: nothing to parse but
lines); over stdio the daemon speaks only LSP framing (``Content-Length`` headers).
"""
from __future__ import annotations

import json
import socket
import subprocess
import threading
from typing import Any, BinaryIO, Dict, Optional

Message = Dict[str, Any]


def encode(msg: Message) -> bytes:
    # json.dumps escapes control characters inside strings, so the text holds no raw newline.
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Transport:
    """Reads and writes whole messages. ``write`` may be called from any thread."""

    def __init__(self) -> None:
        self._write_lock = threading.Lock()

    def read(self) -> Optional[Message]:
        """The next message, or None at end of stream."""
        raise NotImplementedError

    def write(self, msg: Message) -> None:
        frame = self._frame(encode(msg))
        # One lock per connection: frames from concurrent callers must not interleave.
        with self._write_lock:
            self._send(frame)

    def _frame(self, body: bytes) -> bytes:
        raise NotImplementedError

    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SocketTransport(Transport):
    """Newline-delimited JSON over a connected Unix socket."""

    def __init__(self, sock: socket.socket):
        super().__init__()
        self.sock = sock
        self._rfile = sock.makefile("rb")
        self._closed = False

    def read(self) -> Optional[Message]:
        while True:
            try:
                line = self._rfile.readline()
            except (OSError, ValueError):
                return None
            if not line:
                return None
            if line.strip():
                msg: Message = json.loads(line)
                return msg

    def _frame(self, body: bytes) -> bytes:
        return body + b"\n"

    def _send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # shutdown() wakes the reader thread blocked in readline(); close() alone may not.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        try:
            self._rfile.close()
        except OSError:
            pass


def read_lsp_frame(stream: BinaryIO) -> Optional[bytes]:
    """One LSP-framed body, or None at end of stream."""
    length: Optional[int] = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            if length is None:
                continue
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = stream.read(length)
    if body is None or len(body) < length:
        return None
    return body


class StdioTransport(Transport):
    """LSP framing over the pipes of an ``orasd serve --stdio`` child process."""

    def __init__(self, process: "subprocess.Popen[bytes]"):
        super().__init__()
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self._in: BinaryIO = process.stdout  # type: ignore[assignment]
        self._out: BinaryIO = process.stdin  # type: ignore[assignment]
        self._closed = False

    def read(self) -> Optional[Message]:
        try:
            body = read_lsp_frame(self._in)
        except (OSError, ValueError):
            return None
        return None if body is None else json.loads(body)

    def _frame(self, body: bytes) -> bytes:
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def _send(self, data: bytes) -> None:
        self._out.write(data)
        self._out.flush()

    def close(self, wait: float = 5.0) -> None:
        if self._closed:
            return
        self._closed = True
        # Closing its stdin is how a stdio daemon is told to stop; it then finishes and exits.
        try:
            self._out.close()
        except OSError:
            pass
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            self._in.close()
        except OSError:
            pass
