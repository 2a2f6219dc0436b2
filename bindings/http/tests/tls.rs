#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `ordo serve --tls-cert --tls-key`: HTTPS through rustls, with a self-signed certificate
//! made by the test.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use common::{ServeProcess, TempDir, TestServer};
use rustls::pki_types::{CertificateDer, ServerName};

/// Writes a self-signed certificate for `localhost` and its key into `dir`.
fn self_signed(
    dir: &TempDir,
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    CertificateDer<'static>,
) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (dir.path("cert.pem"), dir.path("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, certified.cert.der().clone())
}

/// Sends `request` over TLS (trusting only `root`) and reads the answer until the server
/// closes the connection.
fn https(addr: &str, root: &CertificateDer<'static>, request: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connection =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let socket = TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    tls.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_server_answers_https_with_its_certificate() {
    let dir = TempDir::new("tls");
    let (cert, key, root) = self_signed(&dir);
    let mut config = TestServer::config(&dir);
    config.tls = Some(ordo_http::TlsFiles { cert, key });
    let server = TestServer::run(config, dir);
    let addr = server.base.trim_start_matches("http://").to_string();
    let answer = https(
        &addr,
        &root,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = https(
        &addr,
        &root,
        &format!(
            "GET /v1/rulesets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            common::EVALUATOR
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"rulesets\":[]"), "{answer}");
    // Plain HTTP on the TLS port gets no answer, and the server keeps serving.
    let plain = server.raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert!(!plain.starts_with("HTTP/1.1 200"), "{plain}");
    let answer = https(
        &addr,
        &root,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn ordo_serve_takes_tls_flags_and_refuses_a_bad_key() {
    let dir = TempDir::new("tls-cli");
    let (cert, key, root) = self_signed(&dir);
    let db = dir.path("ordo.db");
    let mut process = ServeProcess::start(&[
        "--db",
        db.to_str().unwrap(),
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let addr = process.base.strip_prefix("https://").unwrap().to_string();
    let answer = https(
        &addr,
        &root,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(process.terminate(), Some(0));
    std::fs::write(&key, "not a key").unwrap();
    let output = std::process::Command::new(common::ordo_binary())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ])
        .args([
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TLS: cannot read the private key"),
        "{stderr}"
    );
}
