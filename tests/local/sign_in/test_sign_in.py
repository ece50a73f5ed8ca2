"""People sign in to the prod-like local platform through a real OpenID Connect provider with
a real headless browser: the API server runs the webserver_config.py the EKS stack writes for
these teams. A Viewer sees the DAG list and may not trigger (403), an Op may, someone in no
mapped group is refused, and signing out ends the session."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.eks.sign_in import roles_by_group
from local import platform as local_platform
from local.platform import Platform
from local.sign_in import LocalSignIn
from tests.conftest import settings_for
from tests.local.guard import assert_listens_on_loopback_only
from tests.local.sign_in.conftest import Provider

REPO = Path(__file__).resolve().parents[3]
SCREENSHOT = REPO / "build" / "sign-in-dag-list.png"
# The teams of this test, as a stack file would hold them (docs/sign-in.md).
TEAMS = [
    {"name": "data-reliability", "role": "Op", "oidcGroups": ["data-reliability"]},
    {"name": "analysts", "role": "Viewer", "oidcGroups": ["analysts"]},
]
PEOPLE = {
    "olga": {"groups": ["data-reliability"], "email": "olga@example.com"},
    "victor": {"groups": ["analysts"], "email": "victor@example.com"},
    "mallory": {"groups": ["marketing"], "email": "mallory@example.com"},
}
DAG = "canary"
WAIT = 90.0


@pytest.fixture(scope="module")
def platform(
    provider: Provider, state: Path, port_base: int, client_secret: str
) -> Iterator[Platform]:
    access = settings_for(
        "eks",
        accessTeams=TEAMS,
        accessOidcIssuer="https://idp.example.com",
        accessOidcClientId="airflow-prod",
        accessOidcClientSecretArn="arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbC123",
    ).access
    sign_in = LocalSignIn(
        issuer=provider.issuer, client_secret=client_secret, mapping=roles_by_group(access)
    )
    for sub, claims in PEOPLE.items():
        request = urllib.request.Request(
            f"{provider.issuer}/users/{sub}",
            data=json.dumps({**claims, "preferred_username": sub}).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        urllib.request.urlopen(request, timeout=10).close()
    try:
        started = local_platform.start(
            "prod", port=port_base, state=state, port_base=port_base, fast=True, sign_in=sign_in
        )
        assert_listens_on_loopback_only(state)
        yield started
    finally:
        local_platform.stop(state)


@pytest.fixture(scope="module")
def browser(browser_binaries: tuple[str, str]) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_binaries[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1400,900", "--disable-gpu"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(browser_binaries[1]), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def sign_in(browser: Any, platform: Platform, sub: str) -> str | None:
    """Sign `sub` in through the identity provider; the session's API token, if any."""
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{platform.api_url}/auth/login/oidc")
    field = browser.find_element(By.NAME, "sub")  # the provider's sign-in form
    field.send_keys(sub)
    field.submit()
    deadline = time.monotonic() + WAIT
    while not browser.current_url.startswith(platform.api_url) and time.monotonic() < deadline:
        time.sleep(0.2)
    cookie = browser.get_cookie("_token")
    return str(cookie["value"]) if cookie else None


def api(
    platform: Platform,
    method: str,
    path: str,
    token: str | None,
    body: Any = None,
    *,
    cookies: str = "",
) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookies:
        headers["Cookie"] = cookies
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        platform.api_url + path, data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def wait_for(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_viewer_sees_the_dag_list_and_may_not_trigger(platform: Platform, browser: Any) -> None:
    token = sign_in(browser, platform, "victor")
    assert token, "the Viewer was not signed in"
    wait_for(lambda: api(platform, "GET", f"/api/v2/dags/{DAG}", token) == 200, f"{DAG} parsed")
    browser.get(f"{platform.api_url}/dags")
    wait_for(lambda: DAG in browser.page_source, "the DAG list in the browser")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert api(platform, "POST", f"/api/v2/dags/{DAG}/dagRuns", token, {"logical_date": None}) == (
        403
    )


def test_an_op_may_trigger(platform: Platform, browser: Any) -> None:
    token = sign_in(browser, platform, "olga")
    assert token, "the Op was not signed in"
    wait_for(lambda: api(platform, "GET", f"/api/v2/dags/{DAG}", token) == 200, f"{DAG} parsed")
    assert api(platform, "POST", f"/api/v2/dags/{DAG}/dagRuns", token, {"logical_date": None}) == (
        200
    )


def test_someone_in_no_mapped_group_is_refused(platform: Platform, browser: Any) -> None:
    assert sign_in(browser, platform, "mallory") is None
    # The provider signed mallory in; Airflow sent the browser back to its sign-in page.
    assert "/auth/login" in browser.current_url, browser.current_url
    # Whatever cookies the browser holds after that, the API refuses them.
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    assert cookies, "the browser holds no cookie of Airflow's at all"
    assert api(platform, "GET", "/api/v2/dags", None, cookies=cookies) == 401


def test_machine_logins_still_get_an_api_token(platform: Platform) -> None:
    # Automation (state transfer, backup) signs in with a FAB database login, made the way
    # the chart's create-user job makes it, not through the identity provider: POST
    # /auth/token keeps working with sign-in on, and only with the right password.
    password = secrets.token_urlsafe(16)
    user = ["--username", "state-api", f"--password={password}", "--role", "Op", "--email",
            "state-api@example.com", "--firstname", "state", "--lastname", "api"]  # fmt: skip
    subprocess.run(
        local_platform._airflow(platform.state, "users", "create", *user),
        env=local_platform.airflow_env(platform.config),
        check=True,
        capture_output=True,
        timeout=300,
    )
    login = {"username": "state-api", "password": password}
    assert api(platform, "POST", "/auth/token", None, login) == 201
    assert api(platform, "POST", "/auth/token", None, {**login, "password": "wrong"}) == 401


def test_signing_out_ends_the_session(platform: Platform, browser: Any) -> None:
    assert sign_in(browser, platform, "olga")
    browser.get(f"{platform.api_url}/auth/logout")
    wait_for(lambda: browser.get_cookie("_token") is None, "the session cookie to go")
    browser.get(f"{platform.api_url}/dags")
    wait_for(lambda: "/auth/login" in browser.current_url, "the sign-in page")
