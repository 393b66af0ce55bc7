// The SharedWorker that holds the connections shared across tabs (`shared: true`), for the
// `wasm-sse/bundler` entry, whose import initialises the wasm.
import { EventStream } from "../bundler.js";
import { servePorts } from "./worker-host.js";

servePorts(self, EventStream, Promise.resolve());
