"""The prod-like local platform with people's sign-in (local/sign_in.py), an OpenID Connect
provider on 127.0.0.1 (oidc-provider-mock) and the system's headless Chromium.

`make e2e-sign-in` sets LOCAL_E2E=1; the unit suite (`pytest tests`) skips this folder. The
platform gets a state directory and a block of ports of its own (from 18600), so it runs
beside the e2e's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("LOCAL_E2E") != "1":
    collect_ignore_glob = ["*"]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _free_block(start: int) -> int:
    for base in range(start, start + 900, 10):
        ok = True
        for i in range(7):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    try:
                        s.bind(("127.0.0.1", base + i))
                    except OSError:
                        ok = False
        if ok:
            return base
    raise RuntimeError(f"no seven free ports from {start}")


class Provider:
    """oidc-provider-mock served by werkzeug on 127.0.0.1 in a thread of the test process."""

    def __init__(self) -> None:
        import werkzeug.serving
        from oidc_provider_mock import app

        self.server = werkzeug.serving.make_server("127.0.0.1", 0, app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,))
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    served = Provider()
    yield served
    served.close()


@pytest.fixture(scope="session")
def browser_binaries() -> tuple[str, str]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    assert not missing, f"{missing}: run `make browser` (Debian chromium, chromium-driver)"
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture(scope="session")
def state() -> Path:
    if os.environ.get("SIGN_IN_STATE"):
        return Path(os.environ["SIGN_IN_STATE"])
    # The servers run as postgres, who must enter the state directory (mkdtemp makes it 0700).
    path = Path(tempfile.mkdtemp(prefix="airflow-sign-in-"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def port_base() -> int:
    return _free_block(18600)


@pytest.fixture(scope="session")
def client_secret() -> str:
    return secrets.token_urlsafe(24)
