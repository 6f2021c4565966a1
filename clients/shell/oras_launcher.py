"""The oras launcher in Python, for machines without a C compiler (see launcher.c, which it
mirrors, and src/bin/forward.ts): runs one oras command line in the orasd daemon (`cli/run` over
its Unix socket, one JSON message per line) and plays back its output, prompts and stdin reads.
Started as `python3 -S` once per `oras` call, so it imports as little as it can, and only when
needed.
"""
import json
import os
import select
import signal
import socket
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
CANCELLED, OUTDATED, RETRY = -32800, 1200, object()
SPAWN_TIMEOUT = 15.0
MAX_STDIN_CHUNK = 8 << 20  # its base64 must stay under the daemon's 16 MiB message limit
CANCEL = b'{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}\n'


class State:
    sock = None
    wake_r = -1  # SIGINT writes here (signal.set_wakeup_fd), so select() wakes up
    running = False  # a cli/run is in the daemon: Ctrl-C cancels it rather than stopping us
    cancel_sent = False
    stdin_eof = False
    tty = None  # (fd, saved termios) while echo is off; restored on every exit


def bye(code):
    if State.tty:
        import termios

        termios.tcsetattr(State.tty[0], termios.TCSAFLUSH, State.tty[1])
    os._exit(code)


def fail(message):
    write_all(2, ('Error: %s\n' % message).encode('utf-8', 'replace'))
    bye(1)


def text(s):
    """Bytes the OS gave us that are not UTF-8 travel as U+FFFD, as in the C launcher."""
    return s.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')


def utf8(s):
    try:
        return s.encode('utf-8')
    except UnicodeEncodeError:  # lone surrogates from \udXXX escapes: U+FFFD, as Node writes them
        return s.encode('utf-16', 'surrogatepass').decode('utf-16', 'replace').encode('utf-8')


def write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [])
        except BrokenPipeError:
            bye(141)  # as a program killed by SIGPIPE (Python ignores the signal)


def send(obj):
    try:
        State.sock.sendall(json.dumps(obj, separators=(',', ':')).encode('ascii') + b'\n')
    except OSError as e:
        fail('lost the connection to the daemon: %s' % e.strerror)


def on_sigint(_sig, _frame):
    if not State.running:
        raise KeyboardInterrupt  # nothing runs in the daemon yet: just stop


def interrupt():
    try:
        while os.read(State.wake_r, 64):
            pass
    except BlockingIOError:
        pass
    if State.cancel_sent:
        bye(130)  # a second Ctrl-C stops waiting for the daemon
    State.cancel_sent = True
    try:
        State.sock.sendall(CANCEL)
    except OSError:
        pass


def wait_readable(fd):
    """Waits until fd is readable; False when Ctrl-C came first (the cancel is sent)."""
    ready = select.select([fd, State.wake_r], [], [])[0]
    if State.wake_r in ready:
        interrupt()
        return False
    return True


# ---- finding and starting the daemon (protocol/endpoint.ts, clients/typescript/connect.ts) ----


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


def refuse_untrusted(folder):
    """Nothing is sent to a folder another user could be listening in (the rule of every client)."""
    problem = socket_folder_problem(folder)
    if problem:
        fail('%s; %s' % (problem, CLIENT_REFUSAL))


def try_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return s
    except (FileNotFoundError, ConnectionRefusedError):
        s.close()
        return None
    except OSError as e:
        s.close()
        fail('cannot connect to orasd at %s: %s' % (path, e.strerror))


def daemon_main():
    return os.environ.get('ORASD_BIN') or os.path.join(ROOT, 'dist', 'src', 'main.js')


def spawn_daemon(path, main_js):
    """Starts `node main.js serve` detached (own session, stdio on /dev/null); returns its pid."""
    path, main_js = os.path.abspath(path), os.path.abspath(main_js)  # it runs in the socket's folder
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        try:  # double fork: the daemon is nobody's child, never a zombie of ours
            os.setsid()
            pid = os.fork()
            if pid == 0:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, w)  # descriptors leaked to us must not live as long as the daemon
                os.closerange(w + 1, 65536)
                # Not our environment (credentials, proxies: each request brings its caller's),
                # and not our folder, which the daemon would hold busy for its lifetime.
                env = daemon_env(os.environ, path)
                try:
                    os.chdir(os.path.dirname(path) or '.')
                    os.execvpe('node', ['node', main_js, 'serve', '--socket', path, '--idle-timeout-default', '1800'], env)
                except OSError as e:
                    os.write(w, b' %d' % e.errno)
                os._exit(127)
            os.write(w, b'%d' % pid)
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(child, 0)
    answer = b''
    while True:
        chunk = os.read(r, 64)
        if not chunk:
            break
        answer += chunk
    os.close(r)
    parts = answer.split()
    if not parts:
        fail('cannot start the daemon (fork failed)')
    if len(parts) > 1:
        fail('cannot start the daemon: node: %s' % os.strerror(int(parts[1])))
    return int(parts[0])


def connect_daemon(path):
    """Connects, starting a daemon when none answers; racing launchers serialise on a lock next
    to the socket, so only the first starts one and the others connect to it."""
    folder = os.path.dirname(path) or '.'
    refuse_untrusted(folder)
    s = try_connect(path)
    if s:
        return s
    import fcntl
    import time

    os.makedirs(folder, 0o700, exist_ok=True)
    refuse_untrusted(folder)
    lock = os.open(path + '.spawn.lock', os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        s = try_connect(path)
        if s:
            return s
        main_js = daemon_main()
        if not os.access(main_js, os.R_OK):
            fail('cannot find the daemon at %s: run `npm run build`, or set ORASD_BIN' % main_js)
        pid = spawn_daemon(path, main_js)
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while True:
            s = try_connect(path)
            if s:
                return s
            try:
                os.kill(pid, 0)
                gone = False
            except ProcessLookupError:
                gone = True
            if gone:
                s = try_connect(path)
                if s:
                    return s
            if gone or time.monotonic() > deadline:
                fail('orasd did not start on %s (%s); run `node %s serve --socket %s` to see why'
                     % (path, 'it exited' if gone else 'timed out', main_js, path))
            # A refused connect is cheap; a coarse poll made the command wait longer than the start.
            time.sleep(0.001)
    finally:
        os.close(lock)


# ---- the conversation ----


def run_params(argv):
    env = os.environ
    fwd = {text(k): text(v) for k, v in forwarded_env(env).items()}
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = env.get('PWD', '/')
    columns = 0
    for fd in (2, 1):
        if os.isatty(fd):
            try:
                columns = os.get_terminal_size(fd).columns
            except OSError:
                pass
            break
    params = {
        'token': 1,
        'argv': [text(a) for a in argv],
        'cwd': text(cwd),
        'env': fwd,
        'stdinIsTTY': os.isatty(0),
        'stdoutIsTTY': os.isatty(1),
        'stderrIsTTY': os.isatty(2),
        'columns': columns,
        'clientVersion': env.get('ORASD_VERSION_OVERRIDE') or package_version(),
    }
    build = build_id()
    if build:
        params['clientBuild'] = build
    return params


def build_id():
    """The build id of the daemon next to main.js (protocol/build.ts: $ORASD_BUILD_ID, else the
    line `npm run build` writes to dist/build-id), so that a daemon of the same version but another
    build retires and this launcher starts its own; None (versions alone decide) without one."""
    override = os.environ.get('ORASD_BUILD_ID')
    if override:
        return override
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(daemon_main()))), 'build-id'), 'rb') as f:
            line = f.read(72).split(b'\n', 1)[0].strip().decode('ascii')
    except (OSError, UnicodeDecodeError):
        return None
    ok = 0 < len(line) <= 64 and all(c.isalnum() or c in '._-' for c in line)
    return line if ok else None


def package_version():
    try:
        with open(os.path.join(ROOT, 'package.json'), 'rb') as f:
            return json.load(f)['version']
    except (OSError, ValueError, KeyError):
        return '0.0.0'


def prompt(mid, message, secret):
    """cli/prompt: ask on the terminal (stderr/stdin without one), not echoing secrets."""
    try:
        tty = os.open('/dev/tty', os.O_RDWR | os.O_NOCTTY)
    except OSError:
        tty = None
    fd_in, fd_out = (tty, tty) if tty is not None else (0, 2)
    write_all(fd_out, utf8(message))
    if secret and os.isatty(fd_in):
        import termios

        saved = termios.tcgetattr(fd_in)
        quiet = list(saved)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd_in, termios.TCSAFLUSH, quiet)
        State.tty = (fd_in, saved)
    line, cancelled = b'', False
    while True:  # byte by byte: what follows the answer on stdin is not ours to take
        if not wait_readable(fd_in):
            cancelled = True
            break
        try:
            c = os.read(fd_in, 1)
        except (BlockingIOError, InterruptedError):
            continue
        if not c or c == b'\n':
            break
        line += c
    if State.tty:
        import termios

        termios.tcsetattr(State.tty[0], termios.TCSAFLUSH, State.tty[1])
        State.tty = None
        write_all(fd_out, b'\n')
    if tty is not None:
        os.close(tty)
    if cancelled:
        send({'jsonrpc': '2.0', 'id': mid, 'error': {'code': CANCELLED, 'message': 'cancelled at the terminal'}})
    else:
        send({'jsonrpc': '2.0', 'id': mid, 'result': {'value': line.rstrip(b'\r').decode('utf-8', 'replace')}})


def read_stdin(mid, max_bytes):
    """cli/stdin: the next chunk of our stdin, read only when the command asks for it."""
    import base64

    if not isinstance(max_bytes, int) or max_bytes < 1:
        max_bytes = 65536
    data = b''
    while not State.stdin_eof:
        if not wait_readable(0):
            return send({'jsonrpc': '2.0', 'id': mid, 'error': {'code': CANCELLED, 'message': 'cancelled while reading stdin'}})
        try:
            data = os.read(0, min(max_bytes, MAX_STDIN_CHUNK))
        except (BlockingIOError, InterruptedError):
            continue
        except OSError as e:
            if e.errno != 9:  # EBADF: no stdin at all, which reads as empty
                return send({'jsonrpc': '2.0', 'id': mid, 'error': {'code': -32603, 'message': 'cannot read stdin: %s' % e.strerror}})
            data = b''
        if data:
            break
        State.stdin_eof = True
    send({'jsonrpc': '2.0', 'id': mid, 'result': {'data': base64.b64encode(data).decode('ascii'), 'eof': State.stdin_eof}})


def handle(m, may_retry):
    """One message from the daemon; returns an exit code (or RETRY) when the run is over."""
    if not isinstance(m, dict):
        return None
    method, mid = m.get('method'), m.get('id')
    if method is not None:
        p = m.get('params')
        p = p if isinstance(p, dict) else {}
        if method == 'cli/output':
            write_all(2 if p.get('stream') == 'stderr' else 1, utf8(str(p.get('data', ''))))
        elif mid is not None and method == 'cli/prompt':
            prompt(mid, str(p.get('message', '')), p.get('secret') is True)
        elif mid is not None and method == 'cli/stdin':
            read_stdin(mid, p.get('maxBytes'))
        elif mid is not None:
            send({'jsonrpc': '2.0', 'id': mid, 'error': {'code': -32601, 'message': 'method not handled by the oras launcher'}})
        return None
    if type(mid) is not int or mid != 1:
        return None
    if 'error' in m:
        err = m['error'] if isinstance(m['error'], dict) else {}
        if err.get('code') == OUTDATED and may_retry:
            return RETRY
        if err.get('code') == CANCELLED or State.cancel_sent:
            return 130
        write_all(2, utf8('Error: %s\n' % err.get('message', 'the daemon failed')))
        return 1
    if State.cancel_sent:
        return 130  # as a Go oras killed by Ctrl-C: the run was interrupted
    result = m.get('result')
    code = result.get('exitCode', 0) if isinstance(result, dict) else 0
    return code if isinstance(code, int) else 1


def converse(may_retry):
    """Reads the daemon's messages (one JSON per line) until the answer to cli/run."""
    buf, start, scanned = bytearray(), 0, 0
    while True:
        nl = buf.find(b'\n', max(start, scanned))
        if nl < 0:
            if start:
                del buf[:start]
                start = 0
            scanned = len(buf)
            if not wait_readable(State.sock.fileno()):
                continue
            try:
                chunk = State.sock.recv(1 << 18)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                fail('lost the connection to the daemon: %s' % e.strerror)
            if not chunk:
                fail('the daemon closed the connection before the command finished')
            buf += chunk
            continue
        line = bytes(buf[start:nl])
        start = nl + 1
        if not line.strip():
            continue
        try:
            m = json.loads(line)
        except ValueError:
            continue
        code = handle(m, may_retry)
        if code is not None:
            return code


def main(argv):
    if os.environ.get('ORASD_NO_DAEMON') == '1':
        os.execvp('node', ['node', daemon_main()] + argv)
    r, w = os.pipe()
    os.set_blocking(r, False)
    os.set_blocking(w, False)
    State.wake_r = r
    signal.set_wakeup_fd(w)
    signal.signal(signal.SIGINT, on_sigint)
    path = default_socket_path(os.environ, os.getuid())
    params = run_params(argv)
    for attempt in (0, 1):
        State.sock = connect_daemon(path)
        State.running = True
        send({'jsonrpc': '2.0', 'id': 1, 'method': 'cli/run', 'params': params})
        code = converse(attempt == 0)
        State.running = False
        State.sock.close()
        if code is not RETRY:
            return code
        # DAEMON_OUTDATED: that daemon stopped listening and retires; start a current one.


if __name__ == '__main__':
    try:
        bye(main(sys.argv[1:]))
    except KeyboardInterrupt:
        bye(130)
