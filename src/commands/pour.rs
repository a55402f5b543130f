//! Bottles (DESIGN section 12): `build --bottle` packs a built binary with its license and
//! `bottle.json`; `install` pours a bottle an index source publishes for this host's target —
//! download, the sha256 of the signed index, a safe unpack, the bottle's own account of
//! itself, a smoke test, and the same journalled database change as a build — with no
//! compiler anywhere. A refused bottle leaves nothing installed and nothing in the cache.

use super::Session;
use crate::bottle::{self, Meta};
use crate::build::{self, Backend, Plan, Step};
use crate::catalog::{SourceKind, Variant, Worker};
use crate::checksum::{sha256_file, HashingWriter};
use crate::command::CommandSpec;
use crate::error::{Error, Result};
use crate::manifest::TestSpec;
use std::path::{Path, PathBuf};

/// Whether a variant is poured or built, and why it is built when a bottle was possible.
pub enum Choice {
    Pour(Box<Plan>),
    Build(Option<String>),
}

/// Pours a bottle when the variant comes from an index source that publishes one for this
/// host's target, and the user asked for no build (`--build-from-source`, `--backend`).
pub fn choose(
    s: &mut Session,
    w: &Worker,
    v: &Variant,
    opts: &super::install::Options,
    install: bool,
) -> Result<Choice> {
    if !install || w.source.kind != SourceKind::Index || v.bottles.is_empty() {
        return Ok(Choice::Build(None));
    }
    if opts.build_from_source {
        return Ok(Choice::Build(Some(
            "--build-from-source: the published bottle is not used".into(),
        )));
    }
    if let Some(b) = opts.backend.filter(|b| *b != Backend::Bottle) {
        return Ok(Choice::Build(Some(format!(
            "--backend {}: the published bottle is not used",
            b.name()
        ))));
    }
    let target = host_target(s)?;
    let Some(found) = v.bottles.iter().find(|b| b.target == target) else {
        let published: Vec<&str> = v.bottles.iter().map(|b| b.target.as_str()).collect();
        return Ok(Choice::Build(Some(format!(
            "no bottle for {target} (the source publishes {})",
            published.join(", ")
        ))));
    };
    let settings = super::install::settings(s, opts, install)?;
    let url = bottle::resolve(&w.source.location, &found.url);
    let mut plan = build::bottle_plan(w, v, &settings, &url, &found.sha256, target);
    let signed =
        s.cx.config
            .sources
            .iter()
            .find(|c| c.name == w.source.name)
            .is_some_and(|c| c.key.is_some());
    plan.backend.reason = format!(
        "{} publishes a bottle for {target} ({}); --build-from-source builds it instead",
        w.source.name,
        if signed {
            "its sha256 is in the index signed by the pinned key"
        } else {
            "from an index that is not signed: no --key is pinned for this source"
        }
    );
    Ok(Choice::Pour(Box::new(plan)))
}

fn host_target(s: &mut Session) -> Result<&'static str> {
    let d = s.cx.host()?;
    let (os, arch) = d.host().ok_or_else(|| {
        Error::unsupported(format!("unsupported platform {}/{}", d.os, d.arch), None)
    })?;
    Ok(bottle::host_target(os, arch))
}

/// Runs a bottle plan: every refusal removes the download and the unpacked tree.
pub fn execute(s: &mut Session, w: &Worker, plan: &Plan) -> Result<Vec<PathBuf>> {
    let (mut fetch, mut dest, mut install) = (None, None, None);
    for step in &plan.steps {
        match step {
            Step::Fetch { url, sha256 } => fetch = Some((url, sha256.as_deref())),
            Step::Unpack { dest: d, .. } => dest = Some(d),
            Step::Install { from, to } => install = Some((from, to)),
            _ => {}
        }
    }
    let (Some((url, Some(sha256))), Some(dest), Some((from, to))) = (fetch, dest, install) else {
        unreachable!("a bottle plan fetches with a sum, unpacks and installs")
    };
    let archive = crate::fetch::cache_path(&s.cx.dirs.cache, url);
    let poured = pour(s, w, plan, url, sha256, &archive, dest, from, to);
    let _ = std::fs::remove_dir_all(dest);
    if poured.is_err() {
        let _ = std::fs::remove_file(&archive);
    }
    poured.map(|()| vec![to.clone()])
}

#[allow(clippy::too_many_arguments)]
fn pour(
    s: &mut Session,
    w: &Worker,
    plan: &Plan,
    url: &str,
    sha256: &str,
    archive: &Path,
    dest: &Path,
    from: &Path,
    to: &Path,
) -> Result<()> {
    crate::exec::check_interrupted()?;
    let target = host_target(s)?;
    s.say(&format!(
        "==> pouring {} {} ({target}) from {url}",
        plan.id, plan.version
    ));
    let got = if url.contains("://") {
        crate::fetch::fetch(url, &s.cx.dirs.cache, s.cx.offline, s.cx.verbosity < 0)?.sha256
    } else {
        copy_local(Path::new(url), archive)?
    };
    if got != sha256 {
        return Err(crate::fetch::mismatch(url, sha256, &got));
    }
    crate::exec::check_interrupted()?;
    crate::unpack::unpack(
        archive,
        dest,
        s.cx.unpack_limit.clone().map_err(Error::Usage)?,
    )?;
    let refuse = |why: String| Error::UnsafeArchive {
        archive: archive.to_path_buf(),
        reason: why,
    };
    let top = dest.join(bottle::top_dir(&plan.id, &plan.version));
    let meta = read_meta(&top.join(bottle::META)).map_err(refuse)?;
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(why) = bottle::mismatch(&meta, &plan.id, &plan.version, target, &name) {
        return Err(refuse(format!(
            "it is not the bottle the index lists: {why}"
        )));
    }
    // The binary itself, never a link (even one inside the bottle) to something else.
    if !std::fs::symlink_metadata(from).is_ok_and(|m| m.is_file()) {
        return Err(refuse(format!(
            "it has no regular file bin/{name} (the binary)"
        )));
    }
    super::install::claim_destination(s, plan, to)?;
    let (staged, sha) = super::install::stage(from, to)?;
    if sha != meta.sha256 {
        return Err(refuse(format!(
            "its binary hashes to {sha}, and its bottle.json says {}",
            meta.sha256
        )));
    }
    // The smoke test the worker's manifest names, carried in the bottle (an index has none).
    let test = TestSpec {
        smoke: meta.smoke.clone().or_else(|| w.test.smoke.clone()),
        expect: meta.expect.clone().or_else(|| w.test.expect.clone()),
        ..w.test.clone()
    };
    super::install::smoke(s.runner.as_mut(), &test, &staged, to)?;
    super::install::commit(s, plan, vec![(to.to_path_buf(), sha)], Some(staged))
}

/// `bottle.json` of an unpacked bottle: a regular file of at most 64 KiB that parses.
fn read_meta(path: &Path) -> std::result::Result<Meta, String> {
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 64 << 10) {
        return Err(format!(
            "it has no {} (a regular file of at most 64 KiB)",
            bottle::META
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{} cannot be read: {e}", bottle::META))?;
    parse_meta(&bytes)
}

/// Parses `bottle.json`.
pub fn parse_meta(bytes: &[u8]) -> std::result::Result<Meta, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("its {} does not parse: {e}", bottle::META))
}

/// A bottle an index read from a path lists: copied into the download cache as a download
/// would be (temp file, then rename), and hashed on the way.
fn copy_local(from: &Path, to: &Path) -> Result<String> {
    let meta = std::fs::metadata(from).map_err(|e| Error::io("read", from, e))?;
    if !meta.is_file() {
        return Err(Error::Usage(format!(
            "{} is not a regular file",
            from.display()
        )));
    }
    let dir = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io("create a file in", dir, e))?;
    let mut src = std::fs::File::open(from).map_err(|e| Error::io("read", from, e))?;
    let mut w = HashingWriter::new(tmp.as_file());
    std::io::copy(&mut src, &mut w).map_err(|e| Error::io("copy", from, e))?;
    let (_, sha) = w.finish();
    tmp.persist(to)
        .map_err(|e| Error::io("write", to, e.error))?;
    Ok(sha)
}

/// `rustc -vV`: its version line and host triple, which a bottle records and is named by.
fn rustc_facts(s: &mut Session) -> Result<(String, String)> {
    let cargo = Path::new(&s.cx.config.tools.cargo);
    // The rustc beside the configured cargo, as cargo itself would find it.
    let rustc = cargo
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join("rustc"))
        .filter(|p| p.is_file())
        .map_or_else(|| "rustc".to_string(), |p| p.display().to_string());
    let out = s.runner.capture(&CommandSpec::new(&rustc).arg("-vV"))?;
    let field = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    match (out.lines().next(), field("host:")) {
        (Some(version), Some(host)) if !host.is_empty() => Ok((version.trim().to_string(), host)),
        _ => Err(Error::MissingOutput {
            message: format!("`{rustc} -vV` names no host triple"),
            help: "a bottle is named by its target: check the Rust toolchain".into(),
        }),
    }
}

/// The license files at the top of the worker's crate (else of its workspace root).
fn license_files(w: &Worker) -> Vec<PathBuf> {
    let licensed = |dir: &Path| {
        super::install::files_named(dir, |n| {
            let n = n.to_ascii_uppercase();
            ["LICENSE", "LICENCE", "COPYING"]
                .iter()
                .any(|l| n.starts_with(l))
        })
        .into_iter()
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
        .collect::<Vec<_>>()
    };
    let here = licensed(&w.dir);
    if here.is_empty() {
        licensed(w.krate.build_root())
    } else {
        here
    }
}

/// `build --bottle`: packs the built binary, its license and `bottle.json` into
/// `out/{id}-{version}.{target}.bottle.tar.gz` with the deterministic packer.
pub fn make_bottle(
    s: &mut Session,
    w: &Worker,
    v: &Variant,
    built: &Path,
    out: &Path,
) -> Result<PathBuf> {
    let (rustc, target) = rustc_facts(s)?;
    let version = w.version.to_string();
    let stage = tempfile::tempdir().map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
    let root = stage.path();
    let bin = root.join("bin").join(&v.installed_name);
    std::fs::create_dir_all(root.join("bin")).map_err(|e| Error::io("create", root, e))?;
    std::fs::copy(built, &bin).map_err(|e| Error::MissingOutput {
        message: format!("the build produced no {}: {e}", built.display()),
        help: "check the variant's binary name (`rbee-workers info ID`)".into(),
    })?;
    let sha256 = sha256_file(&bin).map_err(|e| Error::io("read", &bin, e))?;
    set_mode(&bin, 0o755)?;
    let licenses = license_files(w);
    for l in &licenses {
        let to = root.join(l.file_name().expect("a listed file has a name"));
        std::fs::copy(l, &to).map_err(|e| Error::io("copy", l, e))?;
        set_mode(&to, 0o644)?;
    }
    if licenses.is_empty() {
        let spdx = w.license.as_deref().unwrap_or("NOASSERTION");
        crate::atomic::write(
            &root.join("LICENSE"),
            format!("SPDX-License-Identifier: {spdx}\n").as_bytes(),
        )?;
    }
    let meta = Meta {
        id: v.id.clone(),
        version: version.clone(),
        target: target.clone(),
        features: vec![v.feature.clone()],
        rustc,
        binary: v.installed_name.clone(),
        sha256,
        cuda_compute_cap: std::env::var("CUDA_COMPUTE_CAP")
            .ok()
            .filter(|c| !c.is_empty()),
        smoke: w.test.smoke.clone(),
        expect: w.test.expect.clone(),
    };
    let mut json = serde_json::to_vec_pretty(&meta).expect("bottle.json serializes");
    json.push(b'\n');
    crate::atomic::write(&root.join(bottle::META), &json)?;
    let dest = out.join(bottle::file_name(&v.id, &version, &target));
    crate::pack::pack(root, &bottle::top_dir(&v.id, &version), &dest)?;
    Ok(dest)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io("chmod", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
