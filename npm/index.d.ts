export * from "../pkg/web/wasm_sse.js";
export { EventSource, EventSourceErrorEvent, WasmEventSourceInit, WasmEventSourceEventMap } from "./event_source.js";
import type { InitInput, InitOutput, SyncInitInput } from "../pkg/web/wasm_sse.js";

/** Loads and instantiates the wasm module. Without an argument it loads the `.wasm` beside the package: fetched over http(s), read from the disk where the package is a file (Node, Deno, Bun). */
export default function init(module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
/** Instantiates the wasm module synchronously from its bytes or a compiled `WebAssembly.Module`. */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;
