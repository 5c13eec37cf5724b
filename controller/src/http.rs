//! A minimal HTTP/1.0 client for plain `http://` URLs: the daemon's health probe and
//! `cgrid api` (the API it talks to is `cgrid serve` on the operator's own network; TLS belongs
//! to a reverse proxy in front of it).

use std::io::{Read as _, Write as _};
use std::time::Duration;

/// Sends `method url` (no body) with an optional `Authorization` header; answers the status
/// and the body. Times out after 5 s of silence; reads at most 16 MiB.
pub fn request(
    method: &str,
    url: &str,
    authorization: Option<&str>,
) -> Result<(u16, Vec<u8>), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url} is not an http:// URL"))?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let address = std::net::ToSocketAddrs::to_socket_addrs(&if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    })
    .map_err(|e| format!("{url}: {e}"))?
    .next()
    .ok_or_else(|| format!("{url}: no address"))?;
    let timeout = Duration::from_secs(5);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("{url}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    stream
        .write_all(
            format!(
                "{method} {path} HTTP/1.0\r\nHost: {authority}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .map_err(|e| format!("{url}: {e}"))?;
    let mut answer = Vec::new();
    stream
        .take(16 << 20)
        .read_to_end(&mut answer)
        .map_err(|e| format!("{url}: no HTTP answer ({e})"))?;
    let status = answer
        .get(9..12)
        .filter(|_| answer.starts_with(b"HTTP/1."))
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{url}: not an HTTP answer"))?;
    let body = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(Vec::new(), |i| answer[i + 4..].to_vec());
    Ok((status, body))
}
