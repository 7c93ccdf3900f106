//! The files of a tree as the archive tests compare them, and the system
//! `tar` that extracts an archive.

use std::collections::BTreeMap;
use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every regular file below `dir`, by its path relative to `dir`, with its
/// bytes; hidden names and symlinks left out, and the names in `skip`.
pub fn visible_files(dir: &Path, skip: &[&str]) -> BTreeMap<String, Vec<u8>> {
    files_below(dir, &|name, kind| {
        !name.starts_with('.') && !kind.is_symlink() && !skip.contains(&name)
    })
}

/// Every file below `dir`, hidden or not (a symlink read through), by its
/// path relative to `dir`, with its bytes.
pub fn every_file(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_below(dir, &|_, _| true)
}

/// The files below `dir` whose name and type `keep` accepts, walking only
/// the directories it accepts.
fn files_below(dir: &Path, keep: &dyn Fn(&str, &FileType) -> bool) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&relative)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let path = relative.join(&name);
            let kind = entry.file_type().unwrap();
            if !keep(&name, &kind) {
                continue;
            }
            if kind.is_dir() {
                pending.push(path);
            } else {
                files.insert(
                    path.to_str().unwrap().to_string(),
                    std::fs::read(entry.path()).unwrap(),
                );
            }
        }
    }
    files
}

/// Extracts `archive` with the system `tar` into a new directory.
pub fn extract(archive: &[u8], what: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("archive.tar");
    std::fs::write(&file, archive).unwrap();
    let into = out.path().join("x");
    std::fs::create_dir(&into).unwrap();
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&file)
        .arg("-C")
        .arg(&into)
        .status()
        .expect("the system tar");
    assert!(status.success(), "{what}: tar -x failed");
    out
}
