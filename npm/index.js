// The package's main entry (`import init, { EventSource, EventStream } from "wasm-sse"`): the
// wasm-bindgen build of pkg/web, an `init()` that also finds the `.wasm` where it is a file
// (Node, Deno and Bun, which cannot fetch a file: URL or have no fetch for it), and the
// drop-in `EventSource` class.
import wasmInit, { initSync as wasmInitSync, EventStream as WasmEventStream } from "../pkg/web/wasm_sse.js";
import { defineEventSource } from "./event_source.js";
import { shareable } from "./shared/index.js";

export * from "../pkg/web/wasm_sse.js";

let ready = false;

/**
 * Loads and instantiates the wasm module; resolves once the package can be used. Without an
 * argument it loads the `.wasm` beside the package: fetched over http(s), read from the disk
 * where the package is a file.
 */
export default async function init(options) {
  if (options === undefined) {
    const url = new URL("../pkg/web/wasm_sse_bg.wasm", import.meta.url);
    if (url.protocol === "file:") {
      const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
      options = { module_or_path: await readFile(url) };
    }
  }
  const exports = await wasmInit(options);
  ready = true;
  return exports;
}

/** Instantiates the wasm module synchronously from its bytes or a compiled `WebAssembly.Module`. */
export function initSync(options) {
  const exports = wasmInitSync(options);
  ready = true;
  return exports;
}

/** `EventStream`, which also takes `shared: true` (npm/shared/). */
export const EventStream = shareable(
  WasmEventStream,
  () => new SharedWorker(new URL("./shared/worker.js", import.meta.url), { type: "module", name: "wasm-sse" }),
);

export const { EventSource, EventSourceErrorEvent } = defineEventSource(EventStream, () => ready);
