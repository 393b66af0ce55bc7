// A third-party SSE server for the tests: nginx with the nchan pub/sub module, from Debian
// (scripts/setup.sh installs `nginx` and `libnginx-mod-nchan`), run in the foreground on a
// free port with a configuration of our own. It answers 403 to a subscriber that does not
// send `Accept: text/event-stream`, and resumes from its own message ids.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../demo/server.mjs";

const NGINX = process.env.NGINX ?? "/usr/sbin/nginx";
const MODULE = process.env.NCHAN_MODULE ?? "/usr/lib/nginx/modules/ngx_nchan_module.so";

/**
 * `/sub/{channel}`: an EventSource subscriber, resuming after the `Last-Event-ID` header or the
 * `lastEventId` query parameter; `/brief/{channel}`: the same, whose connections nchan ends
 * after a second; `POST /pub/{channel}`: publishes the body.
 */
function config(dir, port) {
  return `load_module ${MODULE};
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  server {
    listen 127.0.0.1:${port};
    location ~ ^/sub/(\\w+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      nchan_subscriber_last_message_id $http_last_event_id $arg_lastEventId;
    }
    location ~ ^/brief/(\\w+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      nchan_subscriber_last_message_id $http_last_event_id $arg_lastEventId;
      nchan_subscriber_timeout 1s;
    }
    location ~ ^/pub/(\\w+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 100;
      nchan_message_timeout 10m;
    }
  }
}
`;
}

/** Starts nginx + nchan; resolves to `{ url, publish(channel, text), stop() }` once it answers. */
export async function startNchan() {
  for (const file of [NGINX, MODULE]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: scripts/setup.sh installs nginx and libnginx-mod-nchan`);
  }
  const dir = await mkdtemp(join(tmpdir(), "wasm-sse-nchan-"));
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
    const answered = await fetch(`${url}/pub/probe`).then((response) => response.status, () => 0);
    if (answered) {
      return {
        url,
        async publish(channel, text) {
          const response = await fetch(`${url}/pub/${channel}`, { method: "POST", body: text });
          if (!response.ok) throw new Error(`nchan refused to publish: ${response.status}`);
        },
        stop,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`nginx did not start on ${port} (see its error log above)`);
}
