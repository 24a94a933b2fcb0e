//! A minimal HTTP/1.1 client for the limit peers: pre-built request bytes on one keep-alive
//! `TcpStream`, minimal reply parsing.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// One keep-alive connection: writes pre-built requests, reads each reply's head and skips
/// its body (Content-Length or chunked); no JSON parsing.
pub(crate) struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
}

impl RawConn {
    pub(crate) fn connect(addr: &str) -> io::Result<RawConn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(RawConn {
            stream,
            buf: vec![0; 64 * 1024],
            pos: 0,
            len: 0,
        })
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.len == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.len -= self.pos;
                self.pos = 0;
            } else {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.len..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.len += n;
        Ok(())
    }

    /// The index just past the next `needle` at or after `pos`, reading more as needed.
    fn find(&mut self, needle: &[u8]) -> io::Result<usize> {
        loop {
            if let Some(i) = self.buf[self.pos..self.len]
                .windows(needle.len())
                .position(|w| w == needle)
            {
                return Ok(self.pos + i + needle.len());
            }
            self.fill()?;
        }
    }

    fn need(&mut self, n: usize) -> io::Result<()> {
        while self.len - self.pos < n {
            self.fill()?;
        }
        Ok(())
    }

    /// Sends `request` and consumes the reply; returns its status.
    pub(crate) fn exchange(&mut self, request: &[u8]) -> io::Result<u16> {
        self.stream.write_all(request)?;
        let end = self.find(b"\r\n\r\n")?;
        let head = &self.buf[self.pos..end];
        let status = head
            .get(9..12)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other("bad status line"))?;
        let mut length = 0usize;
        let mut chunked = false;
        for line in head.split(|&b| b == b'\n').skip(1) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
            if name.eq_ignore_ascii_case(b"content-length") {
                length = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| io::Error::other("bad content-length"))?;
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                chunked = value.eq_ignore_ascii_case(b"chunked");
            }
        }
        self.pos = end;
        if chunked {
            loop {
                let line_end = self.find(b"\r\n")?;
                let hex = &self.buf[self.pos..line_end - 2];
                let hex = hex.split(|&b| b == b';').next().unwrap_or_default();
                let size = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| usize::from_str_radix(h.trim(), 16).ok())
                    .ok_or_else(|| io::Error::other("bad chunk size"))?;
                self.pos = line_end;
                if size == 0 {
                    // Trailers (AuthN sends none), then the blank line.
                    loop {
                        let e = self.find(b"\r\n")?;
                        let blank = e - self.pos == 2;
                        self.pos = e;
                        if blank {
                            break;
                        }
                    }
                    break;
                }
                self.need(size + 2)?;
                self.pos += size + 2;
            }
        } else {
            self.need(length)?;
            self.pos += length;
        }
        if self.pos == self.len {
            self.pos = 0;
            self.len = 0;
        }
        Ok(status)
    }

    /// Sends `request` and returns the reply body (set-up only, not timed).
    pub(crate) fn body_of(&mut self, request: &[u8]) -> io::Result<Vec<u8>> {
        self.stream.write_all(request)?;
        let end = self.find(b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&self.buf[self.pos..end]).to_ascii_lowercase();
        let mut body = Vec::new();
        self.pos = end;
        if head.contains("transfer-encoding: chunked") {
            loop {
                let line_end = self.find(b"\r\n")?;
                let size = usize::from_str_radix(
                    std::str::from_utf8(&self.buf[self.pos..line_end - 2])
                        .map_err(io::Error::other)?
                        .trim(),
                    16,
                )
                .map_err(io::Error::other)?;
                self.pos = line_end;
                self.need(size + 2)?;
                body.extend_from_slice(&self.buf[self.pos..self.pos + size]);
                self.pos += size + 2;
                if size == 0 {
                    break;
                }
            }
        } else {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            self.need(length)?;
            body.extend_from_slice(&self.buf[self.pos..self.pos + length]);
            self.pos += length;
        }
        if !head.starts_with("http/1.1 200") {
            return Err(io::Error::other(format!(
                "set-up request failed: {}",
                head.lines().next().unwrap_or_default()
            )));
        }
        if self.pos == self.len {
            self.pos = 0;
            self.len = 0;
        }
        Ok(body)
    }
}

/// Pre-built request bytes.
pub(crate) fn request(
    method: &str,
    host: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let mut r = r.into_bytes();
    if let Some(b) = body {
        r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", b.len()).as_bytes());
        r.extend_from_slice(b);
    } else {
        r.extend_from_slice(b"\r\n");
    }
    r
}

pub(crate) fn host_of(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}
