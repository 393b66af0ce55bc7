//! Runs `wasm_sse::parser::Parser` over test cases read from stdin and prints what it
//! dispatched, as JSON: the Rust side of the differential check in `tests/differential/`.
//!
//! Input: a JSON array of cases, each `{"connections": [[CHUNK, ...], ...]}` where a chunk is
//! a hex string of bytes; `finish()` is called after each connection. Output: a JSON array
//! with, per case, `{"events": [{"type", "data", "id"}], "lastEventId", "retry"}` (`retry`
//! in milliseconds, as a string, or null).
//!
//! ```sh
//! echo '[{"connections":[["646174613a2068690a0a"]]}]' | cargo run -q --example parse_stdin
//! ```

use std::io::{Read, Write};

use serde_json::{json, Value};
use wasm_sse::parser::Parser;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let cases: Vec<Value> = serde_json::from_str(&input)?;
    let results = cases
        .iter()
        .map(run)
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &results)?;
    writeln!(out)?;
    Ok(())
}

/// Parses one case's connections and reports what came out.
fn run(case: &Value) -> Result<Value, Box<dyn std::error::Error>> {
    let mut parser = Parser::new();
    let mut events = Vec::new();
    let connections = case["connections"]
        .as_array()
        .ok_or("a case needs `connections`")?;
    for connection in connections {
        for chunk in connection.as_array().ok_or("a connection is a list")? {
            let bytes = hex(chunk.as_str().ok_or("a chunk is a hex string")?)?;
            for item in parser.feed(&bytes) {
                events.push(match item {
                    Ok(event) => json!({
                        "type": event.event_type(),
                        "data": event.data(),
                        "id": event.last_event_id(),
                    }),
                    Err(err) => json!({ "error": err.to_string() }),
                });
            }
        }
        parser.finish();
    }
    Ok(json!({
        "events": events,
        "lastEventId": parser.last_event_id(),
        "retry": parser.retry().map(|retry| retry.as_millis().to_string()),
    }))
}

/// Decodes a hex string.
fn hex(text: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    if text.len() % 2 != 0 {
        return Err("odd-length hex".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|at| Ok(u8::from_str_radix(&text[at..at + 2], 16)?))
        .collect()
}
