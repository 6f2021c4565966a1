"""The README's quickstart runs as written (against a test registry instead of localhost:5000)."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import CLIENT_DIR
from helpers import unique_repo


def test_quickstart(client, dist, tmp_path):
    text = (CLIENT_DIR / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert len(code.strip().splitlines()) <= 10
    (tmp_path / "app.tar.gz").write_bytes(b"not really a tarball")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# docs\n")
    (tmp_path / "app.sig").write_text("signature\n")
    code = code.replace("localhost:5000/demo/app", f"{dist['host']}/{unique_repo('readme')}")
    run = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(CLIENT_DIR)!r})\n{code}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "application/vnd.example.signature.v1" in run.stdout
