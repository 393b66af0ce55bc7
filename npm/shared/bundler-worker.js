// The SharedWorker that holds the connections shared across tabs (`shared: true`), for the
// `wasm-sse/bundler` entry. That entry imports the `.wasm` as a module, which makes it an
// async module: imported statically, this script would run, and listen for tabs, only once
// the wasm is instantiated, and miss the tabs that connect before.
import { servePorts } from "./worker-host.js";

servePorts(self, import("../bundler.js").then((module) => module.EventStream));
