"""Small helpers the tests share."""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Dict


def wait_gone(pid, seconds: float = 15.0) -> bool:
    if not pid:
        return True
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A daemon we spawned is not our child (new session), but reap it if it is.
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def unique_repo(name: str) -> str:
    """Registries are shared by the whole run: every test writes to repositories of its own."""
    return f"py/{name}-{uuid.uuid4().hex[:10]}"


def ref(registry: Dict, repo: str, tag_or_digest: str = "") -> str:
    if not tag_or_digest:
        return f"{registry['host']}/{repo}"
    sep = "@" if tag_or_digest.startswith("sha256:") else ":"
    return f"{registry['host']}/{repo}{sep}{tag_or_digest}"


def tree(root: Path) -> Dict[str, bytes]:
    """Every file under root by its relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
