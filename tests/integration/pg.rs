//! A real PostgreSQL for the registry tests: a cluster made by `initdb` in a temp dir,
//! started by `pg_ctl` on 127.0.0.1 and a free port (its socket inside the temp dir), and
//! stopped on drop. `initdb` refuses root, so as root the binaries run as `rbee-test` (as
//! makepkg does) in a temp dir it can write. Missing postgres skips locally, fails in CI.

use crate::tools;
use std::path::{Path, PathBuf};

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    running: bool,
}

/// The directory of Debian's (or any) `initdb` and `pg_ctl`.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = glob::glob("/usr/lib/postgresql/*/bin/initdb")
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    found.sort();
    if let Some(p) = found.pop() {
        return p.parent().map(Path::to_path_buf);
    }
    tools::which("initdb").and_then(|p| p.parent().map(Path::to_path_buf))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn sh(p: &Path) -> String {
    tools::sh(p)
}

impl Postgres {
    /// A running cluster, or None (skipped with the reason) when postgres is not installed.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            tools::skip(
                "initdb (postgresql)",
                "the registry tests run against a real PostgreSQL",
            );
            return None;
        };
        let dir = tools::shared_tempdir();
        let data = dir.path().join("data");
        let script = format!(
            "set -e; {initdb} -D {data} -U rbee --auth=trust -E UTF8 >{log}.initdb 2>&1",
            initdb = sh(&bin.join("initdb")),
            data = sh(&data),
            log = sh(&dir.path().join("log")),
        );
        let out = tools::unprivileged(&script);
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.path().join("log.initdb")).unwrap_or_default()
        );
        let mut pg = Postgres {
            dir,
            bin,
            port: 0,
            running: false,
        };
        pg.up();
        Some(pg)
    }

    fn pg_ctl(&self, args: &str) -> std::process::Output {
        let script = format!(
            "{pg_ctl} -D {data} {args}",
            pg_ctl = sh(&self.bin.join("pg_ctl")),
            data = sh(&self.dir.path().join("data")),
        );
        tools::unprivileged(&script)
    }

    /// Starts (or restarts) the server on a fresh port… the same port once it has one.
    pub fn up(&mut self) {
        if self.port == 0 {
            self.port = free_port();
        }
        let sock = self.dir.path().join("sock");
        std::fs::create_dir_all(&sock).unwrap();
        tools::chmod_all(&sock);
        let out = self.pg_ctl(&format!(
            "-w -t 60 -l {log} -o {opts} start",
            log = sh(&self.dir.path().join("log")),
            opts = sh(Path::new(&format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=on",
                self.port,
                sock.display()
            ))),
        ));
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
        );
        self.running = true;
    }

    /// Stops the server at once (in-flight transactions are lost, committed ones are not).
    pub fn down(&mut self) {
        if self.running {
            let _ = self.pg_ctl("-w -m immediate stop");
            self.running = false;
        }
    }

    pub fn url(&self) -> String {
        format!("postgres://rbee@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.down();
    }
}
