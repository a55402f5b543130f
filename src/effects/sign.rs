//! minisign keys and signatures (DESIGN section 12), through the maintained `minisign` crate,
//! in the files the `minisign` tool reads: `key generate` writes an unencrypted key pair,
//! `export --sign` signs `index.json`, and `sync` verifies an index against a pinned key.

use crate::error::{Error, Result};
use minisign::{KeyPair, PublicKey, PublicKeyBox, SecretKeyBox, SignatureBox};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

pub const SECRET_KEY: &str = "rbee-workers.key";
pub const PUBLIC_KEY: &str = "rbee-workers.pub";
/// A detached signature sits beside what it signs, as minisign puts it.
pub const SUFFIX: &str = ".minisig";

/// The largest key or signature file read (they are a few hundred bytes).
const SMALL: u64 = 64 << 10;

fn crypto(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Refused {
        message: format!("{what}: {e}"),
        help: "keys are made by `rbee-workers key generate` (or `minisign -G -W`)".into(),
    }
}

/// Writes a new key pair into `dir`: the secret key (mode 0600) and the public key. Never
/// replaces a key that is there.
pub fn generate(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let (sk_path, pk_path) = (dir.join(SECRET_KEY), dir.join(PUBLIC_KEY));
    for p in [&sk_path, &pk_path] {
        if std::fs::symlink_metadata(p).is_ok() {
            return Err(Error::Refused {
                message: format!("refusing to replace the key {}", p.display()),
                help: "move it away first, or write the new pair elsewhere with --out DIR".into(),
            });
        }
    }
    let KeyPair { pk, sk } =
        KeyPair::generate_unencrypted_keypair().map_err(|e| crypto("cannot make a key", e))?;
    let pk_text = pk
        .to_box()
        .map_err(|e| crypto("cannot encode the public key", e))?
        .to_string();
    let sk_text = sk
        .to_box(Some("rbee-workers secret key (unencrypted)"))
        .map_err(|e| crypto("cannot encode the secret key", e))?
        .to_string();
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    let mut f = open
        .open(&sk_path)
        .map_err(|e| Error::io("create", &sk_path, e))?;
    f.write_all(sk_text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io("write", &sk_path, e))?;
    crate::atomic::write(&pk_path, pk_text.as_bytes())?;
    Ok((sk_path, pk_path))
}

fn read_small(path: &Path) -> Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if !meta.is_file() {
        return Err(Error::Usage(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(SMALL).read_to_string(&mut text))
        .map_err(|e| Error::io("read", path, e))?;
    Ok(text)
}

/// The base64 public key (`RW…`) that `arg` is, or that the file at `arg` holds (a
/// `minisign.pub` or `rbee-workers.pub`).
pub fn public_key(arg: &str) -> Result<String> {
    if let Ok(pk) = PublicKey::from_base64(arg.trim()) {
        return Ok(pk.to_base64());
    }
    let path = Path::new(arg);
    if !path.exists() {
        return Err(Error::Usage(format!(
            "--key `{}` is neither a minisign public key (RW…) nor a file holding one",
            arg.escape_debug()
        )));
    }
    let text = read_small(path)?;
    let parsed = PublicKeyBox::from_string(&text)
        .and_then(PublicKeyBox::into_public_key)
        .or_else(|_| {
            // A file with the bare key line.
            PublicKey::from_base64(text.lines().last().unwrap_or_default().trim())
        })
        .map_err(|e| {
            Error::Usage(format!(
                "{} holds no minisign public key: {e}",
                path.display()
            ))
        })?;
    Ok(parsed.to_base64())
}

/// The signature of `data` by the secret key at `key`, as the text of a `.minisig` file.
pub fn sign(key: &Path, data: &[u8], file_name: &str) -> Result<String> {
    let text = read_small(key)?;
    let sk = SecretKeyBox::from_string(&text)
        .and_then(SecretKeyBox::into_unencrypted_secret_key)
        .map_err(|e| {
            crypto(
                &format!(
                    "{} is not an unencrypted minisign secret key",
                    key.display()
                ),
                e,
            )
        })?;
    let trusted = format!("timestamp:{}\tfile:{file_name}", crate::db::now());
    let sig = minisign::sign(None, &sk, Cursor::new(data), Some(&trusted), None)
        .map_err(|e| crypto("cannot sign", e))?;
    Ok(sig.to_string())
}

/// Whether `signature` (a `.minisig` file's text) is a signature of `data` by `key` (the
/// base64 public key); the error says why not.
pub fn verify(key: &str, data: &[u8], signature: &str) -> std::result::Result<(), String> {
    let pk = PublicKey::from_base64(key).map_err(|e| format!("the pinned key is unusable: {e}"))?;
    let sig = SignatureBox::from_string(signature)
        .map_err(|e| format!("the signature file is not a minisign signature: {e}"))?;
    minisign::verify(&pk, &sig, Cursor::new(data), true, false, false).map_err(|e| e.to_string())
}
