// The entry for bundlers that import `.wasm` as an ES module (`wasm-sse/bundler`): the
// wasm-bindgen build of pkg/bundler, initialised by the import itself, and the drop-in
// `EventSource` class.
import { EventStream as WasmEventStream } from "../pkg/bundler/wasm_sse.js";
import { defineEventSource } from "./event_source.js";
import { shareable } from "./shared/index.js";

export * from "../pkg/bundler/wasm_sse.js";

/** `EventStream`, which also takes `shared: true` (npm/shared/). */
export const EventStream = shareable(
  WasmEventStream,
  () => new SharedWorker(new URL("./shared/bundler-worker.js", import.meta.url), { type: "module", name: "wasm-sse" }),
);

export const { EventSource, EventSourceErrorEvent } = defineEventSource(EventStream, () => true);
