#!/usr/bin/env bash
# Schemathesis against a running server's /openapi.json: every check, every
# phase (examples, coverage, fuzzing, stateful links), both positive and
# negative data, a fixed seed and no example database (a run depends on
# the commit alone), a time budget: fuzzing and stateful testing repeat
# until it is spent. Usage: schemathesis.sh BASE_URL NAME MAX_SECONDS
# Exits non-zero on any failure; prints Schemathesis's summary.
# One worker: with two threads, Hypothesis parsing its filters' source in
# both at once hits CPython 3.11's AST recursion-depth race
# (python/cpython#106905: "SystemError: AST constructor recursion depth
# mismatch"), which Schemathesis reports as an error of the operation.
set -euo pipefail
base=$1 name=$2 budget=$3
venv=${QH_CI_VENV:-target/ci-venv}
report=${QH_CI_REPORTS:-target/ci-reports}/schemathesis-$name
mkdir -p "$report"
# No proxy from the environment: the server is on loopback.
# .ci/openapi/hooks.py: valid long polls wait at most 2 s.
env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
  NO_COLOR=1 PYTHONPATH="$(cd "$(dirname "$0")" && pwd)" SCHEMATHESIS_HOOKS=hooks \
  "$venv/bin/schemathesis" --config-file "$(dirname "$0")/schemathesis.toml" \
  run "$base/openapi.json" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --mode all \
  --max-time "$budget" \
  --max-examples 60 \
  --seed 25 \
  --generation-database none \
  --workers 1 \
  --request-timeout 10 \
  --suppress-health-check all \
  --report junit --report-dir "$report" \
  --output-truncate true
