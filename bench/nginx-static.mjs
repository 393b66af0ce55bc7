// A static copy of the bench stream served by nginx (Debian's, which scripts/setup.sh installs),
// so that `npm run bench -- --source nginx` measures every client on a server we did not write:
// nginx sends a file in its own, larger writes than the test server's ~64 KiB ones, and the
// ranking of the clients can change with the chunking. The page stays on the test server's
// origin, so nginx answers with `Access-Control-Allow-Origin: *`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";

const NGINX = process.env.NGINX ?? "/usr/sbin/nginx";

/** A port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function config(dir, port) {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${dir}/body;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location / {
      types { }
      default_type text/event-stream;
      add_header Cache-Control no-store always;
      add_header Access-Control-Allow-Origin * always;
      add_header Access-Control-Allow-Headers "Accept, Last-Event-ID, Cache-Control" always;
      if ($request_method = OPTIONS) { return 204; }
    }
  }
}
`;
}

/**
 * Serves `bytes` as `/{name}` (`text/event-stream`); resolves to `{ url, stop() }` once nginx
 * answers.
 */
export async function serveStatic(name, bytes) {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: scripts/setup.sh installs nginx`);
  const dir = await mkdtemp(join(tmpdir(), "wasm-sse-bench-nginx-"));
  // nginx's workers drop root for an unprivileged user, who must be able to read the file.
  await chmod(dir, 0o755);
  await mkdir(join(dir, "www"));
  await writeFile(join(dir, "www", name), bytes);
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
    const status = await fetch(`${url}/${name}`, { method: "HEAD" }).then((response) => response.status, () => 0);
    if (status === 200) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error("nginx did not answer");
}
