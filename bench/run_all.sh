#!/usr/bin/env bash
# Run every benchmark in turn (about 8 minutes on 2 cores); output goes to the terminal
# and to bench/.out/<script>.txt. Extra arguments are passed to every script (e.g.
# --profile). Use the Python of the environment the project is installed in:
#   PYTHON=.venv/bin/python bash bench/run_all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
mkdir -p bench/.out
status=0
for script in judging scaling flat_cost gate http_throughput; do
  echo "+ $python bench/$script.py $*"
  if ! "$python" "bench/$script.py" "$@" 2>&1 | tee "bench/.out/$script.txt"; then
    status=1
  fi
done
exit "$status"
