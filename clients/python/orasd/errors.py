"""Exceptions: OrasdError and the families the generated per-code classes hang under.

The class of every protocol error code (Unauthorized, DigestMismatch, Cancelled, Timeout, ...)
is generated into ``_protocol.py`` from the error table of protocol/schema.json, so a new code
gets a class by regenerating. They are importable from here and from ``orasd``.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple


class OrasdError(Exception):
    """An error the daemon answered with, or one this client raised on its behalf.

    ``code`` is the protocol's numeric code (``None`` for failures of this client itself, such
    as no daemon to start); ``data`` is the error's ``data`` object: ``code`` (symbolic name),
    ``reference``, ``registry``, ``status``, ``hint``, ``path``, ``detail`` when known.
    """

    CODE: Optional[int] = None
    CODE_NAME: Optional[str] = None

    def __init__(self, code: Optional[int], message: str, data: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data: Dict[str, Any] = dict(data) if isinstance(data, dict) else ({"detail": data} if data is not None else {})

    @property
    def code_name(self) -> str:
        """The symbolic code, e.g. ``"MANIFEST_UNKNOWN"``."""
        return self.data.get("code") or self.CODE_NAME or "UNKNOWN"

    @property
    def hint(self) -> Optional[str]:
        return self.data.get("hint")

    @property
    def reference(self) -> Optional[str]:
        return self.data.get("reference")

    def __str__(self) -> str:
        hint = self.hint
        return f"{self.message} ({self.code_name}{'; ' + hint if hint else ''})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.data!r})"

    def __reduce__(self) -> Tuple[Any, ...]:  # picklable despite the 3-argument constructor
        return (type(self), (self.code, self.message, self.data))


class NotFound(OrasdError):
    """MANIFEST_UNKNOWN, BLOB_UNKNOWN or NAME_UNKNOWN: no such manifest, blob or repository."""


class ClientError(OrasdError):
    """A failure of this client rather than an answer of the daemon (``code`` is None)."""

    def __init__(self, message: str, data: Optional[Dict[str, Any]] = None):
        super().__init__(None, message, data)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.message, self.data))

    def __str__(self) -> str:
        return self.message


class DaemonNotFound(ClientError):
    """Neither ORASD_BIN nor an ``orasd`` on PATH names a daemon to start."""


class DaemonUnavailable(ClientError):
    """The daemon's socket could not be reached, or a started daemon never answered."""


class ConnectionClosed(ClientError):
    """The connection to the daemon ended while a request was waiting for its answer."""

    #: False when the request never reached the daemon (the connection was already gone), so
    #: it cannot have taken effect and may be sent again.
    sent: bool = True


def __getattr__(name: str) -> Any:
    # The per-code classes live in the generated module, which imports this one; resolving
    # them lazily keeps `from orasd.errors import Unauthorized` working without an import cycle.
    from . import _protocol

    if name in _protocol.ERROR_CLASSES_BY_NAME:
        return _protocol.ERROR_CLASSES_BY_NAME[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
