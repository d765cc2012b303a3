"""Whether the docs page, as headless Chromium rendered it, shows every
operation of the document: its method, its path and its summary.

Usage: python docs_page.py openapi.json docs.html

docs.html is Chromium's `--dump-dom` of /docs (.ci/openapi/run). Swagger UI
builds its operation list in the browser from /openapi.json, so the page
the server sends holds none of it: an operation in the dumped DOM shows
that the page's scripts loaded (from the server itself: every other host
was unreachable), fetched the document and rendered it.
"""

import json
import sys
from html.parser import HTMLParser

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Operations(HTMLParser):
    """Collects (method, path, summary) from Swagger UI's operation blocks:

    <div class="opblock opblock-post">
      <span class="opblock-summary-method">POST</span>
      <span class="opblock-summary-path" data-path="/add">…</span>
      <div class="opblock-summary-description">summary</div>
    """

    def __init__(self):
        super().__init__()
        self.found = []
        self.capture = None  # (field, the tag whose end closes it)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "opblock" in classes:
            self.found.append({"method": "", "path": None, "summary": ""})
        elif not self.found:
            return
        elif "opblock-summary-method" in classes:
            self.capture = ("method", tag)
        elif "opblock-summary-path" in classes:
            self.found[-1]["path"] = attrs.get("data-path")
        elif "opblock-summary-description" in classes:
            self.capture = ("summary", tag)

    def handle_endtag(self, tag):
        if self.capture and self.capture[1] == tag:
            self.capture = None

    def handle_data(self, data):
        if self.capture:
            self.found[-1][self.capture[0]] += data


def words(text):
    return " ".join((text or "").split())


def main():
    if len(sys.argv) != 3:
        print("usage: docs_page.py openapi.json docs.html", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        document = json.load(f)
    with open(sys.argv[2]) as f:
        page = Operations()
        page.feed(f.read())

    wanted = sorted(
        (method.upper(), path, words(operation.get("summary")))
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    )
    shown = sorted((words(o["method"]), o["path"], words(o["summary"])) for o in page.found)

    problems = []
    if not wanted:
        problems.append("the document has no operations")
    for op in wanted:
        if op not in shown:
            problems.append(f"not shown: {op[0]} {op[1]} {op[2]!r}")
    for op in shown:
        if op not in wanted:
            problems.append(f"shown but not in the document: {op[0]} {op[1]} {op[2]!r}")
    if problems:
        print(f"docs page: {len(shown)} operations rendered", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    paths = ", ".join(sorted({path for _, path, _ in wanted}))
    print(
        f"docs page: /docs rendered all {len(wanted)} operations with their summaries"
        f" in headless Chromium, no host but 127.0.0.1 reachable ({paths})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
