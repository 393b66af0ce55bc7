//! Fuzzes `wasm_sse::parser::Parser` over arbitrary bytes, limits and chunk splits; the
//! properties are in `src/lib.rs` (shared with `tests/parser_regressions.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sse_fuzz::{check, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fuzz_target!(|input: &[u8]| {
    check(input);
});
