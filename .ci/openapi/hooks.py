"""Schemathesis hooks for qh's CI (loaded through SCHEMATHESIS_HOOKS).

Two hooks, each for a limit of the tool, not of the server or document.

`before_load_schema`: Schemathesis 4.32 cannot load a tuple schema
(`prefixItems` with `items: false`, OpenAPI 3.1's way): it rewrites it to
Draft 4's `items: [...]` and then rejects that as 2020-12 ("Invalid Schema
Object in response definition"), which also happens with `prefixItems`
alone. Its own copy of the document gets a looser equivalent it can read
(exactly n items, each of one of the element schemas); the served document
is unchanged, and the Rust round-trip test validates tuples exactly.

`before_call`: a valid long poll of `GET /tasks/{task_id}/result` waits at most
2 s. The server's bound is 300 s and the document says so; a fuzzer that
picks a long valid wait on a task that runs for hours (`report` with a
huge `n`) would only measure sleep and overrun the time budget. Values the
document calls invalid (negative, above 300, not a number) are left as
generated, so the bounds are still tested.
"""

import math

import schemathesis

LONG_POLL = "/tasks/{task_id}/result"
CAP = 2.0
TRUE = {"true", "1", "yes", "on"}


def _valid_seconds(value):
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None
    if math.isnan(seconds) or not 0.0 <= seconds <= 300.0:
        return None
    return seconds


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != LONG_POLL or not isinstance(case.query, dict):
        return
    wait = case.query.get("wait")
    if wait is None or str(wait).strip().lower() not in TRUE:
        return
    timeout = case.query.get("timeout")
    if timeout is None:
        case.query["timeout"] = CAP
        return
    seconds = _valid_seconds(timeout)
    if seconds is not None and seconds > CAP:
        case.query["timeout"] = CAP


def _loosen_tuples(node):
    if isinstance(node, dict):
        prefix = node.get("prefixItems")
        if isinstance(prefix, list) and node.get("items", False) is False:
            del node["prefixItems"]
            node["items"] = {"anyOf": prefix} if prefix else False
            node["minItems"] = node["maxItems"] = len(prefix)
        for value in node.values():
            _loosen_tuples(value)
    elif isinstance(node, list):
        for value in node:
            _loosen_tuples(value)


@schemathesis.hook
def before_load_schema(context, raw_schema):
    _loosen_tuples(raw_schema)
