"""
A Schemathesis check of Switchboard's error answers (SCHEMATHESIS_HOOKS points here): every 4xx
is RFC 9457 problem details, `application/problem+json` with the answer's status and a title,
so a client can always read why its request was refused.
"""

import json

import schemathesis


@schemathesis.check
def problem_details_on_4xx(ctx, response, case):
    if not 400 <= response.status_code < 500:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(
            f"{response.status_code} answered as {content_type or 'no content type'}, "
            "not application/problem+json"
        )
    try:
        problem = json.loads(response.content or b"")
    except ValueError as error:
        raise AssertionError(f"{response.status_code} problem+json that is not JSON: {error}") from error
    if not isinstance(problem, dict) or problem.get("status") != response.status_code:
        raise AssertionError(f"{response.status_code} problem whose status is {problem!r:.200}")
    if not isinstance(problem.get("title"), str):
        raise AssertionError(f"{response.status_code} problem without a title: {problem!r:.200}")
    return None
