"""local.sign_in: with sign-in, the local API server runs the chart's FAB auth manager and the
webserver_config.py the EKS stack writes, its client secret in the platform's Secrets Manager
(moto, in-memory here)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from components.eks.sign_in import webserver_config
from local.config import local_config
from local.sign_in import CLIENT_ID, FAB_AUTH_MANAGER, SECRET_NAME, LocalSignIn, install
from tests.local.test_config import CA, PORTS, SECRETS, STATE, settings_of

SIGN_IN = LocalSignIn(
    issuer="http://127.0.0.1:18999",
    client_secret="local-client-secret",
    mapping={"analysts": ["Viewer"], "data-reliability": ["Op"]},
)


def test_sign_in_mode_runs_fab_instead_of_the_local_admin() -> None:
    def env(sign_in: bool) -> dict[str, str]:
        return local_config(
            settings_of("prod"), ports=PORTS, secrets=SECRETS, state=STATE, ca_file=CA,
            account_id="111122223333", sign_in=sign_in,
        ).env  # fmt: skip

    plain, signed = env(False), env(True)
    assert "AIRFLOW__CORE__AUTH_MANAGER" not in plain
    assert "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS" in plain
    assert signed["AIRFLOW__CORE__AUTH_MANAGER"] == FAB_AUTH_MANAGER
    assert not [k for k in signed if k.startswith("AIRFLOW__CORE__SIMPLE_AUTH")]
    assert signed["AUTHLIB_INSECURE_TRANSPORT"] == "1" and "AUTHLIB_INSECURE_TRANSPORT" not in plain


def test_install_stores_the_secret_and_writes_the_stacks_config(tmp_path: Path) -> None:
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        arn = install(SIGN_IN, airflow_home=tmp_path, secretsmanager=sm)
        assert sm.get_secret_value(SecretId=SECRET_NAME)["SecretString"] == "local-client-secret"
        assert install(SIGN_IN, airflow_home=tmp_path, secretsmanager=sm) == arn  # restart
    written = (tmp_path / "webserver_config.py").read_text()
    assert written == webserver_config(
        issuer=SIGN_IN.issuer,
        client_id=CLIENT_ID,
        client_secret_arn=arn,
        groups_claim="groups",
        mapping=SIGN_IN.mapping,
    )
    assert "local-client-secret" not in written


def test_only_loopback_issuers_may_be_plain_http() -> None:
    with pytest.raises(ValueError, match=r"neither https nor on 127\.0\.0\.1"):
        LocalSignIn(issuer="http://idp.example.com", client_secret="x")
