//! A real `redis-server` for the Redis backend's tests: started on a free
//! port of 127.0.0.1 in a temp dir, stopped (and the dir removed) on drop.
//!
//! When no `redis-server` binary exists the tests skip with a message,
//! unless `SEAWALL_REQUIRE_REDIS=1` (set by `make test`, which installs
//! the Debian package first), where a missing binary fails them.

// Real time on purpose: these tests measure a real server's deadlines.
#![allow(clippy::disallowed_methods)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A running (or stopped, or frozen) redis-server owned by a test.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// Its working dir (holds the unix socket and any TLS files).
    pub dir: PathBuf,
    /// Its TLS port on 127.0.0.1, when started with [`start_tls`](Self::start_tls).
    pub tls_port: Option<u16>,
    args: Vec<String>,
}

/// The redis-server binary, if one is installed.
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

static SEQ: AtomicU64 = AtomicU64::new(0);

impl RedisServer {
    /// Starts one, or `None` (after printing why) when there is no binary.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// Starts one that also listens for TLS on [`tls_port`](Self::tls_port)
    /// (plain TCP stays on `port` for admin commands). Its certificate, for
    /// `127.0.0.1` and `localhost`, is signed by a throwaway CA made here
    /// with `openssl`: [`ca_file`](Self::ca_file); an unrelated CA is in
    /// [`other_ca_file`](Self::other_ca_file). Clients need no certificate.
    pub fn start_tls() -> Option<Self> {
        Self::start_tls_with(&[])
    }

    /// [`start_tls`](Self::start_tls) with extra `redis-server` arguments.
    pub fn start_tls_with(extra: &[&str]) -> Option<Self> {
        let mut s = Self::start_with(extra)?;
        s.kill();
        make_certs(&s.dir);
        let port = free_port();
        s.tls_port = Some(port);
        let dir = s.dir.display().to_string();
        s.args.extend([
            // 127.0.0.2 too: a host name the certificate does not carry.
            "--bind".into(),
            "127.0.0.1".into(),
            "127.0.0.2".into(),
            "--tls-port".into(),
            port.to_string(),
            "--tls-cert-file".into(),
            format!("{dir}/server.pem"),
            "--tls-key-file".into(),
            format!("{dir}/server.key"),
            "--tls-ca-cert-file".into(),
            format!("{dir}/ca.pem"),
            "--tls-auth-clients".into(),
            "no".into(),
        ]);
        s.restart();
        Some(s)
    }

    /// The PEM file of the CA that signed the TLS certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The PEM file of a CA that signed nothing of this server's.
    pub fn other_ca_file(&self) -> PathBuf {
        self.dir.join("other-ca.pem")
    }

    /// `rediss://<host>:<tls_port>/0` plus `query` (e.g. `?ssl_ca_certs=...`).
    pub fn tls_url(&self, host: &str, query: &str) -> String {
        format!("rediss://{host}:{}/0{query}", self.tls_port.unwrap_or(0))
    }

    /// Starts one with extra `redis-server` arguments (e.g. `--requirepass x`).
    pub fn start_with(extra: &[&str]) -> Option<Self> {
        if binary().is_none() {
            if std::env::var("SEAWALL_REQUIRE_REDIS").as_deref() == Ok("1") {
                panic!("SEAWALL_REQUIRE_REDIS=1 but no redis-server binary on PATH");
            }
            eprintln!(
                "SKIP: no redis-server binary on PATH; `make test` installs it \
                 (scripts/deps-debian.sh redis-server)"
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "seawall-redis-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).ok()?;
        let mut s = Self {
            child: None,
            port: free_port(),
            dir,
            tls_port: None,
            args: extra.iter().map(|a| (*a).to_owned()).collect(),
        };
        s.spawn();
        Some(s)
    }

    fn spawn(&mut self) {
        let bin = binary().unwrap_or_else(|| PathBuf::from("redis-server"));
        let sock = self.dir.join("redis.sock");
        let child = Command::new(bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--unixsocket")
            .arg(&sock)
            .args(["--unixsocketperm", "700"])
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start redis-server: {e}"));
        self.child = Some(child);
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            let tls_up = self
                .tls_port
                .is_none_or(|p| TcpStream::connect(("127.0.0.1", p)).is_ok());
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && sock.exists() && tls_up {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "redis-server did not listen on port {} within 10 s",
            self.port
        );
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// `unix://<dir>/redis.sock`.
    pub fn unix_url(&self) -> String {
        format!("unix://{}", self.dir.join("redis.sock").display())
    }

    /// A plain connection for admin commands (the password, if any, given).
    pub fn admin(&self) -> redis::Connection {
        let url = match self.args.iter().position(|a| a == "--requirepass") {
            Some(i) => format!(
                "redis://:{}@127.0.0.1:{}/0",
                self.args.get(i + 1).map_or("", String::as_str),
                self.port
            ),
            None => self.url(),
        };
        redis::Client::open(url)
            .and_then(|c| c.get_connection())
            .unwrap_or_else(|e| panic!("admin connection: {e}"))
    }

    /// Runs one admin command, returning its reply as a string (or `""`).
    pub fn cmd(&self, args: &[&str]) -> String {
        let mut c = redis::cmd(args.first().copied().unwrap_or("PING"));
        for a in args.iter().skip(1) {
            c.arg(*a);
        }
        let v: redis::Value = c
            .query(&mut self.admin())
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        match v {
            redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            redis::Value::SimpleString(s) => s,
            redis::Value::VerbatimString { text, .. } => text,
            redis::Value::Int(i) => i.to_string(),
            _ => String::new(),
        }
    }

    /// `calls` of each command in `INFO commandstats` (lower-case names).
    pub fn command_calls(&self) -> std::collections::HashMap<String, u64> {
        let info = self.cmd(&["INFO", "commandstats"]);
        let mut m = std::collections::HashMap::new();
        for line in info.lines() {
            let Some(rest) = line.strip_prefix("cmdstat_") else {
                continue;
            };
            let Some((name, stats)) = rest.split_once(':') else {
                continue;
            };
            let calls = stats
                .split(',')
                .find_map(|kv| kv.strip_prefix("calls="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            m.insert(name.to_owned(), calls);
        }
        m
    }

    fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .args([sig, &c.id().to_string()])
                .status();
        }
    }

    /// SIGKILL, and reap it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGSTOP: the server keeps its sockets but answers nothing.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// SIGCONT after [`freeze`](Self::freeze).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    /// Starts it again on the same port (after [`kill`](Self::kill)).
    pub fn restart(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(self.dir.join("redis.sock"));
        self.spawn();
    }
}

/// Writes `ca.pem`, `server.pem`, `server.key` (signed by that CA, for
/// 127.0.0.1 and localhost) and `other-ca.pem` into `dir` with `openssl`
/// (EC P-256 keys, valid one day). Panics when `openssl` fails: the TLS
/// tests must not pass without TLS.
fn make_certs(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("openssl (the TLS tests need it): {e}"));
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for (name, cn) in [("ca", "seawall test CA"), ("other-ca", "seawall other CA")] {
        let (key, pem, subj) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            format!("/CN={cn}"),
        );
        let mut a = vec!["req", "-x509"];
        a.extend(ec);
        a.extend(["-keyout", &key, "-out", &pem, "-days", "1", "-subj", &subj]);
        a.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
        a.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        run(&a);
    }
    let mut a = vec!["req"];
    a.extend(ec);
    a.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    run(&a);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap_or_else(|e| panic!("server.ext: {e}"));
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "server.ext",
    ]);
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.thaw();
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
