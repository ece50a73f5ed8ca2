"""secure_bucket's lifecycle spec: one rule per action for every key, refused otherwise."""

from __future__ import annotations

import pytest

from components.buckets import BucketSpec

KEY = "arn:aws:kms:us-east-1:111122223333:key/k"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"expire_days": 30, "prefix_expire_days": {"a/": 7}}, "expire_days already expires"),
        ({"prefix_expire_days": {"a/": 7, "a/b/": 3}}, "'a/b/' lies inside 'a/'"),
        ({"prefix_expire_days": {"logs": 7}}, "must be a folder"),
        ({"prefix_expire_days": {"a/": 0}}, "at least 1 day"),
    ],
)
def test_overlapping_expirations_are_refused(spec: dict, error: str) -> None:
    with pytest.raises(ValueError, match=f"^prefix_expire_days: .*{error}"):
        BucketSpec(key_arn=KEY, protect=False, **spec)


def test_disjoint_prefixes_are_accepted() -> None:
    spec = BucketSpec(key_arn=KEY, protect=False, prefix_expire_days={"a/": 7, "ab/": 3})
    assert dict(spec.prefix_expire_days) == {"a/": 7, "ab/": 3}
