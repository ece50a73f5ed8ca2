"""Airflow's public REST API v2, over either transport the platforms offer.

- `MwaaTransport`: MWAA's `InvokeRestApi` (boto3 `mwaa.invoke_rest_api`), IAM-authorised, no
  network path to the private web server needed. MWAA adds the `/api/v2` prefix itself and
  caps `Path` at 64 characters (botocore's model): `path_limit`, which the import checks for
  every call before it writes anything and the export uses to leave out a DAG whose paths
  cannot fit. Its `QueryParameters` carry scalars only: how InvokeRestApi encodes a list is
  undocumented, so the transport refuses one.
- `HttpTransport`: the API server over HTTP(S) (the EKS ALB, a port-forward, or the in-cluster
  Service) with a JWT from `POST /auth/token`.

`AirflowApi` adds what the state transfer needs on top: paging, and errors as `ApiError`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

PAGE_SIZE = 100
MWAA_PATH_LIMIT = 64  # botocore mwaa InvokeRestApiRequest.Path max


def segment(value: str) -> str:
    """One path segment, percent-encoded: pool names may hold spaces and `/` (Airflow routes
    `/pools/{pool_name:path}`), and every path is built encoded, the length a transport counts
    included."""
    return urllib.parse.quote(value, safe="")


class ApiError(RuntimeError):
    """An API call failed; the message names the call and what Airflow answered."""

    def __init__(self, method: str, path: str, status: int, detail: Any) -> None:
        self.status = status
        super().__init__(f"{method} {path} -> {status}: {_short(detail)}")


def _short(detail: Any) -> str:
    text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
    return text[:300]


class Transport(Protocol):
    path_limit: int | None  # longest path the transport accepts, None for no limit

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """(status, decoded JSON body) of one call; `path` is relative to /api/v2."""
        ...


class MwaaTransport:
    """Calls through `InvokeRestApi` with a boto3 MWAA client."""

    path_limit: int | None = MWAA_PATH_LIMIT

    def __init__(self, client: Any, environment_name: str) -> None:
        self.client = client
        self.environment_name = environment_name

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[int, Any]:
        if len(path) > MWAA_PATH_LIMIT:
            raise ApiError(method, path, 0, f"MWAA InvokeRestApi paths stop at {MWAA_PATH_LIMIT}")
        listed = sorted(k for k, v in (params or {}).items() if isinstance(v, (list, tuple, set)))
        if listed:
            raise ApiError(
                method, path, 0, f"list-valued query parameters {listed}: MWAA carries scalars"
            )
        kwargs: dict[str, Any] = {"Name": self.environment_name, "Path": path, "Method": method}
        if params:
            kwargs["QueryParameters"] = dict(params)
        if body is not None:
            kwargs["Body"] = dict(body)
        try:
            response = self.client.invoke_rest_api(**kwargs)
        except self.client.exceptions.RestApiClientException as error:
            return _from_client_error(error)
        except self.client.exceptions.RestApiServerException as error:
            return _from_client_error(error)
        except self.client.exceptions.ClientError as error:
            # MWAA's own refusals (validation, access, throttling after boto3's retries).
            err = getattr(error, "response", {}).get("Error", {})
            raise ApiError(
                method, path, 0, f"MWAA {err.get('Code', 'error')}: {err.get('Message', '')}"
            ) from None
        return int(response["RestApiStatusCode"]), response.get("RestApiResponse")


def _from_client_error(error: Any) -> tuple[int, Any]:
    """MWAA raises the API's own 4xx/5xx as exceptions carrying its status and body."""
    data = getattr(error, "response", {}) or {}
    return int(data.get("RestApiStatusCode", 0)), data.get("RestApiResponse")


class HttpTransport:
    """Calls the API server directly, authenticated with a JWT from `POST /auth/token`."""

    path_limit: int | None = None

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self.timeout = timeout
        self._token: str | None = None

    def _send(
        self, method: str, url: str, body: Any, headers: Mapping[str, str]
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return status, raw.decode(errors="replace")

    def token(self) -> str:
        if self._token is None:
            status, answer = self._send(
                "POST",
                f"{self.base_url}/auth/token",
                {"username": self._username, "password": self._password},
                {},
            )
            if status not in (200, 201) or not isinstance(answer, dict):
                raise ApiError("POST", "/auth/token", status, "login refused")
            self._token = str(answer["access_token"])
        return self._token

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[int, Any]:
        query = f"?{urllib.parse.urlencode(params, doseq=True)}" if params else ""
        # Paths arrive encoded (`segment`): the same text both transports send.
        url = f"{self.base_url}/api/v2{path}{query}"
        return self._send(method, url, body, {"Authorization": f"Bearer {self.token()}"})


class AirflowApi:
    """The calls the state transfer makes, over any transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @property
    def path_limit(self) -> int | None:
        return getattr(self.transport, "path_limit", None)

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        status, answer = self.transport.request(method, path, params, body)
        if status not in ok:
            raise ApiError(method, path, status, answer)
        return answer

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", path, params)

    def get_or_none(self, path: str) -> Any:
        """The resource, or None when the API answers 404."""
        status, answer = self.transport.request("GET", path)
        if status == 404:
            return None
        if status != 200:
            raise ApiError("GET", path, status, answer)
        return answer

    def paged(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a collection, page by page (`limit`/`offset`, `total_entries`)."""
        offset = 0
        while True:
            page = self.get(path, {**(params or {}), "limit": PAGE_SIZE, "offset": offset})
            items = page.get(key) or []
            yield from items
            offset += len(items)
            if not items or offset >= int(page.get("total_entries", 0)):
                return

    def version(self) -> str:
        return str(self.get("/version")["version"])
