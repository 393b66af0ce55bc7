// A test server process of the demo test's own, on a fixed port, that it can stop and start
// again: a real server restart, as a person would see one.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../npm/browser.mjs";

/** The sse-server binary: SSE_SERVER_BIN, else the debug build the test command makes. */
export function serverBinary() {
  const binary = process.env.SSE_SERVER_BIN
    ?? join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "sse-server");
  if (!existsSync(binary)) {
    throw new Error(`no test server at ${binary}: build it with \`cargo build -p sse-server\` or set SSE_SERVER_BIN`);
  }
  return binary;
}

/** A port that was free a moment ago. */
export async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts the server on `port`, serving the project root; resolves once it listens. */
export async function startServer(port) {
  const dir = await mkdtemp(join(tmpdir(), "wasm-sse-demo-"));
  const portFile = join(dir, "port");
  const child = spawn(serverBinary(), ["--port", String(port), "--root", root, "--port-file", portFile], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // A test that fails half-way must not leave a server holding the port.
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  exited.then(() => process.off("exit", orphan));
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`the test server exited with ${child.exitCode}`);
      const written = await readFile(portFile, "utf8").catch(() => "");
      if (written.trim() === String(port)) {
        return {
          url: `http://127.0.0.1:${port}`,
          /** Stops it as a deployment would (SIGTERM) and resolves once it has exited. */
          async stop() {
            child.kill("SIGTERM");
            await exited;
          },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGKILL");
    throw new Error(`the test server did not listen on ${port}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
