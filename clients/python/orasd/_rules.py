"""Where the daemon is and whether to trust its folder; what to forward, and what a spawned
daemon gets. Generated from protocol/endpoint.ts and protocol/caller-env.ts by protocol/gen-client-rules.ts
(`npm run gen`): do not edit.
"""
import os

# ---- begin of the generated rules (protocol/gen-client-rules.ts, `npm run gen`): do not edit ----
# The rules of protocol/endpoint.ts and protocol/caller-env.ts; the Python client (orasd/_rules.py) and the Python launcher
# (clients/shell/oras_launcher.py) carry this same block.
FORWARDED_ENV_NAMES = frozenset(("DOCKER_CONFIG", "HOME", "PATH", "USER", "XDG_CONFIG_HOME", "NO_COLOR", "TERM", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"))
FORWARDED_ENV_PREFIXES = ("ORAS_",)
DAEMON_ENV_NAMES = frozenset(("PATH", "HOME", "TMPDIR", "NODE_OPTIONS", "XDG_CONFIG_HOME"))
DAEMON_ENV_PREFIXES = ("ORASD_",)
SOCKET_ENV = "ORASD_SOCKET"
RUNTIME_DIR_ENV = "XDG_RUNTIME_DIR"
RUNTIME_SOCKET = "orasd/orasd.sock"
TMP_ENVS = ("TMPDIR", "TMP", "TEMP")
TMP_DEFAULT = "/tmp"
TMP_FOLDER_PREFIX = "orasd-"
SOCKET_NAME = "orasd.sock"
FOLDER_FORBIDDEN_MODE = 0o77
FOLDER_NOT_DIRECTORY = "socket folder {folder} is not a directory (a symlink?)"
FOLDER_NOT_OWNED = "socket folder {folder} belongs to uid {owner}, not to you (uid {uid})"
FOLDER_OPEN = "socket folder {folder} is accessible to other users (mode {mode})"
CLIENT_REFUSAL = "refusing to connect, since whoever controls that folder could be listening there and would receive your commands and passwords; set ORASD_SOCKET to a socket in a folder of your own with mode 0700, or remove that folder if it is yours"


def forwarded_env(env):
    """The part of an environment a client forwards to the daemon."""
    return {k: v for k, v in env.items() if k in FORWARDED_ENV_NAMES or k.startswith(FORWARDED_ENV_PREFIXES)}


def daemon_env(env, socket_path):
    """All a daemon started by a client gets of the client's environment, and its socket."""
    out = {k: v for k, v in env.items() if k in DAEMON_ENV_NAMES or k.startswith(DAEMON_ENV_PREFIXES)}
    out[SOCKET_ENV] = socket_path
    return out


def default_socket_path(env, uid):
    """$ORASD_SOCKET, else under $XDG_RUNTIME_DIR, else <tmp>/orasd-<uid>/orasd.sock."""
    if env.get(SOCKET_ENV):
        return env[SOCKET_ENV]
    if env.get(RUNTIME_DIR_ENV):
        return os.path.join(env[RUNTIME_DIR_ENV], RUNTIME_SOCKET)
    tmp = next((env[k] for k in TMP_ENVS if env.get(k)), TMP_DEFAULT)
    while len(tmp) > 1 and tmp.endswith("/"):
        tmp = tmp[:-1]
    return os.path.join(tmp, TMP_FOLDER_PREFIX + str(uid), SOCKET_NAME)


def socket_folder_problem(folder):
    """Why the socket folder must not be trusted (another user could listen there), or None."""
    try:
        st = os.lstat(folder)
    except OSError:
        return None  # missing: it is created 0700
    if st.st_mode & 0o170000 != 0o040000:
        return FOLDER_NOT_DIRECTORY.format(folder=folder)
    if st.st_uid != os.getuid():
        return FOLDER_NOT_OWNED.format(folder=folder, owner=st.st_uid, uid=os.getuid())
    if st.st_mode & FOLDER_FORBIDDEN_MODE:
        return FOLDER_OPEN.format(folder=folder, mode=format(st.st_mode & 0o777, "o"))
    return None
# ---- end of the generated rules ----
