// Small browser helpers for the wasm-bindgen tests: timers and JSON over fetch.

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function getJson(url, withCredentials) {
  const response = await fetch(url, { credentials: withCredentials ? "include" : "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

export function pageOrigin() {
  return self.location.origin;
}

// What a tab switch tells the page; clients such as fetch-event-source abort and re-send on it.
export function announceVisibilityChange() {
  document.dispatchEvent(new Event("visibilitychange"));
  window.dispatchEvent(new Event("pagehide"));
  window.dispatchEvent(new Event("blur"));
}
