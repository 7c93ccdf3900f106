//! `host-test manifest DIR`: writes the content manifest the component reads
//! with a binary search. The entry lines are exactly what
//! `cd DIR && find . -type f ! -path ./SHA256SUMS -printf '%P\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum -- > SHA256SUMS`
//! prints, so `sha256sum -c` checks a tree against it; each entry is followed
//! by a `# size N` line, which `sha256sum -c --strict` skips as a comment.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::Args;
use sha2::{Digest, Sha256};
use wasi_fileserver_core::manifest::digest::Sha256Digest;
use wasi_fileserver_core::manifest::line::entry_lines;

/// Read buffer for hashing: files are streamed, never loaded whole.
const READ_BUFFER: usize = 64 * 1024;

/// Write a sha256sum-format manifest of every regular file under DIR.
///
/// One `<sha-256>  <path>` line per regular file (symlinks are neither
/// followed nor listed), sorted by the path's bytes (`LC_ALL=C sort`), each
/// followed by `# size <bytes>`. Names with `\`, newline or carriage return
/// are escaped as sha256sum escapes them. The manifest is written to a
/// temporary file and renamed into place, so a reader never sees half of it.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Directory to list.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The manifest's file name at DIR's root; that file is never listed.
    #[arg(long, value_name = "NAME", default_value = "SHA256SUMS")]
    name: OsString,
    /// Write the manifest here instead of DIR/NAME (`-`: stdout); left out
    /// of the listing when it is inside DIR.
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
}

/// One regular file: its path relative to DIR as raw bytes ('/'-separated),
/// its digest and the number of bytes hashed.
struct Entry {
    path: Vec<u8>,
    digest: Sha256Digest,
    size: u64,
}

/// Runs the command; the caller prints the error and sets the exit code.
pub fn run(args: ManifestArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    let meta = fs::metadata(dir).with_context(|| format!("reading directory {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    if !is_single_name(&args.name) {
        bail!(
            "--name {:?} must be a plain file name (the manifest lives at DIR's root)",
            args.name
        );
    }

    // Relative paths (as bytes) that are the manifest itself, never listed.
    let mut excluded = vec![args.name.as_bytes().to_vec()];
    let target = match &args.output {
        Some(path) if path.as_os_str() == "-" => None,
        Some(path) => {
            if let Some(inside) = relative_inside(dir, path)? {
                excluded.push(inside);
            }
            Some(path.clone())
        }
        None => Some(dir.join(&args.name)),
    };

    let mut entries = Vec::new();
    walk(dir, &excluded, &mut entries)?;
    // Whole-path byte order, as `LC_ALL=C sort -z` orders `find`'s `%P`
    // (so `a-b` sorts before `a/b`); the component binary-searches on it.
    entries.sort_unstable_by(|a, b| a.path.cmp(&b.path));

    let total: u64 = entries.iter().map(|entry| entry.size).sum();
    let shown = match &target {
        Some(path) => {
            write_atomically(path, &entries)?;
            path.display().to_string()
        }
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write_manifest(&mut out, &entries)
                .and_then(|()| out.flush())
                .context("writing the manifest to stdout")?;
            "-".to_owned()
        }
    };
    eprintln!("{} files, {total} bytes hashed -> {shown}", entries.len());
    Ok(())
}

/// `--name` is a file at DIR's root: one normal path component.
fn is_single_name(name: &OsString) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) && !name.as_bytes().contains(&b'/')
}

/// If `output` lands inside `dir`, its path relative to `dir` as bytes, so
/// that the listing leaves it out. Compared after resolving symlinks in both
/// (the output itself need not exist yet, its directory must).
fn relative_inside(dir: &Path, output: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    let root = fs::canonicalize(dir).with_context(|| format!("resolving {}", dir.display()))?;
    let Some(file_name) = output.file_name() else {
        bail!("--output {} does not name a file", output.display());
    };
    let parent = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let parent = fs::canonicalize(parent)
        .with_context(|| format!("resolving the directory of {}", output.display()))?;
    Ok(parent
        .join(file_name)
        .strip_prefix(&root)
        .ok()
        .map(|relative| relative.as_os_str().as_bytes().to_vec()))
}

/// Collects every regular file under `root`, like `find -type f`: entries are
/// typed without following symlinks, so symlinks (to files or directories)
/// are skipped and never walked into. An explicit stack keeps deep trees off
/// the call stack.
fn walk(root: &Path, excluded: &[Vec<u8>], entries: &mut Vec<Entry>) -> anyhow::Result<()> {
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut pending: Vec<(PathBuf, Vec<u8>)> = vec![(root.to_path_buf(), Vec::new())];
    while let Some((dir, prefix)) = pending.pop() {
        let listing =
            fs::read_dir(&dir).with_context(|| format!("reading directory {}", dir.display()))?;
        for item in listing {
            let item = item.with_context(|| format!("reading directory {}", dir.display()))?;
            let path = item.path();
            let kind = item
                .file_type()
                .with_context(|| format!("reading the type of {}", path.display()))?;
            let mut relative = prefix.clone();
            if !relative.is_empty() {
                relative.push(b'/');
            }
            relative.extend_from_slice(item.file_name().as_bytes());
            if kind.is_dir() {
                pending.push((path, relative));
            } else if kind.is_file() && !excluded.contains(&relative) {
                let (digest, size) = hash_file(&path, &mut buffer)?;
                entries.push(Entry {
                    path: relative,
                    digest,
                    size,
                });
            }
        }
    }
    Ok(())
}

/// Streams one file through SHA-256; the size is the bytes actually hashed,
/// so it always agrees with the digest even if the file changed since `stat`.
fn hash_file(path: &Path, buffer: &mut [u8]) -> anyhow::Result<(Sha256Digest, u64)> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let read = match file.read(buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
        };
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((Sha256Digest(hasher.finalize().into()), size))
}

/// The manifest's bytes: sha256sum's line for each entry, then its size, as
/// the component's parser reads them (`entry_lines`).
fn write_manifest(out: &mut impl Write, entries: &[Entry]) -> io::Result<()> {
    for entry in entries {
        out.write_all(&entry_lines(&entry.digest, &entry.path, Some(entry.size)))?;
    }
    Ok(())
}

/// Writes a temporary file beside `path`, syncs it and renames it over
/// `path`: a server reading the manifest sees the old one or the new one,
/// never a part. The new file gets the mode of the one it replaces, or, like
/// a shell redirect, 0666 less the umask (not tempfile's private 0600).
fn write_atomically(path: &Path, entries: &[Entry]) -> anyhow::Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    let temporary = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(parent)
        .with_context(|| format!("creating a temporary file in {}", parent.display()))?;
    let written = (|| -> io::Result<()> {
        let mut out = BufWriter::new(temporary.as_file());
        write_manifest(&mut out, entries)?;
        out.flush()?;
        drop(out);
        if let Ok(old) = fs::symlink_metadata(path) {
            if old.is_file() {
                temporary
                    .as_file()
                    .set_permissions(fs::Permissions::from_mode(
                        old.permissions().mode() & 0o7777,
                    ))?;
            }
        }
        temporary.as_file().sync_all()
    })();
    written.with_context(|| format!("writing {}", temporary.path().display()))?;
    temporary
        .persist(path)
        .map_err(|error| error.error)
        .with_context(|| format!("renaming the new manifest to {}", path.display()))?;
    Ok(())
}
