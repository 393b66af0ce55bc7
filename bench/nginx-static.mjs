// A static copy of the bench stream served by nginx (Debian's, which scripts/setup.sh installs),
// so that `npm run bench -- --source nginx` measures every client on a server we did not write:
// nginx sends a file in its own, larger writes than the test server's ~64 KiB ones, and the
// ranking of the clients can change with the chunking. The page stays on the test server's
// origin, so nginx answers with `Access-Control-Allow-Origin: *`.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startNginx } from "../scripts/nginx.mjs";

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
  const { url, stop } = await startNginx({
    name: "bench-nginx",
    config,
    prepare: async (dir) => {
      await mkdir(join(dir, "www"), { mode: 0o755 });
      await writeFile(join(dir, "www", name), bytes, { mode: 0o644 });
    },
    answers: async (url) => (await fetch(`${url}/${name}`, { method: "HEAD" })).status === 200,
  });
  return { url, stop };
}
