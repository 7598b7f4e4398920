#!/usr/bin/env bash
# Install lunapole with its test extras into .venv and run the test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[test]"
if [ -z "${LUNAPOLE_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
  export LUNAPOLE_DATA_DIR="$(cd ../shared/data && pwd)"
fi
python -m pytest -q "$@"
