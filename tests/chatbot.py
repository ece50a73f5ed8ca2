"""AWS Chatbot's custom-notification format, as a JSON schema the tests validate against.

`tests/schemas/chatbot-custom-notification.schema.json` is written from the AWS Chatbot
administrator guide ("Custom notifications": event schema and parameter details). Chatbot
delivers only that shape, native events and CloudWatch alarm notifications; anything else
published to a chat topic is dropped without a trace.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).parent / "schemas" / "chatbot-custom-notification.schema.json"


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def chat_problems(message: str) -> list[str]:
    """Why Chatbot would drop this SNS message body (empty when it is a valid notification)."""
    try:
        document: Any = json.loads(message)
    except json.JSONDecodeError as error:
        return [f"not JSON ({error}): {message[:120]!r}"]
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator().iter_errors(document)
    ]
