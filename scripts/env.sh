# Sourced by the scripts: where Leptodo's tools live and how they get on PATH.
# For `cargo leptos watch` by hand: `. scripts/env.sh` first (after scripts/bootstrap).
LEPTODO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# npm-installed tools (wasm-opt) live outside the checkout, so fresh clones reuse them.
LEPTODO_TOOLS="${LEPTODO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/leptodo-tools}"
export LEPTODO_ROOT LEPTODO_TOOLS
export PATH="$LEPTODO_TOOLS/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The Python that holds the test peers (PyJWT, openapi-spec-validator, schemathesis).
export LEPTODO_PYTHON="${LEPTODO_PYTHON:-$LEPTODO_TOOLS/venv/bin/python}"
