// The entry for bundlers that import `.wasm` as an ES module (`wasm-sse/bundler`): the
// wasm-bindgen build of pkg/bundler, initialised by the import itself, and the drop-in
// `EventSource` class.
import { EventStream } from "../pkg/bundler/wasm_sse.js";
import { defineEventSource } from "./event_source.js";

export * from "../pkg/bundler/wasm_sse.js";

export const { EventSource, EventSourceErrorEvent } = defineEventSource(EventStream, () => true);
