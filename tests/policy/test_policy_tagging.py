"""The tagging rule (policy/rules/tagging.py): required tags, own or from the provider."""

from __future__ import annotations

from policy_cases import (
    PROVIDER,
    TAGS,
    UNKNOWN,
    PolicyTable,
    Resources,
    findings,
    res,
    tagged,
)

from policy.rules import tagging

BAD: list[tuple[str, Resources, str]] = [
    (
        "required-tags",
        [tagged("aws:s3/bucket:Bucket", "logs", Project="p", Environment="dev")],
        "logs",
    ),
    (
        "required-tags",
        [PROVIDER, tagged("aws:sns/topic:Topic", "alerts", provider="aws")],
        "alerts",
    ),
    (
        "required-tags",  # default tags do not reach Auto Scaling groups
        [
            {**PROVIDER, "inputs": {"defaultTags": {"tags": TAGS}}},
            {
                **res(
                    "aws:autoscaling/group:Group",
                    "asg",
                    tags=[{"key": "Project", "value": "p", "propagateAtLaunch": True}],
                ),
                "provider": "aws",
            },
        ],
        "asg",
    ),
]

GOOD: dict[str, Resources] = {
    "required-tags": [
        PROVIDER,
        tagged("aws:sns/topic:Topic", "alerts", provider="aws", CostCenter="c"),
        tagged("aws:s3/bucket:Bucket", "logs", **TAGS),
        # not taggable: no finding without tags
        res("aws:s3/bucketPolicy:BucketPolicy", "logs-policy", bucket="logs"),
    ],
}

# Values unknown during preview must never produce a finding.
UNKNOWNS: list[tuple[str, Resources]] = [
    ("required-tags", [res("aws:sns/topic:Topic", "t", tags=UNKNOWN)]),
    (
        "required-tags",
        [
            {**PROVIDER, "inputs": {"defaultTags": UNKNOWN}},
            tagged("aws:sns/topic:Topic", "alerts", provider="aws"),
        ],
    ),
    ("required-tags", [tagged("aws:sns/topic:Topic", "t", provider="provider-out-of-sight")]),
]


class TestTagging(PolicyTable):
    module, bad, good, unknowns = tagging, BAD, GOOD, UNKNOWNS


def test_provider_reference_urns_resolve_to_the_provider() -> None:
    urn = "urn:pulumi:dev::airflow::pulumi:providers:aws::aws::0b8f-id"
    resource = {**tagged("aws:sns/topic:Topic", "alerts", CostCenter="c"), "provider": urn}
    assert findings("required-tags", [PROVIDER, resource]) == []
    resource["inputs"] = {"tags": {}}
    assert [f.message for f in findings("required-tags", [PROVIDER, resource])] == [
        "missing tags CostCenter (itself or in its provider's defaultTags)"
    ]
