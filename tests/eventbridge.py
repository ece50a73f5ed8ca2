"""A small EventBridge pattern matcher for tests (the subset of the pattern language the
program uses: exact values, prefix, exists, anything-but, $or, nested objects, arrays)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_MISSING = object()


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """True when `event` matches `pattern` the way EventBridge evaluates it."""
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches({**alternative}, event) for alternative in expected):
                return False
            continue
        actual = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if not isinstance(actual, Mapping) or not matches(expected, actual):
                return False
        elif not _matches_any(expected, actual):
            return False
    return True


def _matches_any(rules: list[Any], actual: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    return any(_rule(rule, value, actual) for rule in rules for value in values)


def _rule(rule: Any, value: Any, whole: Any) -> bool:
    if not isinstance(rule, Mapping):
        return value is not _MISSING and value == rule
    if "exists" in rule:
        return (whole is not _MISSING) is rule["exists"]
    if "prefix" in rule:
        return isinstance(value, str) and value.startswith(rule["prefix"])
    if "anything-but" in rule:
        excluded = rule["anything-but"]
        excluded = excluded if isinstance(excluded, list) else [excluded]
        return value is not _MISSING and value not in excluded
    raise ValueError(f"unsupported pattern rule {rule}")


def transform(paths: Mapping[str, str], template: str, event: Mapping[str, Any]) -> str:
    """Apply an input transformer whose template is a JSON string literal (a text message)."""
    text = render(paths, template, event)
    assert text.startswith('"') and text.endswith('"'), "an SNS text message is a JSON string"
    return text[1:-1]


def render(paths: Mapping[str, str], template: str, event: Mapping[str, Any]) -> str:
    """Apply an input transformer the way EventBridge does: each `<var>` replaced by the value
    at its path, strings inserted as they are (EventBridge does not escape them), anything
    else as compact JSON, whose own quotes EventBridge strips when the placeholder is inside a
    string of the template (`"status: <detail>"` gives `"status: {status:UNAVAILABLE}"`).
    Returns what the target receives."""
    values: dict[str, Any] = {}
    for var, path in paths.items():
        value: Any = event
        for part in path.removeprefix("$.").replace("]", "").replace("[", ".").split("."):
            value = value[int(part)] if isinstance(value, list) else value.get(part, "")
        values[var] = value
    out, in_string, i = [], False, 0
    while i < len(template):
        char = template[i]
        var = next((v for v in values if template.startswith(f"<{v}>", i)), None)
        if var is not None:
            value = values[var]
            rendered = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            if in_string and not isinstance(value, str):
                rendered = rendered.replace('"', "")
            out.append(rendered)
            i += len(var) + 2
            continue
        if char == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        i += 1
    return "".join(out)


def alarm_event(name: str, state: str, previous: str) -> dict[str, Any]:
    """The event CloudWatch sends when alarm `name` goes from `previous` to `state`."""
    return {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {"value": state},
            "previousState": {"value": previous},
        },
    }
