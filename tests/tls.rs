//! HTTPS against the real AuthN server (`net.http.use_https`), with a certificate made here.

mod support;

use aistore_authn::{Client, Error, TransportErrorKind};
use aistore_authn_testkit::LocalServer;
use support::{make_tls_files, TlsFiles};

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
        .https(&files.cert, &files.key, &files.ca)
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

/// Counts this crate's warnings; installed by the one test that looks at them.
static WARNINGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct CountWarnings;

impl log::Log for CountWarnings {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record<'_>) {
        if r.target().starts_with("aistore_authn")
            && r.args().to_string().contains("verification is off")
        {
            WARNINGS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    fn flush(&self) {}
}

#[test]
fn https_with_skip_verify_works_and_warns_once() {
    log::set_logger(&CountWarnings).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let s = https_server("skip");
    for _ in 0..2 {
        let mut client = builder(&s.server.url()).skip_verify(true).build().unwrap();
        client
            .login(s.server.admin_user(), s.server.admin_password(), None)
            .unwrap();
        client.user_manager().list().unwrap();
    }
    assert_eq!(
        WARNINGS.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one warning per process"
    );
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
