"""Schemathesis hooks for qh's CI (loaded through SCHEMATHESIS_HOOKS).

Three hooks, each for a limit of the tool, not of the server or document.

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

Also in `before_call`: a valid `Idempotency-Key` is made unique to the
call. The same key with another request is a `422` by design (the IETF
httpapi draft), a rule across requests that no document can state, so
the fuzzer's reuse of one generated key (its stateful phase does) would
read as a valid request refused. Invalid keys are left as generated, so
the `400` and the document's pattern are still tested. What is valid is
the served document's own pattern, read in `before_load_schema` (the
grammar is written once, in the server; no copy here to drift).
"""

import itertools
import math
import re
from collections.abc import MutableMapping

import schemathesis

LONG_POLL = "/tasks/{task_id}/result"
CAP = 2.0
TRUE = {"true", "1", "yes", "on"}
# The served document's pattern for `Idempotency-Key`, set when the
# document is loaded (None: it has no such header, and no key is
# rewritten; NOT_LOADED until then).
NOT_LOADED = object()
KEY = NOT_LOADED
CALLS = itertools.count()


def _valid_seconds(value):
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None
    if math.isnan(seconds) or not 0.0 <= seconds <= 300.0:
        return None
    return seconds


def _unique_key(*header_maps):
    # The same fresh key in the case and in the request's own headers
    # (what is sent is built from either, by phase).
    fresh = None
    for headers in header_maps:
        # Schemathesis's own header map is a mapping, not a dict.
        if not isinstance(headers, MutableMapping):
            continue
        for name, value in list(headers.items()):
            if name.lower() != "idempotency-key" or not isinstance(value, str):
                continue
            if KEY is NOT_LOADED:
                raise RuntimeError("before_call ran before before_load_schema read the document")
            # fullmatch: `$` alone would also take a value ending in a
            # newline, which the ECMA-262 pattern refuses.
            if KEY is not None and KEY.fullmatch(value):
                fresh = fresh or f"ci-key-{next(CALLS)}"
                headers[name] = fresh


@schemathesis.hook
def before_call(context, case, kwargs):
    _unique_key(case.headers, kwargs.get("headers"))
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


def _key_pattern(raw_schema):
    # Every header parameter named `Idempotency-Key`, inline or under
    # `components/parameters`, must carry one and the same pattern.
    found = set()

    def visit(node):
        if isinstance(node, dict):
            if (
                node.get("in") == "header"
                and str(node.get("name", "")).lower() == "idempotency-key"
            ):
                found.add((node.get("schema") or {}).get("pattern"))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(raw_schema)
    if not found:
        return None
    if None in found:
        raise ValueError(
            "an Idempotency-Key header parameter has no inline `schema.pattern`"
        )
    if len(found) != 1:
        raise ValueError(f"the document's Idempotency-Key patterns differ: {sorted(found)}")
    # ECMA-262 and Python read this pattern's syntax alike (classes, ranges,
    # escapes, bounded repeats); where their `$` differs (Python's also
    # matches before a final newline), the caller uses fullmatch.
    return re.compile(found.pop())


@schemathesis.hook
def before_load_schema(context, raw_schema):
    global KEY
    KEY = _key_pattern(raw_schema)
    _loosen_tuples(raw_schema)
