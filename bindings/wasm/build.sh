#!/usr/bin/env bash
# Builds the WebAssembly binding for browsers (pkg/web, ES module) and Node.js (pkg/nodejs,
# CommonJS), size-optimised, and copies the browser build and the bikes ruleset into the
# configurator example. Needs the wasm32-unknown-unknown target, wasm-bindgen-cli of exactly
# the crate's version (WASM_BINDGEN, default `wasm-bindgen` on PATH) and `npm ci` done here
# (for binaryen's wasm-opt). scripts/test-wasm installs all of these.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd ../.. && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
wasm_bindgen=${WASM_BINDGEN:-wasm-bindgen}
wasm_opt=$here/node_modules/.bin/wasm-opt

expected=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$root/Cargo.toml")
actual=$("$wasm_bindgen" --version | awk '{print $2}')
if [ "$expected" != "$actual" ]; then
  echo "wasm-bindgen-cli $actual does not match the crate's wasm-bindgen $expected" >&2
  exit 1
fi

raw=$target_dir/wasm32-unknown-unknown/wasm/ordo_wasm.wasm
# -O3 rather than -Oz: on rustc's size-optimised output it gives about the same gzipped size
# and 5-10 % faster evaluation (benches/RESULTS-wasm.md). The module defines its own memory
# (zero-filled, as every fresh memory is) and rustc leaves the first MiB to the stack, so
# wasm-opt may assume both.
wasm_opt_flags=(-O3 --low-memory-unused --zero-filled-memory --strip-debug)

# build PREFIX [CARGO FLAGS...]: the module into pkg/PREFIXweb and pkg/PREFIXnodejs.
build() {
  local prefix=$1
  shift
  echo "== cargo build --profile wasm --target wasm32-unknown-unknown -p ordo-wasm $*"
  (cd "$root" && cargo build --profile wasm --target wasm32-unknown-unknown -p ordo-wasm "$@")
  local web=$here/pkg/${prefix}web nodejs=$here/pkg/${prefix}nodejs target
  for target in web nodejs; do
    rm -rf "$here/pkg/$prefix$target"
    echo "== wasm-bindgen --target $target: pkg/$prefix$target"
    "$wasm_bindgen" --target "$target" --out-dir "$here/pkg/$prefix$target" \
      --remove-name-section --remove-producers-section "$raw"
  done
  # Both targets get the same module; optimise it once when it is (wasm-opt takes a while).
  echo "== wasm-opt ${wasm_opt_flags[*]}"
  "$wasm_opt" "${wasm_opt_flags[@]}" "$web/ordo_wasm_bg.wasm" -o "$web/ordo_wasm_bg.opt.wasm"
  if cmp -s "$web/ordo_wasm_bg.wasm" "$nodejs/ordo_wasm_bg.wasm"; then
    cp "$web/ordo_wasm_bg.opt.wasm" "$nodejs/ordo_wasm_bg.wasm"
  else
    "$wasm_opt" "${wasm_opt_flags[@]}" "$nodejs/ordo_wasm_bg.wasm" -o "$nodejs/ordo_wasm_bg.wasm"
  fi
  mv "$web/ordo_wasm_bg.opt.wasm" "$web/ordo_wasm_bg.wasm"
  # Node treats pkg/*nodejs as CommonJS even though this folder's package.json says "module".
  printf '{"type": "commonjs"}\n' > "$nodejs/package.json"
  printf '{"type": "module"}\n' > "$web/package.json"
}

build ""
# The runtime module: the same without the compiler, for pages that load compiled artifacts
# (`Ruleset.fromArtifact`) and never compile.
build runtime- --no-default-features

configurator=$root/examples/configurator
rm -rf "$configurator/pkg"
cp -r "$here/pkg/web" "$configurator/pkg"
cp "$root/examples/bikes/bikes.ordo" "$configurator/bikes.ordo"

for target in web nodejs runtime-web runtime-nodejs; do
  size=$(wc -c < "$here/pkg/$target/ordo_wasm_bg.wasm")
  gz=$(gzip -9 -c "$here/pkg/$target/ordo_wasm_bg.wasm" | wc -c)
  echo "pkg/$target/ordo_wasm_bg.wasm: $size bytes, $gz gzipped"
done
