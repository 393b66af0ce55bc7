// A third-party SSE server for the tests: nginx with the nchan pub/sub module, from Debian
// (scripts/setup.sh installs `nginx` and `libnginx-mod-nchan`), run in the foreground on a
// free port with a configuration of our own. It answers 403 to a subscriber that does not
// send `Accept: text/event-stream`, and resumes from its own message ids.
import { startNginx } from "../../scripts/nginx.mjs";

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
  const { url, stop } = await startNginx({
    name: "nchan",
    config,
    needs: [MODULE],
    answers: async (url) => (await fetch(`${url}/pub/probe`)).status > 0,
  });
  return {
    url,
    async publish(channel, text) {
      const response = await fetch(`${url}/pub/${channel}`, { method: "POST", body: text });
      if (!response.ok) throw new Error(`nchan refused to publish: ${response.status}`);
    },
    stop,
  };
}
