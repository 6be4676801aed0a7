#!/usr/bin/env bash
# Create .venv and install coldrec into it (with extras given as $1, e.g. "test" or "test,ray").
# Re-running is cheap: nothing is installed while pyproject.toml is unchanged and every extra asked for is
# already in (so `bash scripts/app.sh` after `bash scripts/test.sh` starts at once; one install serves both).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
have="$(cat "$stamp" 2>/dev/null || true)"
# The extras wanted now: those already installed for this pyproject.toml plus those asked for.
want="$(printf '%s\n' "$have" "${1:-}" | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -)"
if [ ! -f "$stamp" ] || [ "$want" != "$have" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # torch first, pinned, so nothing resolves a CUDA build.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".${want:+[$want]}"
  rm -f .venv/.installed-*
  printf '%s' "$want" > "$stamp"
fi
