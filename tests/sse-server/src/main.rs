//! `sse-server [--port N] [--root DIR] [--port-file PATH]`: see this crate's README.

use std::{
    io::{self, Write as _},
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    process::ExitCode,
};

use sse_server::{serve, Config};
use tokio::net::TcpListener;

/// Command-line options.
struct Args {
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    port: u16,
    /// Project root for static files.
    root: PathBuf,
    /// Where to write the bound port, if anywhere.
    port_file: Option<PathBuf>,
}

/// Parses the command line, or explains what is wrong.
fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        root: PathBuf::from("."),
        port_file: None,
    };
    let mut words = std::env::args().skip(1);
    while let Some(flag) = words.next() {
        let mut value = || words.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = value()?.parse().map_err(|_| "--port: not a port number")?,
            "--root" => args.root = value()?.into(),
            "--port-file" => args.port_file = Some(value()?.into()),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(args)
}

/// Writes `port` to `path` through a temporary file, so a reader never sees a partial file.
fn write_port_file(path: &Path, port: u16) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    std::fs::write(&temporary, port.to_string())?;
    std::fs::rename(&temporary, path)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sse-server: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Binds, announces the port, and serves until SIGTERM or SIGINT.
async fn run() -> Result<(), String> {
    let args = parse_args()?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = TcpListener::bind(address)
        .await
        .map_err(|error| format!("bind {address}: {error}"))?;
    let port = listener
        .local_addr()
        .map_err(|error| error.to_string())?
        .port();
    let mut stdout = io::stdout();
    writeln!(stdout, "sse-server listening on http://127.0.0.1:{port}")
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("stdout: {error}"))?;
    if let Some(path) = &args.port_file {
        write_port_file(path, port).map_err(|error| format!("{}: {error}", path.display()))?;
    }
    serve(listener, Config { root: args.root })
        .await
        .map_err(|error| error.to_string())
}
