export * from "../pkg/bundler/wasm_sse.js";
export { EventSource, EventSourceErrorEvent, WasmEventSourceInit, WasmEventSourceEventMap } from "./event_source.js";
