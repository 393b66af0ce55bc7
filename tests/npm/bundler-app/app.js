// A page bundled by webpack 5 from the package's `wasm-sse/bundler` entry, as an app would
// import it: the bundler must find the SharedWorker of `shared: true` and the wasm it loads.
import { EventStream } from "wasm-sse/bundler";

globalThis.wasmSse = { EventStream };
