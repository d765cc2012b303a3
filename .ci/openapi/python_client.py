"""A client generated from the quickstart's /openapi.json by
openapi-python-client calls every operation, with only the required
arguments and with the optional ones, and reads the tracking ID back from
each response.

Usage: python python_client.py http://127.0.0.1:PORT GENERATED_DIR

Run by .ci/openapi/run after `openapi-python-client generate --meta none
--output-path GENERATED_DIR/qs_client`. Prints one line of what it proved,
or exits 1 naming the first thing that went wrong.
"""

import sys
import time
import uuid
from importlib.metadata import version


class Failed(Exception):
    pass


def check(ok, message):
    # Not `assert`: `python -O` would drop it.
    if not ok:
        raise Failed(message)


def main():
    base, generated = sys.argv[1].rstrip("/"), sys.argv[2]
    sys.path.insert(0, generated)
    import httpx
    from qs_client import Client
    from qs_client.api.default import add, get_user, hello, report, signup
    from qs_client.api.tasks import (
        delete_task,
        get_task,
        list_tasks,
        task_result,
        task_status,
    )
    from qs_client.models import AddBody, Problem, ReportBody, SignupBody
    from qs_client.types import UNSET

    # No proxy from the environment: the server is on loopback.
    client = Client(base_url=base, httpx_args={"trust_env": False}, raise_on_unexpected_status=True)
    calls = []

    def call(name, module, *args, **kwargs):
        sent = f"py-{uuid.uuid4()}"
        response = module.sync_detailed(*args, client=client, x_request_id=sent, **kwargs)
        echoed = response.headers.get("x-request-id")
        check(echoed == sent, f"{name}: echoed x-request-id {echoed!r}, sent {sent!r}")
        # And without one: the server's own ID comes back, a UUID v7.
        bare = module.sync_detailed(*args, client=client, **kwargs)
        made = bare.headers.get("x-request-id")
        check(made and len(made) == 36, f"{name}: no generated x-request-id: {made!r}")
        calls.append(name)
        return response

    r = call("add", add, body=AddBody(a=2, b=3))
    check(r.status_code == 200 and r.parsed == 5, f"add: {r.status_code} {r.parsed!r}")

    r = call("hello", hello, "ada")
    check(r.parsed["message"] == "hello, ada" and r.parsed["tenant"] is None, f"hello: {r.parsed!r}")
    r = call("hello(x_tenant)", hello, "ada", x_tenant="acme")
    check(r.parsed["tenant"] == "acme", f"hello(x_tenant='acme'): {r.parsed!r}")
    # `x_tenant=UNSET` is the generated default: no header sent.
    r = call("hello(UNSET)", hello, "ada", x_tenant=UNSET)
    check(r.parsed["tenant"] is None, f"hello(x_tenant=UNSET): {r.parsed!r}")

    r = call("get_user", get_user, 1)
    check(r.parsed.name == "Ada" and r.parsed.id == 1, f"get_user(1): {r.parsed!r}")
    r = call("get_user(2)", get_user, 2)
    check(
        r.status_code == 404 and isinstance(r.parsed, Problem) and r.parsed.status == 404,
        f"get_user(2): {r.status_code} {r.parsed!r}, expected the 404 problem",
    )

    r = call("signup", signup, body=SignupBody(email="ada@example.com"))
    check(r.parsed == {"queued": True}, f"signup: {r.parsed!r}")

    # A task that runs a while: its record, status and result while it
    # runs (`result: null`, the 202 of a long poll that ends first).
    r = call("report", report, body=ReportBody(n=10))
    check(r.status_code == 202, f"report: {r.status_code}")
    slow = r.parsed.task_id
    r = call("get_task(running)", get_task, slow)
    check(r.status_code == 200 and r.parsed.task_id == slow, f"get_task(running): {r.parsed!r}")
    check(r.parsed.result is None, f"get_task(running).result: {r.parsed.result!r}")
    r = call("task_result(wait)", task_result, slow, wait=True, timeout=0.1)
    check(
        r.status_code == 202 and r.parsed.status.value in ("pending", "running"),
        f"task_result(wait=True, timeout=0.1) while running: {r.status_code} {r.parsed!r}",
    )

    r = call("report", report, body=ReportBody(n=1))
    task = r.parsed.task_id
    r = call("task_result", task_result, task, wait=True, timeout=30)
    check(
        r.status_code == 200 and r.parsed.result == {"pages": 1},
        f"task_result(wait=True): {r.status_code} {r.parsed!r}",
    )
    r = call("task_status", task_status, task)
    check(r.parsed.status.value == "completed", f"task_status: {r.parsed!r}")
    r = call("get_task", get_task, task)
    check(r.parsed.result == {"pages": 1}, f"get_task: {r.parsed!r}")
    r = call("list_tasks", list_tasks, limit=5)
    check(r.status_code == 404 and isinstance(r.parsed, Problem), f"list_tasks: {r.parsed!r}")
    r = call("delete_task", delete_task, slow)
    check(r.parsed.status.value == "deleted", f"delete_task: {r.parsed!r}")
    r = call("get_task(deleted)", get_task, slow)
    check(r.status_code == 404 and isinstance(r.parsed, Problem), f"get_task(deleted): {r.parsed!r}")

    print(
        f"python client: openapi-python-client {version('openapi-python-client')} generated a"
        f" client that made {len(calls)} calls ({len(set(c.split('(')[0] for c in calls))}"
        " operations, each with and without an ID); every response carried x-request-id back"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print(f"python client failed: {e}", file=sys.stderr)
        sys.exit(1)
