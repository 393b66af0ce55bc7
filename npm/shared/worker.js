// The SharedWorker that holds the connections shared across tabs (`shared: true`), for the
// package's main entry: the same wasm, loaded beside it.
import init, { EventStream } from "../index.js";
import { servePorts } from "./worker-host.js";

servePorts(self, init().then(() => EventStream));
