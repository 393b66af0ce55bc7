// Sizes for `npm run bench`: the .wasm of each minimal app, raw and gzip -9, as JSON on stdout.
//   node bench/size.mjs DIR_OF_WASM_SSE_APP DIR_OF_GLOO_APP DIR_OF_FLOOR_APP
// The floor is the same consumer with no SSE client (bench/size-floor): what no client can go under.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const sizeOf = (dir) => {
  const file = readdirSync(dir).find((name) => name.endsWith("_bg.wasm"));
  const bytes = readFileSync(join(dir, file));
  return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const [wasmSse, gloo, floor] = [sizeOf(process.argv[2]), sizeOf(process.argv[3]), sizeOf(process.argv[4])];
const ratio = wasmSse.gzip / gloo.gzip;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.error(
  `\nsize of a minimal typed consumer (.wasm, wasm-pack --release + wasm-opt -Oz)\n` +
    `  wasm-sse  ${kb(wasmSse.bytes)} raw, ${kb(wasmSse.gzip)} gzip -9 (features = ["eventsource"])\n` +
    `  gloo-net  ${kb(gloo.bytes)} raw, ${kb(gloo.gzip)} gzip -9\n` +
    `  floor     ${kb(floor.bytes)} raw, ${kb(floor.gzip)} gzip -9 (no SSE client: serde_json and the futures runtime, ${(floor.gzip / gloo.gzip).toFixed(2)}x gloo-net)\n` +
    `  ratio     ${ratio.toFixed(2)}x gloo-net (target <= 0.8x: ${ratio <= 0.8 ? "met" : "MISS"})\n`,
);
console.log(JSON.stringify({ "wasm-sse": wasmSse, "gloo-net": gloo, floor, ratio, target: "<= 0.8x gloo-net", met: ratio <= 0.8 }, null, 2));
