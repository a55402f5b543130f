//! What `export --bottles DIR2 --sign KEY` adds to an export (DESIGN section 12): the
//! bottles, copied under `bottles/` and listed per variant in `index.json` (and in
//! `workers/{id}.json`), then a minisign signature of `index.json`. It works on the fresh
//! tree before `export` swaps it in, so a refusal publishes nothing.

use crate::bottle::{self, Bottle, Meta};
use crate::checksum::HashingWriter;
use crate::error::{Error, Result};
use crate::report;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// `--bottles DIR2`: where `build --bottle` wrote them.
    pub bottles: Option<PathBuf>,
    /// `--sign KEY`: the minisign secret key.
    pub sign: Option<PathBuf>,
}

fn refuse(path: &Path, why: String) -> Error {
    Error::UnsafeArchive {
        archive: path.to_path_buf(),
        reason: why,
    }
}

/// The `bottle.json` of the bottle at `path`, checked against the binary it holds.
fn read_bottle(path: &Path) -> Result<Meta> {
    let bad = |e: std::io::Error| refuse(path, format!("it is not a readable .tar.gz ({e})"));
    let f = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let (mut meta, mut binaries) = (None, Vec::new());
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let mut parts = name.splitn(2, '/');
        let (_top, rest) = (parts.next(), parts.next().unwrap_or_default());
        if rest == bottle::META {
            let mut bytes = Vec::new();
            entry
                .by_ref()
                .take(64 << 10)
                .read_to_end(&mut bytes)
                .map_err(bad)?;
            meta = Some(super::pour::parse_meta(&bytes).map_err(|why| refuse(path, why))?);
        } else if let Some(bin) = rest.strip_prefix("bin/").filter(|b| !b.is_empty()) {
            let mut w = HashingWriter::new(std::io::sink());
            std::io::copy(&mut entry, &mut w).map_err(bad)?;
            binaries.push((bin.to_string(), w.finish().1));
        }
    }
    let meta = meta.ok_or_else(|| refuse(path, format!("it has no {}", bottle::META)))?;
    match binaries.iter().find(|(b, _)| *b == meta.binary) {
        Some((_, sha)) if *sha == meta.sha256 => Ok(meta),
        Some((_, sha)) => Err(refuse(
            path,
            format!(
                "its binary hashes to {sha}, and its bottle.json says {}",
                meta.sha256
            ),
        )),
        None => Err(refuse(path, format!("it has no bin/{}", meta.binary))),
    }
}

/// Adds the bottles and the signature to the export in `out`.
pub fn apply(out: &Path, p: &Publish) -> Result<()> {
    if let Some(dir) = &p.bottles {
        add_bottles(out, dir)?;
    }
    if let Some(key) = &p.sign {
        let index = out.join("index.json");
        let data = std::fs::read(&index).map_err(|e| Error::io("read", &index, e))?;
        let sig = crate::sign::sign(key, &data, "index.json")?;
        crate::atomic::write_unsynced(
            &out.join(format!("index.json{}", crate::sign::SUFFIX)),
            sig.as_bytes(),
        )?;
    }
    Ok(())
}

fn add_bottles(out: &Path, dir: &Path) -> Result<()> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("read", dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".bottle.tar.gz"))
        .collect();
    found.sort();
    let index_path = out.join("index.json");
    let mut index = read_json(&index_path)?;
    let mut listed: Vec<(String, Bottle)> = Vec::new();
    for path in found {
        let meta = read_bottle(&path)?;
        let name = bottle::file_name(&meta.id, &meta.version, &meta.target);
        if path.file_name().is_none_or(|n| n.to_string_lossy() != name) {
            return Err(refuse(
                &path,
                format!("its bottle.json describes {name}; rename it, or build it again"),
            ));
        }
        let published = index["workers"]
            .as_array()
            .and_then(|ws| ws.iter().find(|w| w["id"] == meta.id.as_str()))
            .map(|w| w["version"].as_str().unwrap_or_default().to_string());
        match published {
            Some(v) if v == meta.version => {}
            other => {
                report::warn(&format!(
                    "{name} not published: the catalog has {}",
                    match other {
                        Some(v) => format!("{} {v}", meta.id),
                        None => format!("no variant {}", meta.id),
                    }
                ));
                continue;
            }
        }
        let dest = out.join("bottles").join(&name);
        std::fs::create_dir_all(out.join("bottles"))
            .map_err(|e| Error::io("create", out.join("bottles"), e))?;
        std::fs::copy(&path, &dest).map_err(|e| Error::io("copy", &path, e))?;
        let sha256 =
            crate::checksum::sha256_file(&dest).map_err(|e| Error::io("read", &dest, e))?;
        let size = std::fs::metadata(&dest).map_or(0, |m| m.len());
        listed.push((
            meta.id.clone(),
            Bottle {
                target: meta.target.clone(),
                url: format!("bottles/{name}"),
                sha256,
                size,
            },
        ));
    }
    if listed.is_empty() {
        return Ok(());
    }
    let bottles_of = |id: &str| -> serde_json::Value {
        let mut mine: Vec<&Bottle> = listed
            .iter()
            .filter(|(i, _)| i == id)
            .map(|(_, b)| b)
            .collect();
        mine.sort_by(|a, b| a.target.cmp(&b.target));
        serde_json::to_value(mine).expect("bottles serialize")
    };
    let mut ids = Vec::new();
    for w in index["workers"].as_array_mut().into_iter().flatten() {
        let id = w["id"].as_str().unwrap_or_default().to_string();
        if listed.iter().any(|(i, _)| *i == id) {
            w["bottles"] = bottles_of(&id);
            ids.push(id);
        }
    }
    write_json(&index_path, &index)?;
    // Each variant's own document says the same as the index.
    for id in ids {
        let path = out.join("workers").join(format!("{id}.json"));
        let mut one = read_json(&path)?;
        for w in one["workers"].as_array_mut().into_iter().flatten() {
            w["bottles"] = bottles_of(&id);
        }
        write_json(&path, &one)?;
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::io("read", path, std::io::Error::other(e)))
}

fn write_json(path: &Path, doc: &serde_json::Value) -> Result<()> {
    let mut b = serde_json::to_vec_pretty(doc).expect("JSON serializes");
    b.push(b'\n');
    crate::atomic::write_unsynced(path, &b)
}
