"""The answers every operation can give besides its own, added to the OpenAPI schema in one place so
the schema documents every status code the API returns (schemathesis checks it in
tests/api/test_fuzzing.py)."""

from __future__ import annotations

MESSAGE = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A refused body names each field it refuses, or says what is wrong in `detail`.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]
    },
}
# The one operation anyone may call: exchanging a password for a token.
OPEN_OPERATIONS = {("post", "/api/v1/auth/token/")}
THROTTLED_OPERATIONS = OPEN_OPERATIONS


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _common_answers(*, method: str, path: str, operation: dict) -> dict[str, dict]:
    answers = {}
    takes_input = "requestBody" in operation or any(
        parameter.get("in") == "query" for parameter in operation.get("parameters", [])
    )
    if takes_input:
        answers["400"] = _answer("The request is not valid: each problem by field.", FIELD_ERRORS)
    if (method, path) not in OPEN_OPERATIONS:
        answers["401"] = _answer("No valid token or session.", MESSAGE)
        answers["403"] = _answer("A session request without its CSRF token.", MESSAGE)
    if "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
        answers["404"] = _answer(
            "Nothing with this id that you may see (or no such page of results).", MESSAGE
        )
    if "requestBody" in operation:
        answers["413"] = _answer("The request is larger than the upload limit.", MESSAGE)
        answers["415"] = _answer("The body is not in a media type this operation reads.", MESSAGE)
    if (method, path) in THROTTLED_OPERATIONS:
        answers["429"] = _answer("Too many attempts: wait and try again.", MESSAGE)
    return answers


def add_common_answers(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the answers above where a view has not."""
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            if "400" in responses:
                # A view documents its own refusals as a message, but DRF answers a body its
                # serializer refuses field by field: both shapes are allowed.
                responses["400"]["content"] = {"application/json": {"schema": FIELD_ERRORS}}
            for code, answer in _common_answers(
                method=method, path=path, operation=operation
            ).items():
                responses.setdefault(code, answer)
    return result
