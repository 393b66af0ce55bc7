//! Reads an event stream on standard input and prints one line per event: the parser of
//! wasm-sse in a native program, with no web dependency.
//!
//! ```sh
//! curl -sN https://example.com/events | cargo run --example sse_cat --no-default-features
//! printf 'id: 1\nevent: tick\ndata: hello\n\n' | cargo run --example sse_cat --no-default-features
//! ```
//!
//! Each event is printed as `type<TAB>id<TAB>data`, with the data's line breaks as `\n`.

use std::io::{BufWriter, Read, Write};

use wasm_sse::parser::{Parsed, Parser};

fn main() -> std::io::Result<()> {
    let mut parser = Parser::new().with_comments();
    let mut input = std::io::stdin().lock();
    let mut output = BufWriter::new(std::io::stdout().lock());
    let mut chunk = [0; 8192];
    loop {
        let read = input.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        for item in parser.feed_items(&chunk[..read]) {
            match item {
                Ok(Parsed::Event(event)) => writeln!(
                    output,
                    "{}\t{}\t{}",
                    event.event_type(),
                    event.last_event_id(),
                    event.data().replace('\n', "\\n")
                )?,
                Ok(Parsed::Comment(text)) => writeln!(output, ": {text}")?,
                Err(err) => eprintln!("skipped: {err}"),
            }
        }
        output.flush()?;
    }
    // The stream ended: an event without its blank line is discarded, as the spec says.
    parser.finish();
    Ok(())
}
