// The JavaScript libraries the bench compares with; bundled by scripts/bench.sh with esbuild
// into www/generated/bench/rivals.js, which bench.js imports.
export { fetchEventSource } from "@microsoft/fetch-event-source";
export { createParser } from "eventsource-parser";
