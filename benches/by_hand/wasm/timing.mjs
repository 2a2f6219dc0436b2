// The measure both harnesses take, in Node.js and (as its source) in a Chromium page: `call`
// n times to warm V8 up, then 7 rounds of n calls; the best round's time per call, in µs.
export function bestOf(n, call) {
  for (let i = 0; i < n; i++) call();
  let fastest = Infinity;
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) call();
    fastest = Math.min(fastest, ((performance.now() - start) * 1000) / n);
  }
  return fastest;
}
