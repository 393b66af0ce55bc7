// The Rust hello feed (examples/hello-feed, built by scripts/build-demo.sh), loaded as the demo
// page loads it, but from a page whose policy allows only same-origin scripts and wasm.
import init, { run } from "/www/generated/hello-feed/hello_feed.js";

await init();
run("/", "hello-list", "hello-state").catch((err) => {
  document.getElementById("hello-state").textContent = `failed: ${err}`;
});
