//! Raw HTTP/1.1 on a socket, for requests a well-behaved client would not send: a server that
//! answers and closes before the body is written is the point of these tests, and hyper's
//! client reports that as a broken pipe instead of the answer.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{signing, SIGNING_SECRET};

/// The status of the answer read from `stream`, if one comes within `within`.
pub async fn status_within(stream: &mut TcpStream, within: Duration) -> Option<u16> {
    read_status(stream, within).await
}

pub async fn read_status(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    within: Duration,
) -> Option<u16> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(within, read).await;
    let text = String::from_utf8_lossy(&seen);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// Sends `head` (and `body`) on a new connection and reads the answer's status.
pub async fn exchange(
    addr: std::net::SocketAddr,
    head: &str,
    body: impl Into<bytes::Bytes>,
    within: Duration,
) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(head.as_bytes()).await.ok()?;
    let (mut read, mut write) = stream.into_split();
    // The server may answer and close before the whole body is sent (that is the point), so
    // the body goes out while the answer is read.
    let body = body.into();
    let sending = tokio::spawn(async move {
        let _ = write.write_all(&body).await;
        write
    });
    let status = read_status(&mut read, within).await;
    sending.abort();
    status
}

pub fn signed_head(path: &str, body_len: usize, timestamp: i64, body: &str) -> String {
    let headers = signing::signed_headers_at(SIGNING_SECRET, body, timestamp);
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: officehours\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {body_len}\r\nconnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head + "\r\n"
}
