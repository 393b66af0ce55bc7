// An LLM completion streamed token by token with the npm package: a POST with a JSON body,
// `chat.completion.chunk` deltas parsed as JSON, ended by `[DONE]`, Stop through an AbortSignal.
// `?tag=T` and `?interval_ms=N` pass on to the test server.
import init, { EventStream } from "wasm-sse";

await init();
const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const url = `/v1/chat/completions?interval_ms=${query.get("interval_ms") ?? 80}&tag=${query.get("tag") ?? ""}`;
let controller = null;

$("stop").addEventListener("click", () => controller?.abort());
$("send").addEventListener("click", async () => {
  controller?.abort();
  controller = new AbortController();
  const stream = new EventStream(url, {
    transport: "fetch",
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "test", stream: true, messages: [{ role: "user", content: $("prompt").value }] }),
    json: true,
    endOn: "[DONE]",
    signal: controller.signal,
    onOpen: () => { $("state").textContent = "streaming"; },
  });
  $("output").value = "";
  $("state").textContent = "connecting";
  try {
    for await (const chunk of stream) $("output").value += chunk.data.choices[0].delta.content ?? "";
    $("state").textContent = stream.endReason === "end-marker" ? "done" : "stopped";
  } catch (error) {
    $("state").textContent = error.message;
  }
});
