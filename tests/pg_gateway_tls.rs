//! TLS on both sides with throwaway certificates (rcgen): the listener (verify-full
//! from psql, TLS required, plaintext after an SSLRequest refused) and the upstream
//! (verify-full against a CA file, SCRAM-SHA-256 with tuomin's service password; the
//! disable / require / verify-ca / verify-full modes; MD5 and cleartext logins, the
//! latter only over TLS).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::gateway::Gateway;
use common::pg;

/// A CA and a `localhost` certificate signed by it, as PEM files in `dir`.
struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn certs(dir: &Path) -> Certs {
    certs_for(dir, &rcgen::PKCS_ECDSA_P256_SHA256)
}

/// A fresh CA and its `localhost` certificate, both with keys for `alg` (so the
/// certificate's signature uses `alg`'s hash).
fn certs_for(dir: &Path, alg: &'static rcgen::SignatureAlgorithm) -> Certs {
    let ca_key = rcgen::KeyPair::generate_for(alg).unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tuomin test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let out = Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    };
    std::fs::write(&out.ca, ca.pem()).unwrap();
    std::fs::write(&out.cert, cert.pem()).unwrap();
    std::fs::write(&out.key, key.serialize_pem()).unwrap();
    out
}

/// A gateway in front of `server` whose listener serves TLS with `c` (and only TLS
/// when `required`).
fn tls_gateway(server: &pg::PgServer, c: &Certs, required: bool) -> Gateway {
    let tls = format!(
        "[postgres.tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\nrequired = {required}\n",
        c.cert.display(),
        c.key.display()
    );
    Gateway::start_with(server, &tls, "")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

fn psql_tls(gw: &Gateway, db: &str, ssl: &str) -> std::process::Output {
    common::output_within_limit(
        Command::new("psql")
            .arg(format!(
                "host=localhost port={} user=qa dbname={db} {ssl}",
                gw.port
            ))
            .args([
                "-X",
                "-A",
                "-t",
                "-c",
                "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
            ])
            .env("PGPASSWORD", "qa-secret-1"),
    )
}

#[test]
fn the_listener_speaks_tls_verified_by_psql_and_refuses_plaintext_when_required() {
    let server = pg::server();
    let db = server.fresh_database("gw_tls");
    let dir = tempfile::tempdir().unwrap();
    let c = certs(dir.path());
    let gw = tls_gateway(server, &c, true);
    let ok = psql_tls(
        &gw,
        &db,
        &format!("sslmode=verify-full sslrootcert={}", c.ca.display()),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let plain = psql_tls(&gw, &db, "sslmode=disable");
    assert!(!plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stderr).contains("TLS"));

    // Plaintext bytes pipelined behind the SSLRequest are refused, not read.
    let mut s = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    let mut bytes = vec![0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    bytes.extend_from_slice(b"\0\0\0\x08\0\x03\0\0");
    s.write_all(&bytes).unwrap();
    let mut first = [0u8; 1];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"E", "an error, not 'S'");
}

#[test]
fn psql_binds_its_login_to_the_listeners_certificate_where_the_certificate_allows() {
    let server = pg::server();
    let db = server.fresh_database("gw_tls_binding");
    for (alg, binds) in [
        (&rcgen::PKCS_ECDSA_P256_SHA256, true),
        // The end-point hash follows the certificate's signature: SHA-384 here.
        (&rcgen::PKCS_ECDSA_P384_SHA384, true),
        // Ed25519 has no separate hash: SCRAM-SHA-256-PLUS is not offered.
        (&rcgen::PKCS_ED25519, false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let c = certs_for(dir.path(), alg);
        let gw = tls_gateway(server, &c, false);
        let verified = format!("sslmode=verify-full sslrootcert={}", c.ca.display());
        let required = psql_tls(&gw, &db, &format!("{verified} channel_binding=require"));
        let stderr = String::from_utf8_lossy(&required.stderr);
        if binds {
            assert!(required.status.success(), "{alg:?}: {stderr}");
        } else {
            assert!(!required.status.success(), "{alg:?}");
            assert!(stderr.contains("channel binding"), "{alg:?}: {stderr}");
        }
        // libpq's default (prefer) logs in either way, and so does a client that
        // does not bind at all.
        for binding in ["channel_binding=prefer", "channel_binding=disable"] {
            let out = psql_tls(&gw, &db, &format!("{verified} {binding}"));
            assert!(
                out.status.success(),
                "{alg:?} {binding}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Without TLS nothing can be bound: libpq refuses to go on.
        let plain = psql_tls(&gw, &db, "sslmode=disable channel_binding=require");
        assert!(!plain.status.success(), "{alg:?}");
    }
}

/// A throwaway cluster with TLS on (a fresh CA's `localhost` certificate), the given
/// `pg_hba.conf` and extra settings; the folder holding the certificates, the
/// certificates and the server.
fn tls_upstream(hba_text: &str, extra: &[&str]) -> (tempfile::TempDir, Certs, pg::PgServer) {
    let files = tempfile::Builder::new()
        .prefix("tuomin-upstream-tls")
        .tempdir()
        .unwrap();
    let c = certs(files.path());
    let server = tls_cluster(files.path(), &c, hba_text, extra);
    (files, c, server)
}

fn tls_cluster(dir: &Path, c: &Certs, hba_text: &str, extra: &[&str]) -> pg::PgServer {
    let hba = dir.join("pg_hba.conf");
    std::fs::write(&hba, hba_text).unwrap();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let mut perms = std::fs::metadata(&c.key).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(&c.key, perms).unwrap();
    let mut dir_perms = std::fs::metadata(dir).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut dir_perms, 0o755);
    std::fs::set_permissions(dir, dir_perms).unwrap();
    let mut args: Vec<String> = vec![
        "ssl=on".into(),
        format!("ssl_cert_file={}", c.cert.display()),
        format!("ssl_key_file={}", c.key.display()),
        format!("hba_file={}", hba.display()),
    ];
    args.extend(extra.iter().map(|e| e.to_string()));
    let args: Vec<String> = args
        .into_iter()
        .flat_map(|a| ["-c".to_owned(), a])
        .collect();
    pg::throwaway_cluster(&args)
}

#[test]
fn the_upstream_is_reached_over_verified_tls_with_scram() {
    let (dir, c, upstream) = tls_upstream(
        "local all all trust\nhostssl all tuomin_svc 127.0.0.1/32 scram-sha-256\n\
         host all tuomin_svc 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 trust\n",
        &["password_encryption=scram-sha-256"],
    );
    let db = upstream.demo_database("gw_uptls", 5, 3);
    upstream.psql(&db, "create role tuomin_svc login password 'svc-pass'; grant select on all tables in schema public to tuomin_svc");
    let password_file = dir.path().join("svc.pass");
    std::fs::write(&password_file, "svc-pass\n").unwrap();
    let mut service = upstream.clone();
    service.user = "tuomin_svc".into();
    let upstream_extra = format!(
        "password_file = \"{}\"\ntls = \"verify-full\"\nca_file = \"{}\"\nserver_name = \"localhost\"\n",
        password_file.display(),
        c.ca.display()
    );
    let gw = Gateway::start_with(&service, "", &upstream_extra);
    let qa = gw.as_consumer("qa", &db);
    let out = qa.psql(
        &db,
        "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
    );
    assert_eq!(out.trim(), "t", "the upstream session is encrypted");
    let cards = qa.psql(&db, "select card_no from cards order by card_id limit 1");
    let real = upstream.psql(&db, "select card_no from cards order by card_id limit 1");
    assert_eq!(cards.trim().len(), real.trim().len());
    assert_ne!(cards.trim(), real.trim(), "masked through the TLS upstream");

    // The wrong CA: the upstream's certificate is refused.
    let other = tempfile::tempdir().unwrap();
    let wrong = certs(other.path());
    let upstream_extra = format!(
        "password_file = \"{}\"\ntls = \"verify-full\"\nca_file = \"{}\"\nserver_name = \"localhost\"\n",
        password_file.display(),
        wrong.ca.display()
    );
    let gw = Gateway::start_with(&service, "", &upstream_extra);
    let out = gw
        .as_consumer("qa", &db)
        .psql_output(&db, &["-X", "-c", "select 1"]);
    assert!(!out.status.success());
}

/// A password file `name` in `dir` holding `password`.
fn password_file(dir: &Path, name: &str, password: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{password}\n")).unwrap();
    path
}

/// `server` as seen by the role `user`.
fn as_user(server: &pg::PgServer, user: &str) -> pg::PgServer {
    let mut s = server.clone();
    s.user = user.into();
    s
}

/// What `qa` gets through a gateway whose upstream section is `upstream_extra`, logged
/// in as `service`: the `ssl` flag of the upstream session, or the failure.
fn through(service: &pg::PgServer, db: &str, upstream_extra: &str) -> Result<String, String> {
    let gw = Gateway::start_with(service, "", upstream_extra);
    let out = gw.as_consumer("qa", db).psql_output(
        db,
        &[
            "-X",
            "-A",
            "-t",
            "-c",
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if out.status.success() {
        Ok(text)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn upstream_tls_modes_and_md5_and_cleartext_logins_behave_like_libpq() {
    let (dir, c, upstream) = tls_upstream(
        "local all all trust\nhost all svc_md5 127.0.0.1/32 md5\n\
         host all svc_clear 127.0.0.1/32 password\nhost all all 127.0.0.1/32 trust\n",
        &["password_encryption=md5"],
    );
    let db = upstream.demo_database("gw_upmodes", 3, 5);
    upstream.psql(
        &db,
        "create role svc_md5 login password 'md5-pass'; \
         create role svc_clear login password 'clear-pass'; \
         grant select on all tables in schema public to svc_md5, svc_clear",
    );
    let other = tempfile::tempdir().unwrap();
    let wrong = certs(other.path());
    let (md5_pass, clear_pass) = (
        password_file(dir.path(), "md5.pass", "md5-pass"),
        password_file(dir.path(), "clear.pass", "clear-pass"),
    );
    let (md5, clear) = (
        as_user(&upstream, "svc_md5"),
        as_user(&upstream, "svc_clear"),
    );
    let lines = |pass: &Path, tls: &str, ca: Option<&Path>, name: &str| {
        let ca = ca
            .map(|p| format!("ca_file = \"{}\"\n", p.display()))
            .unwrap_or_default();
        format!(
            "password_file = \"{}\"\ntls = \"{tls}\"\n{ca}server_name = \"{name}\"\n",
            pass.display()
        )
    };

    // MD5 over plain TCP (tls = disable) and over TLS without verification (require,
    // whatever CA signed the server's certificate).
    assert_eq!(
        through(&md5, &db, &lines(&md5_pass, "disable", None, "localhost")).as_deref(),
        Ok("f")
    );
    assert_eq!(
        through(&md5, &db, &lines(&md5_pass, "require", None, "localhost")).as_deref(),
        Ok("t")
    );
    // verify-ca checks the chain, not the name; verify-full checks both.
    assert_eq!(
        through(
            &md5,
            &db,
            &lines(&md5_pass, "verify-ca", Some(&c.ca), "not-the-name.example")
        )
        .as_deref(),
        Ok("t")
    );
    assert!(
        through(
            &md5,
            &db,
            &lines(&md5_pass, "verify-ca", Some(&wrong.ca), "localhost")
        )
        .is_err()
    );
    let wrong_name = through(
        &md5,
        &db,
        &lines(
            &md5_pass,
            "verify-full",
            Some(&c.ca),
            "not-the-name.example",
        ),
    )
    .expect_err("the name is checked");
    // The client is told the handshake failed, not the names the operator configured
    // or the certificate holds.
    assert!(
        wrong_name.contains("TLS handshake with the upstream server failed"),
        "{wrong_name}"
    );
    assert!(!wrong_name.contains("not-the-name"), "{wrong_name}");
    // A cleartext password goes only over TLS; over plain TCP tuomin refuses to send it.
    assert_eq!(
        through(
            &clear,
            &db,
            &lines(&clear_pass, "require", None, "localhost")
        )
        .as_deref(),
        Ok("t")
    );
    let refused = through(
        &clear,
        &db,
        &lines(&clear_pass, "disable", None, "localhost"),
    );
    let err = refused.expect_err("cleartext over plain TCP is refused");
    assert!(
        !err.contains("clear-pass"),
        "the service password never shows: {err}"
    );
    // A wrong service password is refused, and never shown either.
    let bad = password_file(dir.path(), "bad.pass", "not-the-password");
    let err =
        through(&md5, &db, &lines(&bad, "disable", None, "localhost")).expect_err("bad password");
    assert!(!err.contains("not-the-password"), "{err}");
}

#[test]
fn the_upstream_login_is_bound_to_its_certificate_and_require_refuses_unbindable_logins() {
    let (dir, _c, upstream) = tls_upstream(
        "local all all trust\nhostssl all svc_scram 127.0.0.1/32 scram-sha-256\n\
         host all svc_scram 127.0.0.1/32 scram-sha-256\nhost all svc_md5 127.0.0.1/32 md5\n\
         host all all 127.0.0.1/32 trust\n",
        &[],
    );
    let db = upstream.demo_database("gw_upbinding", 3, 5);
    upstream.psql(
        &db,
        "set password_encryption = 'scram-sha-256'; \
         create role svc_scram login password 'scram-pass'; \
         set password_encryption = 'md5'; \
         create role svc_md5 login password 'md5-pass'; \
         grant select on all tables in schema public to svc_scram, svc_md5",
    );
    let (scram_pass, md5_pass) = (
        password_file(dir.path(), "scram.pass", "scram-pass"),
        password_file(dir.path(), "md5.pass", "md5-pass"),
    );
    let lines = |pass: &Path, tls: &str, binding: &str| {
        format!(
            "password_file = \"{}\"\ntls = \"{tls}\"\nchannel_binding = \"{binding}\"\n",
            pass.display()
        )
    };
    // Logs in through a gateway whose upstream login is `user` with `pass`; the query
    // answers whether the upstream connection is TLS.
    let login = |user: &str, pass: &Path, tls: &str, binding: &str| {
        through(&as_user(&upstream, user), &db, &lines(pass, tls, binding))
    };
    // Bound to the upstream's certificate (PostgreSQL checks the binding data: a wrong
    // hash is refused there), and, with `prefer` or `disable`, not bound: all log in.
    for binding in ["require", "prefer", "disable"] {
        let tls = login("svc_scram", &scram_pass, "require", binding);
        assert_eq!(tls.as_deref(), Ok("t"), "{binding}");
    }
    // Without TLS the same role logs in with `prefer`: nothing to bind to. So does MD5.
    let plain = login("svc_scram", &scram_pass, "disable", "prefer");
    assert_eq!(plain.as_deref(), Ok("f"));
    let md5 = login("svc_md5", &md5_pass, "require", "prefer");
    assert_eq!(md5.as_deref(), Ok("t"));
    // `require` refuses, before anything is sent, what cannot be bound: an MD5 login and
    // a trust login (no password asked).
    for (user, says) in [
        ("svc_md5", &["channel binding is required", "MD5"][..]),
        ("postgres", &["without a bound SCRAM login"][..]),
    ] {
        let refused = login(user, &md5_pass, "require", "require").expect_err(user);
        assert!(
            says.iter().all(|s| refused.contains(s)),
            "{user}: {refused}"
        );
    }
}

/// A TLS client that opens with its handshake (PostgreSQL 17's `sslnegotiation=direct`),
/// trusting `ca` and naming `alpn`; the first bytes the gateway sends back after
/// `startup`, or what went wrong.
fn direct_tls(port: u16, ca: &Path, alpn: &[&[u8]], startup: &[u8]) -> Result<Vec<u8>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let conn =
        rustls::ClientConnection::new(std::sync::Arc::new(config), "localhost".try_into().unwrap())
            .unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(startup).map_err(|e| e.to_string())?;
    let mut head = [0u8; 9];
    tls.read_exact(&mut head).map_err(|e| e.to_string())?;
    Ok(head.to_vec())
}

#[test]
fn a_client_opening_with_tls_directly_is_served_when_it_names_postgresql() {
    let server = pg::server();
    let db = server.fresh_database("gw_tls_direct");
    let dir = tempfile::tempdir().unwrap();
    let c = certs(dir.path());
    let gw = tls_gateway(server, &c, true);
    let hello = common::wire::startup("qa", &db, &[]);
    // AuthenticationSASL (R, code 10): the login goes on, encrypted as required.
    let head = direct_tls(gw.port, &c.ca, &[b"postgresql"], &hello).expect("served");
    assert_eq!((head[0], &head[5..9]), (b'R', &10u32.to_be_bytes()[..]));
    // Without the ALPN protocol: an error over the TLS just made, no login.
    let head = direct_tls(gw.port, &c.ca, &[], &hello).expect("an error message");
    assert_eq!(head[0], b'E', "{head:?}");
    // With another protocol only: the handshake itself fails.
    assert!(direct_tls(gw.port, &c.ca, &[b"http/1.1"], &hello).is_err());
    // The SSLRequest way still works (psql 15 here).
    let ok = psql_tls(
        &gw,
        &db,
        &format!("sslmode=verify-full sslrootcert={}", c.ca.display()),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // A listener without TLS closes a connection that opens with a handshake.
    let plain = Gateway::start(server);
    assert!(direct_tls(plain.port, &c.ca, &[b"postgresql"], &hello).is_err());
}
