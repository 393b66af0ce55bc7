//! A tiny HTTP/1.1 client for the tests: one connection per request, chunk-by-chunk bodies.

use std::{net::SocketAddr, time::Duration};

use sse_server::{serve, Config};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    time::timeout,
};

/// How long any single read may take before the test fails.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts a server on a free port and returns its address.
pub async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(serve(listener, Config::default()));
    address
}

/// How a chunked body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// With the last (zero-size) chunk.
    Clean,
    /// The connection ended or failed before the last chunk: a network error to a browser.
    Cut,
}

/// The connection ended before the last chunk of the body.
struct Cut;

/// A response whose body is read on demand.
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The connection, positioned at the start of the body.
    reader: BufReader<TcpStream>,
}

impl Response {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The next chunk of a chunked body exactly as framed by the server; `None` at its end.
    pub async fn chunk(&mut self) -> Option<Vec<u8>> {
        self.frame().await.ok().flatten()
    }

    /// The rest of a chunked body, and whether it ended cleanly or was cut.
    pub async fn chunks_until_end(mut self) -> (Vec<u8>, End) {
        let mut body = Vec::new();
        loop {
            match self.frame().await {
                Ok(Some(chunk)) => body.extend(chunk),
                Ok(None) => return (body, End::Clean),
                Err(Cut) => return (body, End::Cut),
            }
        }
    }

    /// The next chunk: `Ok(None)` after the last chunk, `Err(Cut)` if the connection ends (or
    /// fails) before it.
    async fn frame(&mut self) -> Result<Option<Vec<u8>>, Cut> {
        assert_eq!(
            self.header("transfer-encoding"),
            Some("chunked"),
            "body is not chunked"
        );
        let size_line = self.line().await.ok_or(Cut)?;
        let size = usize::from_str_radix(size_line.trim(), 16).expect("chunk size");
        let mut chunk = vec![0; size + 2];
        timeout(READ_TIMEOUT, self.reader.read_exact(&mut chunk))
            .await
            .expect("chunk timed out")
            .map_err(|_| Cut)?;
        chunk.truncate(size);
        Ok((size > 0).then_some(chunk))
    }

    /// The whole body: chunked until its end, by `Content-Length`, or none.
    pub async fn body(mut self) -> Vec<u8> {
        if self.header("transfer-encoding") == Some("chunked") {
            let mut body = Vec::new();
            while let Some(chunk) = self.chunk().await {
                body.extend(chunk);
            }
            return body;
        }
        let length = self
            .header("content-length")
            .map_or(0, |value| value.parse().expect("length"));
        let mut body = vec![0; length];
        timeout(READ_TIMEOUT, self.reader.read_exact(&mut body))
            .await
            .expect("body timed out")
            .expect("body");
        body
    }

    /// The whole body as text.
    pub async fn text(self) -> String {
        String::from_utf8(self.body().await).expect("UTF-8 body")
    }

    /// One CRLF-terminated line, without the CRLF; `None` at end of connection.
    async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        let read = timeout(READ_TIMEOUT, self.reader.read_line(&mut line))
            .await
            .expect("read timed out");
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches("\r\n").to_owned()),
        }
    }
}

/// Sends one request and reads the status line and headers.
pub async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut response = Response {
        status: 0,
        headers: Vec::new(),
        reader: BufReader::new(stream),
    };
    let status_line = response.line().await.expect("status line");
    response.status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status");
    while let Some(line) = response.line().await.filter(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':').expect("header line");
        response
            .headers
            .push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    response
}

/// `GET path` with `headers`.
pub async fn get(address: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    request(address, "GET", path, headers, b"").await
}

/// `GET path`, parsed as JSON.
pub async fn json(address: SocketAddr, path: &str) -> serde_json::Value {
    let response = get(address, path, &[]).await;
    assert_eq!(response.status, 200, "{path}");
    serde_json::from_slice(&response.body().await).expect("JSON body")
}
