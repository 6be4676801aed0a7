#!/usr/bin/env bash
# Install coldrec (first run only) and start the dashboard on the bundled sample shop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
exec .venv/bin/coldrec app "$@"
