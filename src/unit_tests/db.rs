//! The installed database's commit and rollback, on a real data dir.

use crate::db::{self, FileRecord, Op, Record};
use crate::kinds::{Backend, BuildFlavor};
use std::path::Path;

fn record(id: &str, version: &str, file: &Path) -> Record {
    Record {
        id: id.into(),
        worker: "hello".into(),
        feature: "cpu".into(),
        version: version.into(),
        backend: Backend::Cargo,
        flavor: BuildFlavor::Local,
        source: "local".into(),
        files: vec![FileRecord {
            path: file.to_path_buf(),
            sha256: "0".repeat(64),
        }],
        git_commit: None,
        installed_at: 0,
        origin: None,
        reason: Default::default(),
        requires: Vec::new(),
        extra: Default::default(),
    }
}

#[test]
fn a_commit_whose_rename_fails_restores_the_records_and_removes_the_staged_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let dest = dir.path().join("bin/hello-cpu");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, "old").unwrap();
    {
        let mut l = db::lock(&data).unwrap();
        l.db.installed
            .insert("hello-cpu".into(), record("hello-cpu", "1.0.0", &dest));
        l.commit(Vec::new()).unwrap();
    }
    // The destination became a directory after it was checked: the rename cannot apply.
    std::fs::remove_file(&dest).unwrap();
    std::fs::create_dir(&dest).unwrap();
    let mut l = db::lock(&data).unwrap();
    // Staged under the lock (taking it sweeps staged files nobody owns).
    let staged = dir.path().join("bin/.hello-cpu.rbee-1");
    std::fs::write(&staged, "new").unwrap();
    l.db.installed
        .insert("hello-cpu".into(), record("hello-cpu", "2.0.0", &dest));
    l.db.installed
        .insert("other-cpu".into(), record("other-cpu", "1.0.0", &dest));
    let err = l
        .commit(vec![Op::Rename {
            from: staged.clone(),
            to: dest.clone(),
        }])
        .unwrap_err();
    assert!(err.to_string().contains("cannot install"), "{err}");
    assert_eq!(l.db.installed["hello-cpu"].version, "1.0.0");
    assert!(!l.db.installed.contains_key("other-cpu"));
    assert!(!staged.exists());
    drop(l);
    let on_disk = db::read(&data).unwrap();
    assert!(on_disk.journal.is_empty() && on_disk.undo.is_empty());
    assert_eq!(on_disk.installed.len(), 1);
    assert_eq!(on_disk.installed["hello-cpu"].version, "1.0.0");
}

#[test]
fn a_delete_that_fails_keeps_the_change_and_clears_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A directory cannot be removed with remove_file, as a file that cannot be deleted.
    let stuck = dir.path().join("stuck");
    std::fs::create_dir(&stuck).unwrap();
    let mut l = db::lock(&data).unwrap();
    l.db.installed
        .insert("hello-cpu".into(), record("hello-cpu", "1.0.0", &stuck));
    l.commit(Vec::new()).unwrap();
    l.db.installed.remove("hello-cpu");
    l.commit(vec![Op::Delete {
        path: stuck.clone(),
    }])
    .unwrap();
    assert!(l.db.installed.is_empty());
    drop(l);
    assert!(db::read(&data).unwrap().journal.is_empty());
}
