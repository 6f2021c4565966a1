"""Python client of orasd, the daemon that serves ORAS / OCI registry operations over JSON-RPC.

    from orasd import Client
    with Client.connect() as c:
        pushed = c.push(reference="localhost:5000/demo:v1", files=[{"path": "a.txt"}])

Standard library only. See README.md.
"""
from ._protocol import *  # noqa: F401,F403 - result types, error classes, method table
from ._protocol import __all__ as _protocol_all
from ._version import __version__
from .client import Client, error_from_response
from .errors import ClientError, ConnectionClosed, DaemonNotFound, DaemonUnavailable, NotFound, OrasdError
from .spawn import daemon_build_id, daemon_command, default_socket_path

__all__ = [
    "Client",
    "ClientError",
    "ConnectionClosed",
    "DaemonNotFound",
    "DaemonUnavailable",
    "NotFound",
    "OrasdError",
    "__version__",
    "daemon_build_id",
    "daemon_command",
    "default_socket_path",
    "error_from_response",
    *_protocol_all,
]
