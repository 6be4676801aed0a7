#!/usr/bin/env bash
# Install the peer libraries the benchmarks compare coldrec against (never a dependency of the library).
#
#   bash benchmarks/install_peers.sh [path/to/python]    (default: .venv/bin/python, else python)
#
# implicit installs as a wheel (the `peers` extra). LightFM 1.17 is source-only and its setup.py does
# `__builtins__.__LIGHTFM_SETUP__ = True`, which fails under PEP 517 builds (there `__builtins__` is a dict:
# "'dict' object has no attribute '__LIGHTFM_SETUP__'"); pip >= 25.3 has no --no-use-pep517 escape hatch.
# So this fetches the sdist with pip itself (`pip download --no-binary :all: --no-clean`: pip unpacks it and
# fails at that very line while preparing metadata, leaving the unpacked tree behind in our TMPDIR), patches that one line to `import builtins; builtins.__LIGHTFM_SETUP__`,
# and builds it (a C extension with OpenMP; ~10-20 s with gcc). torch and transformers are never touched:
# every step uses --no-deps or checks with --dry-run first.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${1:-}"
if [[ -z "$py" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then py="$here/.venv/bin/python"; else py="python"; fi
fi
LIGHTFM_VERSION=1.17

echo "== implicit (the 'peers' extra)"
"$py" -m pip install "implicit>=0.7.3"

echo "== lightfm $LIGHTFM_VERSION from source, patched"
if "$py" -c "import lightfm, sys; sys.exit(lightfm.__version__ != '$LIGHTFM_VERSION')" 2>/dev/null; then
  echo "lightfm $LIGHTFM_VERSION already installed"; exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# pip knows where its index is: no host name or URL lives in this repository.
mkdir -p "$tmp/pip"
TMPDIR="$tmp/pip" "$py" -m pip download --quiet --no-deps --no-binary :all: --no-clean --dest "$tmp" \
  "lightfm==$LIGHTFM_VERSION" >/dev/null 2>&1 || true
src="$(dirname "$(find "$tmp" -path '*lightfm*' -name setup.py | head -n 1)")"
[[ -f "$src/setup.py" ]] || { echo "could not fetch the lightfm $LIGHTFM_VERSION sdist with pip" >&2; exit 1; }
sed -i 's/^__builtins__.__LIGHTFM_SETUP__ = True$/import builtins; builtins.__LIGHTFM_SETUP__ = True/' "$src/setup.py"
grep -q "^import builtins; builtins.__LIGHTFM_SETUP__ = True$" "$src/setup.py"
# Its runtime requirements (numpy, scipy, requests, scikit-learn) are coldrec dependencies already.
"$py" -m pip install --no-deps "$src"
"$py" -c "import lightfm; print('lightfm', lightfm.__version__, 'ok')"
