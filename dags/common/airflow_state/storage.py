"""Where documents live: a local file or an S3 object (`s3://bucket/key`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise ValueError(f"{uri}: expected s3://<bucket>/<key>")
    return bucket, key


def read_text(location: str, s3: Any = None) -> str:
    if location.startswith("s3://"):
        bucket, key = split_s3(location)
        body = _s3(s3).get_object(Bucket=bucket, Key=key)["Body"].read()
        return str(body.decode("utf-8"))
    return Path(location).read_text(encoding="utf-8")


def write_text(location: str, text: str, s3: Any = None) -> None:
    """Write the document; in S3 the bucket's default encryption (the stack's KMS key) applies."""
    if location.startswith("s3://"):
        bucket, key = split_s3(location)
        _s3(s3).put_object(
            Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType="application/json"
        )
        return
    Path(location).write_text(text, encoding="utf-8")


def _s3(client: Any) -> Any:
    if client is not None:
        return client
    import boto3

    return boto3.client("s3")
