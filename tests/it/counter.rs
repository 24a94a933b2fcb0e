//! A counting TCP proxy in front of the real server, for tests that count requests.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use aistore_authn::Client;

// A counting TCP proxy in front of the real server: it records each request line it forwards
// (`METHOD /path`) before forwarding it, so the record is complete once a call returns.

pub(crate) struct Counter {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Counter {
    pub(crate) fn start(server_url: &str) -> Counter {
        let upstream = server_url.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (record, upstream) = (record.clone(), upstream.clone());
                std::thread::spawn(move || forward(client, &upstream, &record));
            }
        });
        Counter { url, seen }
    }

    /// A client through the proxy with `admin`'s token.
    pub(crate) fn client(&self, admin: &Client) -> Client {
        Client::builder(&self.url)
            .proxy_from_env(false)
            .token(admin.token().unwrap())
            .build()
            .unwrap()
    }

    /// The requests since the last call, sorted.
    pub(crate) fn take(&self) -> Vec<String> {
        let mut lines = std::mem::take(&mut *self.seen.lock().unwrap());
        lines.sort();
        lines
    }
}

fn forward(client: TcpStream, upstream: &str, seen: &Mutex<Vec<String>>) -> io::Result<()> {
    let server = TcpStream::connect(upstream)?;
    let (mut from_server, mut to_client) = (server.try_clone()?, client.try_clone()?);
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(std::net::Shutdown::Both);
    });
    let mut reader = BufReader::new(client);
    let mut to_server = server;
    let result = (|| -> io::Result<()> {
        loop {
            let (mut head, mut first, mut length) = (Vec::new(), String::new(), 0u64);
            loop {
                let mut line = Vec::new();
                if reader.read_until(b'\n', &mut line)? == 0 {
                    return Ok(());
                }
                head.extend_from_slice(&line);
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                if first.is_empty() {
                    first = text;
                    continue;
                }
                if text.is_empty() {
                    break;
                }
                if let Some(v) = text.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let request: Vec<&str> = first.split_whitespace().take(2).collect();
            seen.lock().unwrap().push(request.join(" "));
            to_server.write_all(&head)?;
            io::copy(&mut (&mut reader).take(length), &mut to_server)?;
        }
    })();
    let _ = to_server.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    result
}
