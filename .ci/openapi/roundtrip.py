"""Python qh's own client, built from the quickstart's /openapi.json, calls
the Rust functions by their names; every answer echoes the session's ID.

Usage: python roundtrip.py http://127.0.0.1:PORT

Run by .ci/openapi/run against a running quickstart, in the venv .ci/run
makes (qh 0.0.25 and requests, pinned in requirements.txt). Prints one line
of what it proved, or exits 1 naming the first thing that went wrong.
"""

import sys
import uuid
from importlib.metadata import version

import requests
from qh.client import mk_client_from_url

# The quickstart's endpoints and the /tasks routes its task endpoint mounts:
# Python qh's client names each function after `x-python-signature.name`.
# Without that extension it would fall back to `operationId.split("_")[0]`,
# naming `get_user` `get` and the task routes `get`, `task`, `delete`, `list`.
EXPECTED_FUNCTIONS = {
    "add",
    "hello",
    "get_user",
    "signup",
    "report",
    "get_task",
    "task_status",
    "task_result",
    "delete_task",
    "list_tasks",
}


class Failed(Exception):
    pass


def check(ok, message):
    # Not `assert`: `python -O` would drop it.
    if not ok:
        raise Failed(message)


def call_fails(function, **kwargs):
    """Whether calling `function` raises the client's error for an HTTP error."""
    try:
        function(**kwargs)
    except RuntimeError:
        return True
    return False


def round_trip(base):
    # A fresh ID in qh's default alphabet (letters, digits, `-`), well under
    # the 128-byte cap, so the server keeps it instead of generating one.
    sent = f"ci-{uuid.uuid4()}"
    seen = []  # (method, path, status, echoed ID) of every response

    def collect(response, *args, **kwargs):
        path = requests.utils.urlparse(response.url).path
        seen.append(
            (
                response.request.method,
                path,
                response.status_code,
                response.headers.get("X-Request-ID"),
            )
        )

    session = requests.Session()
    # No proxy from the environment: the server is on loopback.
    session.trust_env = False
    session.headers["X-Request-ID"] = sent
    session.hooks["response"].append(collect)

    # The document itself is fetched through the session: its answer counts.
    client = mk_client_from_url(f"{base}/openapi.json", session=session)
    # qh 0.0.25 keeps the generated functions in `_functions` (pinned).
    names = set(client._functions)
    check(
        names == EXPECTED_FUNCTIONS,
        f"client functions {sorted(names)}, expected {sorted(EXPECTED_FUNCTIONS)}"
        " (named after the Rust functions, from x-python-signature)",
    )
    for name in names:
        function = getattr(client, name)
        check(function.__name__ == name, f"client.{name} is named {function.__name__!r}")
        # The client falls back to "Call METHOD path" without a docstring.
        check(
            function.__doc__ and not function.__doc__.startswith("Call "),
            f"client.{name} has no docstring from x-python-signature: {function.__doc__!r}",
        )

    total = client.add(a=2, b=3)
    check(total == 5, f"add(a=2, b=3) returned {total!r}, expected 5")

    user = client.get_user(user_id=1)
    check(
        isinstance(user, dict) and user.get("name") == "Ada",
        f"get_user(user_id=1) returned {user!r}, expected name 'Ada'",
    )
    check(
        call_fails(client.get_user, user_id=2),
        "get_user(user_id=2) succeeded, expected the quickstart's 404",
    )

    greeting = client.hello(name="ada")
    check(
        isinstance(greeting, dict) and greeting.get("message") == "hello, ada",
        f"hello(name='ada') returned {greeting!r}, expected message 'hello, ada'",
    )
    # The function itself saw the session's ID, not one the server made up.
    check(
        greeting.get("request_id") == sent,
        f"hello saw request_id {greeting.get('request_id')!r}, the session sent {sent!r}",
    )

    submitted = client.report(n=1)
    check(
        isinstance(submitted, dict) and isinstance(submitted.get("task_id"), str),
        f"report(n=1) returned {submitted!r}, expected a task document with task_id",
    )
    check(
        submitted.get("request_id") == sent,
        f"report's task document names request_id {submitted.get('request_id')!r}",
    )
    task_id = submitted["task_id"]

    # `wait=true` answers when the task finishes (one 200 ms page); the
    # timeout only bounds the call and is far above that.
    result = client.task_result(task_id=task_id, wait=True, timeout=60)
    check(
        isinstance(result, dict)
        and result.get("status") == "completed"
        and result.get("result") == {"pages": 1},
        f"task_result(task_id=…, wait=True) returned {result!r},"
        " expected status 'completed' and result {'pages': 1}",
    )
    status = client.task_status(task_id=task_id)
    check(
        isinstance(status, dict) and status.get("status") == "completed",
        f"task_status(task_id=…) returned {status!r}, expected status 'completed'",
    )
    record = client.get_task(task_id=task_id)
    check(
        isinstance(record, dict) and record.get("task_id") == task_id,
        f"get_task(task_id=…) returned {record!r}, expected the task's record",
    )
    deleted = client.delete_task(task_id=task_id)
    check(
        isinstance(deleted, dict) and deleted.get("status") == "deleted",
        f"delete_task(task_id=…) returned {deleted!r}, expected status 'deleted'",
    )
    check(
        call_fails(client.get_task, task_id=task_id),
        "get_task after delete_task succeeded, expected 404",
    )

    # A long poll that ends before the task: the 202 of a task not
    # finished, which the client returns as a value (a 408 raised).
    slow = client.report(n=10)["task_id"]
    waited = client.task_result(task_id=slow, wait=True, timeout=0.1)
    check(
        isinstance(waited, dict) and waited.get("status") in ("pending", "running"),
        f"task_result(wait=True, timeout=0.1) on a running task returned {waited!r},"
        " expected its status",
    )

    # The document, add, get_user twice, hello, report, task_result,
    # task_status, get_task, delete_task, get_task, report, task_result:
    # one response each.
    check(len(seen) == 13, f"saw {len(seen)} responses, expected 13: {seen}")
    statuses = [status for _, _, status, _ in seen]
    check(
        statuses == [200, 200, 200, 404, 200, 202, 200, 200, 200, 200, 404, 202, 202],
        f"statuses {statuses}",
    )
    for method, path, status, echoed in seen:
        check(
            echoed == sent,
            f"{method} {path} ({status}) echoed X-Request-ID {echoed!r}, sent {sent!r}",
        )
    return sent, len(seen)


def main():
    if len(sys.argv) != 2:
        print("usage: roundtrip.py http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    try:
        sent, responses = round_trip(base)
    except (Failed, RuntimeError, requests.RequestException) as e:
        print(f"client round trip failed: {e}", file=sys.stderr)
        return 1
    print(
        f"client round trip: Python qh {version('qh')}'s mk_client_from_url named"
        f" {len(EXPECTED_FUNCTIONS)} functions after the Rust ones (with their docs),"
        " called add, get_user, hello, report and its task's routes (a long poll"
        " that ended first included); all"
        f" {responses} responses echoed X-Request-ID {sent}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
