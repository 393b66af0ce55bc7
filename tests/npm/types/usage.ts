// What a TypeScript user writes, type-checked against the built package by its name (through
// package.json "exports"). Each `@ts-expect-error` is a mistake the declarations must refuse.
import init, { EventStream, type EventStreamError, type StreamEvent } from "wasm-sse";
import { EventStream as BundlerEventStream } from "wasm-sse/bundler";

await init();

// Text messages by default.
const text = new EventStream("/feed");
for await (const event of text) {
  const data: string = event.data;
  const type: string = event.type;
  const id: string = event.lastEventId;
  const origin: string = event.origin;
  void [data, type, id, origin];
}

// An LLM completion: POST, ended by [DONE] or a test of the message, sent again only if asked.
const completion = new EventStream<{ choices: { delta: { content?: string } }[] }>("/v1/chat/completions", {
  transport: "fetch",
  method: "POST",
  body: "{}",
  json: true,
  endOn: "[DONE]",
  resend: false,
});
const byTest = new EventStream("/v1/chat/completions", {
  transport: "fetch",
  endOn: (message: StreamEvent<string>) => message.data.includes("finish_reason"),
});
const ended: "no-content" | "end-marker" | "response-ended" | "closed" | "error" | null = completion.endReason;
// Headers made before every request, and the response each open carries.
const authorized = new EventStream("/v1/chat/completions", {
  transport: "fetch",
  headers: async () => ({ Authorization: `Bearer ${await Promise.resolve("t")}` }),
  onOpen: (response) => {
    const status: number | undefined = response?.status;
    const limit: string | undefined = response?.headers["x-ratelimit-remaining"];
    void [status, limit];
  },
});
const head: { status: number; headers: Record<string, string> } | null = authorized.response;
void head;
void [byTest, ended];
// @ts-expect-error endOn is a string or a function
new EventStream("/v1/chat/completions", { transport: "fetch", endOn: 3 });

// Every option of the issue, and JSON data of a type the user names.
interface Tick {
  seq: number;
  quotes: Record<string, number>;
}
const controller = new AbortController();
const ticks = new EventStream<Tick>(new URL("/market", "http://127.0.0.1"), {
  transport: "fetch",
  headers: { Authorization: "Bearer token" },
  method: "POST",
  body: "{}",
  withCredentials: false,
  events: ["tick"],
  retry: { initialDelayMs: 1000, maxDelayMs: 30000, maxAttempts: 10 },
  json: true,
  signal: controller.signal,
  onOpen: () => undefined,
  onError: (error: EventStreamError) => {
    const kind: "status" | "network" | "decode" | string = error.kind;
    const status: number | undefined = error.status;
    void [kind, status];
  },
});
const first = await ticks.next();
if (!first.done) {
  const tick: StreamEvent<Tick> = first.value;
  const seq: number = tick.data.seq;
  void seq;
}
const state: "connecting" | "open" | "reconnecting" | "closed" = ticks.state;
const readyState: 0 | 1 | 2 = ticks.readyState;
const reconnect: { attempt: number; delayMs: number } | null = ticks.reconnect;
const closed: 2 = EventStream.CLOSED;
void [state, readyState, reconnect, closed];
await ticks.return();
ticks.close();

// JSON without a named type is `unknown`, not `any`.
const untyped = new EventStream("/feed", { json: true });
for await (const event of untyped) {
  // @ts-expect-error data is unknown until checked
  void event.data.seq;
}

// One connection for every tab.
const everyTab = new EventStream<{ seq: number }>("/feed", { shared: true, json: true });
const tabs: number = everyTab.tabs;
const isShared: boolean = everyTab.shared;
const how: "worker" | "locks" | "local" | null = EventStream.sharing;
void [tabs, isShared, how];
// @ts-expect-error shared is a boolean
new EventStream("/feed", { shared: "yes" });
// @ts-expect-error the count is read-only
everyTab.tabs = 2;

// The bundler entry declares the same class.
const viaBundler: EventStream<string> = new BundlerEventStream("/feed", { transport: "eventsource" });
void viaBundler;

// @ts-expect-error not a transport
new EventStream("/feed", { transport: "websocket" });
// @ts-expect-error misspelt option
new EventStream("/feed", { header: { a: "b" } });
// @ts-expect-error a delay is a number of milliseconds
new EventStream("/feed", { retry: { initialDelayMs: "1s" } });
// @ts-expect-error event types are strings
new EventStream("/feed", { events: "tick" });
// @ts-expect-error readyState is read-only
ticks.readyState = 1;
// @ts-expect-error text data is a string
const wrong: number = (await text.next()).value!.data;
void wrong;

// The drop-in EventSource: the seed's browser code, unchanged but for the import.
import { EventSource as DropIn, EventSourceErrorEvent } from "wasm-sse";
import { EventSource as BundlerDropIn } from "wasm-sse/bundler";
const source = new DropIn("/feed");
source.addEventListener("message", (event) => {
  const parsed: unknown = JSON.parse(event.data);
  void parsed;
});
source.onmessage = (event) => void JSON.parse(event.data);
source.onerror = (event) => {
  const kind: string | undefined = event.error?.kind;
  const attempt: number | null = event.attempt;
  void [kind, attempt];
};
source.addEventListener("tick", (event) => void event.lastEventId);
const open: 0 | 1 | 2 = source.readyState;
void [open, DropIn.CONNECTING, source.OPEN];
source.restart();
source.close();
// Code typed against lib.dom's EventSource takes it.
const asDom: EventSource = new DropIn("/feed", { withCredentials: true });
void asDom;
// Extensions: every EventStream option but those the class has its own way for.
new DropIn("/chat", { transport: "fetch", method: "POST", body: "{}", headers: () => ({ authorization: "Bearer t" }), endOn: "[DONE]", credentials: "include", retry: "browser" });
new BundlerDropIn("/feed", { lastEventIds: false });
void (null as EventSourceErrorEvent | null);
// @ts-expect-error the class parses no JSON: JSON.parse(event.data) in the listener
new DropIn("/feed", { json: true });
// @ts-expect-error readyState is read-only
source.readyState = 2;
// @ts-expect-error credentials are fetch's modes
new DropIn("/feed", { credentials: "all" });
