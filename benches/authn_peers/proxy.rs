//! The counting proxy: forwards bytes both ways and counts requests (parsed from the client's
//! side: request line, headers, Content-Length or chunked body) and connections.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::Res;

#[derive(Default)]
struct Counts {
    connections: AtomicU64,
    requests: Mutex<Vec<String>>,
}

pub(crate) struct Proxy {
    pub(crate) addr: String,
    counts: Arc<Counts>,
}

impl Proxy {
    pub(crate) fn start(upstream: String) -> Res<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?.to_string();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (c, upstream) = (c.clone(), upstream.clone());
                std::thread::spawn(move || {
                    if let Err(e) = forward(client, &upstream, &c) {
                        if e.kind() != io::ErrorKind::UnexpectedEof {
                            eprintln!("proxy: {e}");
                        }
                    }
                });
            }
        });
        Ok(Proxy { addr, counts })
    }

    /// The request lines seen since the last call, and the connections opened.
    pub(crate) fn take(&self) -> (Vec<String>, u64) {
        let lines = std::mem::take(&mut *self.counts.requests.lock().unwrap());
        (lines, self.counts.connections.swap(0, Ordering::SeqCst))
    }
}

fn forward(client: TcpStream, upstream: &str, counts: &Counts) -> io::Result<()> {
    counts.connections.fetch_add(1, Ordering::SeqCst);
    let server = TcpStream::connect(upstream)?;
    server.set_nodelay(true)?;
    client.set_nodelay(true)?;
    let (mut from_server, mut to_client) = (server.try_clone()?, client.try_clone()?);
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(std::net::Shutdown::Both);
    });
    let mut reader = BufReader::new(client);
    let mut to_server = server;
    let result = (|| -> io::Result<()> {
        loop {
            let mut head = Vec::new();
            let mut line = Vec::new();
            let mut first = String::new();
            let (mut length, mut chunked) = (0u64, false);
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line)? == 0 {
                    return Ok(()); // the client closed the connection
                }
                head.extend_from_slice(&line);
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end();
                if first.is_empty() {
                    first = text.to_owned();
                    continue;
                }
                if text.is_empty() {
                    break;
                }
                let lower = text.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                } else if let Some(v) = lower.strip_prefix("transfer-encoding:") {
                    chunked = v.contains("chunked");
                }
            }
            let mut words = first.split_whitespace();
            let (method, path) = (words.next().unwrap_or("?"), words.next().unwrap_or("?"));
            counts
                .requests
                .lock()
                .unwrap()
                .push(format!("{method} {path}"));
            to_server.write_all(&head)?;
            if chunked {
                loop {
                    line.clear();
                    reader.read_until(b'\n', &mut line)?;
                    to_server.write_all(&line)?;
                    let size = u64::from_str_radix(
                        String::from_utf8_lossy(&line)
                            .trim()
                            .split(';')
                            .next()
                            .unwrap_or(""),
                        16,
                    )
                    .unwrap_or(0);
                    io::copy(&mut (&mut reader).take(size + 2), &mut to_server)?;
                    if size == 0 {
                        break;
                    }
                }
            } else {
                io::copy(&mut (&mut reader).take(length), &mut to_server)?;
            }
        }
    })();
    let _ = to_server.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    result
}
