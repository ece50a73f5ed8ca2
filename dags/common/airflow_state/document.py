"""The state document: its schema version, the checks a reader makes, and secret scrubbing.

Secrets policy (README "Airflow state"): no secret value is ever written. Airflow's REST API
masks passwords and sensitive fields as `***` anyway, and a deployment with masking turned
off must not leak either, so the writer applies its own rule on top: a connection's password
is always left out (`password_omitted`), sensitive keys of a JSON `extra` are dropped, an
`extra` that is not JSON is dropped (nothing can tell what it holds), and a variable whose key
is sensitive, or whose value is masked or holds a sensitive key, is left out. Each omission is
one line in `omitted`, and the import prints them so the operator sets those values on the
target (or, better, moves them to Secrets Manager, where both platforms read them).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.0"
SCHEMA_FILE = Path(__file__).with_name("schema.json")
MASK = "***"
# Airflow's own list (secrets_masker DEFAULT_SENSITIVE_FIELDS) plus the obvious spellings.
SENSITIVE_WORDS = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
    "credential",
)


class StateDocumentError(ValueError):
    """A document this reader must not import; the message is one line for the operator."""


def is_sensitive(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


def holds_secret(value: Any) -> bool:
    """A masked value, or a mapping (at any depth) with a sensitive key."""
    if isinstance(value, str):
        return MASK in value
    if isinstance(value, dict):
        return any(is_sensitive(str(k)) or holds_secret(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_secret(v) for v in value)
    return False


def scrub_extra(extra: str | None, where: str, omitted: list[str]) -> str | None:
    """A connection extra without its sensitive keys (JSON object text), or None."""
    if extra is None or extra == "":
        return None
    try:
        parsed = json.loads(extra)
    except json.JSONDecodeError:
        omitted.append(f"{where}: extra is not JSON and may hold a secret; left out")
        return None
    if not isinstance(parsed, dict):
        omitted.append(f"{where}: extra is not a JSON object; left out")
        return None
    kept = {}
    for key, value in parsed.items():
        if is_sensitive(str(key)) or holds_secret(value):
            omitted.append(f"{where}: extra key {key!r} is sensitive; left out")
        else:
            kept[key] = value
    return json.dumps(kept, sort_keys=True) if kept else None


def major(version: str) -> int:
    return int(version.split(".", 1)[0])


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def check_document(doc: Any, target_airflow_version: str | None = None) -> dict[str, Any]:
    """The document, if this reader may import it into `target_airflow_version`; otherwise
    StateDocumentError with one line saying why."""
    import jsonschema

    if not isinstance(doc, dict):
        raise StateDocumentError("not an Airflow state document: expected a JSON object")
    version = doc.get("schema_version")
    if isinstance(version, str) and version.count(".") == 1:
        theirs = tuple(int(p) for p in version.split(".") if p.isdigit())
        ours = tuple(int(p) for p in SCHEMA_VERSION.split("."))
        if len(theirs) == 2 and theirs[0] != ours[0]:
            raise StateDocumentError(
                f"schema {version} is another major version than this tool's {SCHEMA_VERSION}; "
                "use the tool release that wrote it"
            )
        if len(theirs) == 2 and theirs > ours:
            raise StateDocumentError(
                f"schema {version} is newer than this tool's {SCHEMA_VERSION}; upgrade the tool"
            )
    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(document)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise StateDocumentError(f"malformed state document at {where}: {first.message}{more}")
    if target_airflow_version is not None:
        source = doc["airflow_version"]
        if major(source) != major(target_airflow_version):
            raise StateDocumentError(
                f"document from Airflow {source} cannot go into Airflow "
                f"{target_airflow_version}: another major version"
            )
    return doc


def load_document(text: str | bytes) -> dict[str, Any]:
    """Parse and check a document's text (the Airflow version is checked at import)."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StateDocumentError(f"not JSON: {error}") from None
    return check_document(doc)


def dump_document(doc: dict[str, Any]) -> str:
    """Stable text: sorted keys, so two exports of the same state are byte-identical."""
    return json.dumps(check_document(doc), indent=2, sort_keys=True) + "\n"
