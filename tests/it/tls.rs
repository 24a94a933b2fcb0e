//! HTTPS against the real AuthN server (`net.http.use_https`), with a certificate made here.

use crate::support::{make_tls_files, TlsFiles};
use aistore_authn::{Client, Error, TransportErrorKind};
use aistore_authn_testkit::LocalServer;

struct HttpsServer {
    server: LocalServer,
    files: TlsFiles,
    dir: std::path::PathBuf,
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn https_server(name: &str) -> HttpsServer {
    let dir = std::env::temp_dir().join(format!("authn-tls-{name}-{}", std::process::id()));
    let files = make_tls_files(&dir);
    let server = LocalServer::builder()
        .https(&files.server_cert, &files.server_key, &files.ca)
        .start()
        .unwrap();
    HttpsServer { server, files, dir }
}

fn builder(url: &str) -> aistore_authn::ClientBuilder {
    Client::builder(url).proxy_from_env(false)
}

#[test]
fn https_works_with_the_ca_given() {
    let s = https_server("ca");
    let url = s.server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let mut client = builder(&url).ca_cert_file(&s.files.ca).build().unwrap();
    client
        .login(s.server.admin_user(), s.server.admin_password(), None)
        .unwrap();
    assert!(client.user_manager().list().unwrap().contains_key("admin"));
    assert!(client.server_manager().config().unwrap().uses_https());
    // The same CA given as PEM data.
    let pem = std::fs::read(&s.files.ca).unwrap();
    let client = builder(&url).ca_cert_pem(pem).build().unwrap();
    assert!(client.role_manager().get("Admin").unwrap().admin);
    // The server's own helper trusts its CA.
    s.server
        .admin_client()
        .unwrap()
        .user_manager()
        .list()
        .unwrap();
}

#[test]
fn https_without_the_ca_is_a_tls_error() {
    let s = https_server("noca");
    // No CA, and a CA that did not sign the server's certificate.
    let other = make_tls_files(&s.dir.join("other"));
    for with_ca in [false, true] {
        let b = builder(&s.server.url());
        let client = if with_ca {
            b.ca_cert_file(&other.ca)
        } else {
            b
        }
        .build()
        .unwrap();
        let err = client.role_manager().list().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Transport {
                    kind: TransportErrorKind::Tls,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn https_with_skip_verify_works_and_warns_once() {
    crate::support::capture_logs();
    let s = https_server("skip");
    for _ in 0..2 {
        let mut client = builder(&s.server.url()).skip_verify(true).build().unwrap();
        client
            .login(s.server.admin_user(), s.server.admin_password(), None)
            .unwrap();
        client.user_manager().list().unwrap();
    }
    // No other test in this binary turns verification off, so the process's one warning is
    // this test's.
    let warnings = crate::support::log_lines()
        .into_iter()
        .filter(|(target, line)| {
            target.starts_with("aistore_authn")
                && line.starts_with("WARN")
                && line.contains("verification is off")
        })
        .count();
    assert_eq!(warnings, 1, "one warning per process");
}

#[test]
fn plain_http_to_an_https_server_is_an_error_not_a_hang() {
    let s = https_server("plain");
    let url = s.server.url().replace("https://", "http://");
    let client = builder(&url).build().unwrap();
    let err = client.role_manager().list().unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message, .. } if message.contains("HTTPS server")),
        "{err:?}"
    );
}

/// `openssl s_server` on a free loopback port: TLS that requires a client certificate signed by
/// the test client CA, serving files from its directory as an AIS node's health reply.
struct MutualTlsServer {
    child: std::process::Child,
    url: String,
}

impl Drop for MutualTlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mutual_tls_server(dir: &std::path::Path, files: &TlsFiles) -> MutualTlsServer {
    let www = dir.join("www");
    std::fs::create_dir_all(www.join("v1")).unwrap();
    // -WWW serves the path after the host as a file, query included.
    std::fs::write(
        www.join("v1/health?cii=true"),
        r#"{"smap":{"uuid":"mtls-cluster-1"}}"#,
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cert"])
        .arg(&files.server_cert)
        .arg("-key")
        .arg(&files.server_key)
        .arg("-CAfile")
        .arg(&files.client_ca)
        .args(["-Verify", "1", "-verify_return_error", "-WWW", "-quiet"])
        .current_dir(&www)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the mutual-TLS test runs `openssl s_server`: install openssl");
    let server = MutualTlsServer {
        child,
        url: format!("https://127.0.0.1:{port}"),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "openssl s_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server
}

#[test]
fn client_certificates_are_presented_to_a_server_that_requires_one() {
    let dir = std::env::temp_dir().join(format!("authn-tls-mtls-{}", std::process::id()));
    let files = make_tls_files(&dir);
    let server = mutual_tls_server(&dir, &files);
    let discover = |client: Client| client.cluster_manager().discover_id(&server.url);

    // With the certificate, from files or from PEM data: the server answers.
    let with_files = builder(&server.url)
        .ca_cert_file(&files.ca)
        .client_cert_file(&files.client_cert, &files.client_key)
        .build()
        .unwrap();
    assert_eq!(discover(with_files).unwrap(), "mtls-cluster-1");
    let with_pem = builder(&server.url)
        .ca_cert_file(&files.ca)
        .client_cert_pem(
            std::fs::read(&files.client_cert).unwrap(),
            std::fs::read(&files.client_key).unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(discover(with_pem).unwrap(), "mtls-cluster-1");

    // Without one, or with one the server's CA did not sign: refused.
    let refused = |client: Client| match discover(client) {
        Err(Error::Transport { .. }) => {}
        other => panic!("expected a refused TLS connection, got {other:?}"),
    };
    refused(
        builder(&server.url)
            .ca_cert_file(&files.ca)
            .build()
            .unwrap(),
    );
    refused(
        builder(&server.url)
            .ca_cert_file(&files.ca)
            .client_cert_file(&files.stranger_cert, &files.stranger_key)
            .build()
            .unwrap(),
    );

    // A file that holds no certificate, or no key, is named by build(); the key never shown.
    let key_text = std::fs::read_to_string(&files.client_key).unwrap();
    let err = builder(&server.url)
        .client_cert_file(&files.client_key, &files.client_key)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("client.key") && m.contains("no PEM certificate")),
        "{err:?}"
    );
    let err = builder(&server.url)
        .client_cert_file(&files.client_cert, &files.client_cert)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("no PEM private key")),
        "{err:?}"
    );
    let key_body: String = key_text.lines().nth(1).unwrap_or_default().to_owned();
    let printed = format!(
        "{:?}",
        builder(&server.url).client_cert_pem(b"cert".to_vec(), key_text.into_bytes())
    );
    assert!(
        !printed.contains(&key_body) && printed.contains("[redacted]"),
        "{printed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
