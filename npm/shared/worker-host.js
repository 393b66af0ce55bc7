// The SharedWorker's side: each tab's port joins and leaves the hub's feeds; a tab that goes
// away without a word (a port has no close event) is found by the Web Lock it held for its
// life, which the worker waits for.
import { Hub, errorData } from "./hub.js";

/**
 * Serves the tabs that connect to `scope` (the SharedWorker's global) once `ready` resolves to
 * the package's `EventStream` class. The `connect` listener is added now, before the wasm is
 * loaded: a tab's connection made meanwhile would otherwise be lost.
 */
export function servePorts(scope, ready) {
  let tabs = 0;
  let hub = null;
  ready = ready.then((EventStream) => {
    hub = new Hub(EventStream);
  });
  // Told to each tab that writes, below.
  ready.catch(() => {});
  scope.addEventListener("connect", (event) => {
    const port = event.ports[0];
    const tab = tabs++;
    const joined = new Set();
    const leaveAll = () => {
      for (const id of joined) hub.leave(id);
      joined.clear();
    };
    port.onmessage = async ({ data }) => {
      try {
        await ready;
      } catch (error) {
        // No wasm here (a CSP without 'wasm-unsafe-eval' for workers, a failed fetch): the tab
        // falls back to sharing through Web Locks.
        port.postMessage({ k: "broken", error: errorData(error) });
        return;
      }
      switch (data.k) {
        case "join":
          joined.add(data.id);
          hub.join(data.id, data.key, data.url, data.options, data.lastEventId, (message) => {
            if (message.k === "end" || message.k === "fail") joined.delete(message.id);
            port.postMessage(message);
          }, tab);
          break;
        case "leave":
          joined.delete(data.id);
          hub.leave(data.id);
          break;
        case "listen":
          hub.listen(data.id, data.type);
          break;
        case "restart":
          hub.restart(data.id);
          break;
        case "tab":
          scope.navigator.locks?.request(data.lock, leaveAll);
          break;
        default:
      }
    };
  });
}
