#!/usr/bin/env bash
# Install everything the tests need (venv, Python packages, Debian's chromium) and run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,ray  # ray: the distributed path is compared with the local one
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
# The peer libraries (implicit, LightFM) make the peers benchmark's adapter tests real; without them they skip.
bash benchmarks/install_peers.sh .venv/bin/python >/dev/null 2>&1 || echo "peer libraries not installed; their tests skip"
export HF_HUB_OFFLINE=1
.venv/bin/python -m ruff check coldrec ui pages app.py tests benchmarks
.venv/bin/python -m mypy  # files and strictness come from pyproject.toml
exec .venv/bin/python -m pytest "$@"
