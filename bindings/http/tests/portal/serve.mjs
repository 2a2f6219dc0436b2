// Starting `ordo serve` for the portal's scripts (the Playwright test and the paint
// measurement): a child process on a free loopback port, found from its "listening on" line.

import { spawn } from "node:child_process";

/**
 * Starts `ordoBin serve --addr 127.0.0.1:0 ...args --log warn`; resolves to `{base, stop}`,
 * where `stop()` sends SIGTERM and resolves once the server has exited.
 */
export async function serveOrdo(ordoBin, args) {
  const child = spawn(ordoBin, ["serve", "--addr", "127.0.0.1:0", ...args, "--log", "warn"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/listening on (http:\/\/\S+)/);
      if (found) resolve(found[1]);
    });
    child.on("exit", (code) => reject(new Error(`ordo serve exited with ${code}`)));
  });
  return {
    base,
    stop: () =>
      new Promise((resolve) => {
        child.on("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}
