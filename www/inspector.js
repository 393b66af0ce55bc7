// "Any feed": reads any SSE URL with the options a user picks, printing each message and
// error as it arrives. `?feed=URL&transport=fetch&events=a,b&json=1` opens one at load.
import { EventStream } from "wasm-sse";

const $ = (id) => document.getElementById(id);
let stream = null;

function print(text, kind = "") {
  const line = document.createElement("li");
  line.textContent = text;
  line.className = kind;
  $("inspect-log").prepend(line);
  while ($("inspect-log").childElementCount > 40) $("inspect-log").lastElementChild.remove();
}

function setState(text) {
  $("inspect-state").textContent = text;
  $("inspect-toggle").textContent = stream ? "Close" : "Connect";
}

async function connect() {
  const events = $("inspect-events").value.split(",").map((name) => name.trim()).filter(Boolean);
  const json = $("inspect-json").checked;
  try {
    stream = new EventStream($("inspect-url").value.trim(), {
      transport: $("inspect-transport").value,
      events,
      json,
      onOpen: () => setState("open"),
      onError: (error) => {
        print(`${error.kind}: ${error.message}`, "error");
        setState(stream?.state ?? "closed");
      },
    });
  } catch (error) {
    print(`${error.kind}: ${error.message}`, "error");
    return;
  }
  const current = stream;
  setState("connecting");
  let count = 0;
  try {
    for await (const event of current) {
      count += 1;
      const data = json ? JSON.stringify(event.data) : event.data;
      print(`#${count} ${event.type}${event.lastEventId ? ` id=${event.lastEventId}` : ""}  ${data}`);
    }
  } catch (error) {
    print(`${error.kind}: ${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`, "error");
  }
  if (stream === current) stream = null;
  setState("closed");
}

export function startInspector() {
  $("inspect-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (stream) {
      stream.close();
      stream = null;
      setState("closed");
    } else {
      connect();
    }
  });
  const query = new URLSearchParams(location.search);
  if (query.has("feed")) {
    $("inspect-url").value = query.get("feed");
    $("inspect-transport").value = query.get("transport") === "fetch" ? "fetch" : "eventsource";
    $("inspect-events").value = query.get("events") ?? "";
    $("inspect-json").checked = query.get("json") === "1";
    connect();
  }
}
