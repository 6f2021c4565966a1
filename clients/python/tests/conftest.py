"""Fixtures: real registries, and a daemon of our own on a private socket.

Registries come from ORASD_TEST_REGISTRIES (set by test/run.ts); run alone, the tests start
them through the repository's test harness (dist/test/registries/harness.js, built by tsc),
and skip what needs them if neither is possible. The daemon is ORASD_BIN, defaulting to the
repository's dist/src/main.js. A user's own daemon, socket and credentials are never touched:
ORASD_SOCKET and DOCKER_CONFIG point into a temporary folder for the whole session.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterator

import pytest

HERE = Path(__file__).resolve().parent
CLIENT_DIR = HERE.parent
REPO = CLIENT_DIR.parent.parent
sys.path.insert(0, str(CLIENT_DIR))  # the package under test, even when not pip-installed

from helpers import wait_gone  # noqa: E402
from orasd import Client  # noqa: E402

REGISTRIES_ENV = "ORASD_TEST_REGISTRIES"

_START_REGISTRIES_JS = """
const h = require(process.argv[1]);
(async () => {
  await h.ensureTools();
  const [distribution, refreg] = await Promise.all([h.startDistribution(), h.startRefRegistry({ compliantReferrers: true })]);
  process.stdout.write(h.describeSharedRegistries({ distribution, refreg }) + '\\n');
  process.stdin.resume();
  process.stdin.on('end', async () => { await Promise.allSettled([distribution.stop(), refreg.stop()]); process.exit(0); });
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\\n'); process.exit(1); });
"""


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    # Under /tmp, not pytest's deep tmp_path: a Unix socket path must stay under ~100 bytes.
    d = Path(tempfile.mkdtemp(prefix="orasd-py-", dir="/tmp"))
    yield d
    if not os.environ.get("ORASD_KEEP_TEMP"):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def isolated_env(session_dir: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("ORASD_SOCKET", "DOCKER_CONFIG", "ORASD_BIN")}
    (session_dir / "docker").mkdir()
    os.environ["ORASD_SOCKET"] = str(session_dir / "sock" / "orasd.sock")
    os.environ["DOCKER_CONFIG"] = str(session_dir / "docker")
    if not os.environ.get("ORASD_BIN") and (REPO / "dist" / "src" / "main.js").exists():
        os.environ["ORASD_BIN"] = str(REPO / "dist" / "src" / "main.js")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def daemon_bin(isolated_env: None) -> str:
    if not os.environ.get("ORASD_BIN"):
        pytest.skip("no daemon: set ORASD_BIN or build the repository (npx tsc -p tsconfig.json)")
    return os.environ["ORASD_BIN"]


@pytest.fixture(scope="session")
def registries() -> Iterator[Dict[str, Dict]]:
    described = os.environ.get(REGISTRIES_ENV)
    if described:
        yield json.loads(described)
        return
    harness = REPO / "dist" / "test" / "registries" / "harness.js"
    if not harness.exists() or not shutil.which("node"):
        pytest.skip(f"no registries: set {REGISTRIES_ENV} or build the repository's test harness")
    proc = subprocess.Popen(
        ["node", "-e", _START_REGISTRIES_JS, str(harness)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=str(REPO),
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        pytest.fail(f"starting registries through {harness} failed (exit {proc.returncode})")
    try:
        yield json.loads(line)
    finally:
        proc.stdin.close()  # the harness stops them when its stdin ends
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def client(daemon_bin: str) -> Iterator[Client]:
    """One client on the session's daemon, auto-spawned on the private socket."""
    # A short idle timeout, in case a crashed run never gets to shutdown; the log stays with
    # ORASD_KEEP_TEMP=1 for a post-mortem.
    log = Path(os.environ["ORASD_SOCKET"]).with_name("daemon.log")
    c = Client.connect(timeout=30, serve_args=("--idle-timeout", "300", "--log-file", str(log)))
    yield c
    pid = c.pid
    try:
        c.shutdown(timeout=20)
    finally:
        c.close()
    wait_gone(pid)


@pytest.fixture(scope="session")
def dist(registries: Dict[str, Dict]) -> Dict:
    """The CNCF distribution registry (no referrers API: referrers go to the fallback tag)."""
    return registries["distribution"]


@pytest.fixture(scope="session")
def refreg(registries: Dict[str, Dict]) -> Dict:
    """The go-containerregistry registry with the referrers API."""
    return registries["refreg"]
