#![cfg(not(target_arch = "wasm32"))]
//! The work the parser does, measured deterministically: the bytes it allocates, counted by a
//! global allocator. In its own test binary, so that the count is this file's alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wasm_sse::parser::Parser;

/// Forwards to `System`, counting per thread the bytes each allocation and growth asks for.
struct CountingAlloc;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: the allocator may run while the thread's locals are torn down.
    let _ = ALLOCATED.try_with(|allocated| allocated.set(allocated.get() + bytes));
}

fn allocated() -> usize {
    ALLOCATED.with(Cell::get)
}

// SAFETY: every call is forwarded to `System` unchanged; the counting has no side effect on it.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Feeds a `data` line of `len` bytes and its blank line one byte per chunk; returns the bytes
/// allocated meanwhile, failing as soon as they pass a linear budget.
fn bytes_allocated_for_a_line_fed_bytewise(len: usize) -> usize {
    let mut stream = b"data: ".to_vec();
    stream.extend(vec![b'x'; len]);
    stream.extend(b"\n\n");
    let mut parser = Parser::new();
    let mut events = Vec::with_capacity(1);
    let start = allocated();
    for (fed, byte) in stream.chunks(1).enumerate() {
        events.extend(parser.feed(byte));
        let so_far = allocated() - start;
        assert!(
            so_far <= 8 * len + 4096,
            "{so_far} bytes allocated after {fed} of {} bytes fed",
            stream.len()
        );
    }
    let work = allocated() - start;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].as_ref().map(|e| e.data().len()), Ok(len));
    work
}

#[test]
fn one_byte_chunks_take_linear_time() {
    let one = bytes_allocated_for_a_line_fed_bytewise(1024 * 1024);
    let two = bytes_allocated_for_a_line_fed_bytewise(2 * 1024 * 1024);
    let ratio = two as f64 / one as f64;
    assert!(
        ratio < 3.0,
        "twice the bytes allocated {ratio:.2} times as much ({one} then {two} bytes)"
    );
}
