// Runs Debian's nginx (scripts/setup.sh installs it) in the foreground on a free loopback port,
// with a configuration of the caller's, in a folder of its own that `stop()` removes: the
// third-party servers of the tests (nchan) and of the bench (a static file).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NGINX = process.env.NGINX ?? "/usr/sbin/nginx";

/** A loopback port that was free a moment ago. */
async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts nginx with `config(dir, port)` (`dir` is its folder, after `prepare(dir)` has filled it)
 * and resolves to `{ url, dir, stop() }` once `answers(url)` is true; rejects if it never is.
 */
export async function startNginx({ name, config, prepare = async () => {}, answers, needs = [] }) {
  for (const file of [NGINX, ...needs]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: scripts/setup.sh installs it`);
  }
  const dir = await mkdtemp(join(tmpdir(), `wasm-sse-${name}-`));
  // nginx's workers drop root for an unprivileged user, who must be able to read the folder.
  await chmod(dir, 0o755);
  await prepare(dir);
  const port = await freePort();
  await writeFile(join(dir, "nginx.conf"), config(dir, port));
  const child = spawn(NGINX, ["-p", `${dir}/`, "-e", `${dir}/error.log`, "-c", `${dir}/nginx.conf`], { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    process.off("exit", orphan);
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await answers(url).catch(() => false)) return { url, dir, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`nginx did not start on ${port} (see its error log above)`);
}
