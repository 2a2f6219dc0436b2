#!/usr/bin/env bash
# Builds the hand-written conveyors quote natively and as a WebAssembly module (both at
# opt-level 3 with fat LTO), then times it on the 10-position quote: natively, in Node.js, and
# in headless Chromium when there is one (CHROMIUM, default /usr/bin/chromium, driven by the
# binding's playwright-core), each beside the engine's module when bindings/wasm/pkg is built.
# NODE picks the Node.js binary (default `node`); WASM_BINDGEN the wasm-bindgen CLI of the
# crate's version (default: the one scripts/test-wasm installs, else `wasm-bindgen` on PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="$root/target/by_hand_wasm"
wasm_bindgen=${WASM_BINDGEN:-$HOME/.cache/ordo-tools/bin/wasm-bindgen}
[ -x "$wasm_bindgen" ] || wasm_bindgen=wasm-bindgen
# The repository's lock file, so that both builds use the engine's versions of every crate.
cp "$root/Cargo.lock" "$here/Cargo.lock"
cargo build --release --manifest-path "$here/Cargo.toml" --target-dir "$target" --bin native
cargo build --release --manifest-path "$here/Cargo.toml" --target-dir "$target" --lib \
  --target wasm32-unknown-unknown
module="$target/wasm32-unknown-unknown/release/conveyors_by_hand.wasm"
"$wasm_bindgen" --target nodejs --out-dir "$here/pkg" "$module"
"$wasm_bindgen" --target web --out-dir "$here/pkg-web" "$module"
browser=no
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$root/bindings/wasm/node_modules/playwright-core" ]; then
  browser=yes
fi
input="$root/examples/conveyors/quote.json"
for _ in 1 2 3; do
  "$target/release/native" "$root/examples/conveyors/contracts.csv" "$input" 10000
  "${NODE:-node}" "$here/speed.mjs" "$input" 3000
  if [ "$browser" = yes ]; then node "$here/browser.mjs" "$input" 3000; fi
done
