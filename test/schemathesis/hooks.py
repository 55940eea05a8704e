"""Schemathesis hooks for test/int/schemathesis.int.test.ts: checks that no response of the gateway
is a server error (5xx, or a GraphQL error that is not a typed refusal) or carries internal detail
(stack traces, SQL, Prisma or Stripe internals, addresses of services).

Run with SCHEMATHESIS_HOOKS=test/schemathesis/hooks.py. `internal_detail` is pure, so the test also
calls it directly on samples, proving the check can fail.
"""
import json
import re
import sys

import schemathesis

# Each pattern names what leaked. Generated inputs are echoed in validation errors, so the patterns
# are specific enough that random strings do not match them.
PATTERNS = {
    "stack trace": re.compile(r"\n\s+at \S|\bat [\w$.<>]+ \([^)]*:\d+:\d+\)|\.(?:ts|js|mjs|cjs):\d+:\d+|node:internal/|node_modules/"),
    "stack or original error in extensions": re.compile(r'"(?:stack|stacktrace|originalError|exception)"\s*:'),
    "SQL": re.compile(r"\bSELECT\b[^\"]{0,200}\bFROM\b|\bINSERT INTO\b|\bDELETE FROM\b|\bUPDATE\s+\"?\w+\"?\s+SET\b|syntax error at or near|violates (?:unique|foreign key|check|not-null) constraint|duplicate key value|relation \"\w+\" does not exist"),
    "Prisma internals": re.compile(r"prisma|PrismaClient|\bP[12]\d{3}\b", re.IGNORECASE),
    "Stripe internals": re.compile(r"\b(?:sk|rk)_(?:test|live)_\w+|\bwhsec_\w+|api\.stripe\.com|Stripe(?:API|Invalid\w*|Connection|Permission|RateLimit)?Error|localstripe", re.IGNORECASE),
    "service address": re.compile(r"ECONNREFUSED|ECONNRESET|ETIMEDOUT|(?:localhost|127\.0\.0\.1):\d{2,5}|postgres(?:ql)?://"),
    "Kafka internals": re.compile(r"KafkaJS\w*Error|kafkajs", re.IGNORECASE),
}


def internal_detail(body: str) -> list[str]:
    """The kinds of internal detail in a response body (empty: none)."""
    return [name for name, pattern in PATTERNS.items() if pattern.search(body)]


def untyped_errors(body: str) -> list[str]:
    """Messages of GraphQL errors that are not typed refusals: no `extensions.code`, or the code
    of an unexpected failure (the masked "Unexpected error.")."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return []
    untyped = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if not isinstance(code, str) or code == "INTERNAL_SERVER_ERROR":
            untyped.append(str(error.get("message") if isinstance(error, dict) else error))
    return untyped


@schemathesis.check
def typed_errors_only(ctx, response, case):
    """No 5xx, and every GraphQL error carries a code a client can branch on (BAD_USER_INPUT,
    QUERY_TOO_COMPLEX, ...), never INTERNAL_SERVER_ERROR.

    It stands in for schemathesis's own not_a_server_error, whose GraphQL half knows only Apollo's
    codes and counts our documented QUERY_TOO_COMPLEX refusal as a resolver failure.
    """
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.content[:500]!r}")
    untyped = untyped_errors(response.content.decode("utf-8", errors="replace"))
    if untyped:
        raise AssertionError(f"errors without a client error code: {untyped}")


@schemathesis.check
def no_internal_detail(ctx, response, case):
    """No response, error or not, carries a stack trace, SQL, Prisma, Stripe or Kafka internals."""
    body = response.content.decode("utf-8", errors="replace")
    found = internal_detail(body)
    if found:
        raise AssertionError(f"response carries internal detail ({', '.join(found)}): {body[:500]}")


if __name__ == "__main__":
    # `python hooks.py` reads bodies, one JSON string per line, and prints for each what it leaks
    # and the messages of its untyped errors.
    for line in sys.stdin:
        body = json.loads(line)
        print(json.dumps({"leaks": internal_detail(body), "untyped": untyped_errors(body)}))
