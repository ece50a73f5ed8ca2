"""The prod-like local platform with people's sign-in, as the EKS stack configures it.

The API server runs the chart's auth manager (FAB) with the `webserver_config.py` the stack
writes (components/eks/sign_in.py: OAuth against an OpenID Connect provider, roles from the
group claim), pointed at a provider on 127.0.0.1 (the tests use `oidc-provider-mock`). The
client secret goes into Secrets Manager (the platform's moto server), and the API server reads
it there at start, as on EKS. Two things differ, one line each: the issuer is plain http on
loopback (AUTHLIB_INSECURE_TRANSPORT lets Authlib talk to it), and the client id is local.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.eks.sign_in import webserver_config

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
CLIENT_ID = "airflow-local"
SECRET_NAME = "airflow-local/oidc-client-secret"
# Authlib refuses OAuth over http unless told; only loopback issuers get here.
INSECURE_TRANSPORT_ENV = {"AUTHLIB_INSECURE_TRANSPORT": "1"}


@dataclass(frozen=True)
class LocalSignIn:
    """Which identity provider the local API server trusts, and the group -> roles map."""

    issuer: str
    """The provider's issuer URL, on 127.0.0.1."""
    client_secret: str
    """The secret the provider expects for CLIENT_ID (stored in moto's Secrets Manager)."""
    mapping: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Group -> Airflow roles, as components.eks.sign_in.roles_by_group makes it."""
    groups_claim: str = "groups"

    def __post_init__(self) -> None:
        if not self.issuer.startswith(("http://127.0.0.1:", "https://")):
            raise ValueError(f"issuer: {self.issuer!r} is neither https nor on 127.0.0.1")

    def as_json(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "client_secret": self.client_secret,
            "mapping": {k: list(v) for k, v in self.mapping.items()},
            "groups_claim": self.groups_claim,
        }


def install(sign_in: LocalSignIn, *, airflow_home: Path, secretsmanager: Any) -> str:
    """Store the client secret in Secrets Manager and write the API server's
    webserver_config.py into `airflow_home`; returns the secret's ARN."""
    try:
        arn = secretsmanager.create_secret(Name=SECRET_NAME, SecretString=sign_in.client_secret)
    except secretsmanager.exceptions.ResourceExistsException:
        arn = secretsmanager.put_secret_value(
            SecretId=SECRET_NAME, SecretString=sign_in.client_secret
        )
    config = webserver_config(
        issuer=sign_in.issuer,
        client_id=CLIENT_ID,
        client_secret_arn=str(arn["ARN"]),
        groups_claim=sign_in.groups_claim,
        mapping=sign_in.mapping,
    )
    (airflow_home / "webserver_config.py").write_text(config)
    return str(arn["ARN"])
