//! `host-test manifest DIR`: its entry lines are byte for byte what the
//! documented shell one-liner (`find | LC_ALL=C sort -z | xargs sha256sum`)
//! writes, awkward names included; each is followed by its `# size` line;
//! `sha256sum -c --strict` accepts the result; a re-run replaces it without
//! listing it; a missing DIR is named in the error. The coreutils tools are
//! required: a missing one fails the test rather than skipping it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_host-test");

/// The one-liner the manifest's entry lines must equal, run as documented.
const ONE_LINER: &str = r#"cd "$1" && find . -type f ! -path ./SHA256SUMS -printf '%P\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum -- > SHA256SUMS"#;

const MIB: usize = 1024 * 1024;

fn path_of(dir: &Path, relative: &[u8]) -> PathBuf {
    dir.join(OsStr::from_bytes(relative))
}

fn write(dir: &Path, relative: &[u8], content: &[u8]) {
    let path = path_of(dir, relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap_or_else(|error| panic!("{path:?}: {error}"));
}

/// A tree with every kind of name the manifest must handle. Returns the
/// relative paths of the regular files, which are exactly what it must list.
fn make_tree(dir: &Path) -> Vec<Vec<u8>> {
    // 1 MiB that is not one repeated 64 KiB block, so every read counts.
    let mut state = 0x2545_f491_u32;
    let big: Vec<u8> = (0..MIB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let files: Vec<(&[u8], &[u8])> = vec![
        (b"index.html", b"<h1>hi</h1>\n"),
        (b"empty.txt", b""),
        (b"big/one-mib.bin", &big),
        (b"sub dir/file with spaces.txt", b"spaces\n"),
        (b" leading space", b"lead\n"),
        (b"back\\slash.txt", b"backslash\n"),
        (b"new\nline.txt", b"newline\n"),
        (b"carriage\rreturn.txt", b"cr\n"),
        (b"both\\and\nmixed", b"both\n"),
        (b"a/b/caf\xe9.txt", b"latin-1 name\n"),
        (b".hidden", b"hidden\n"),
        (b".config/settings", b"hidden dir\n"),
        (b"a/b/c/deep.txt", b"deep\n"),
        (b"css/style.css", b"body { color: red }\n"),
        (b"css/style.css.gz", b"\x1f\x8b\x08\x00not really gzip"),
        // Whole-path byte order: `a-b.txt` (0x2d) before `a/` (0x2f), and
        // upper case before lower case.
        (b"a-b.txt", b"dash\n"),
        (b"Zebra.txt", b"zebra\n"),
        (b"SHA256SUMS.txt", b"not the manifest\n"),
        (
            b"sub dir/SHA256SUMS",
            b"a nested file named like the manifest\n",
        ),
    ];
    for (name, content) in &files {
        write(dir, name, content);
    }
    std::fs::create_dir(dir.join("empty-dir")).unwrap();
    std::os::unix::fs::symlink("index.html", dir.join("link-to-index")).unwrap();
    std::os::unix::fs::symlink("a", dir.join("linked-dir")).unwrap();
    std::os::unix::fs::symlink("missing", dir.join("dangling")).unwrap();
    let mut names: Vec<Vec<u8>> = files.iter().map(|(name, _)| name.to_vec()).collect();
    names.sort();
    names
}

fn manifest(args: &[&OsStr]) -> Output {
    Command::new(BINARY)
        .arg("manifest")
        .args(args)
        .output()
        .expect("running host-test manifest")
}

/// Runs `command`, which must succeed; `what` names it in failures.
fn succeeds(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running {what} (required): {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn run_ok(args: &[&OsStr]) -> Output {
    let what = format!("host-test manifest {args:?}");
    succeeds(Command::new(BINARY).arg("manifest").args(args), &what)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{path:?}: {error}"))
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    assert!(
        bytes.is_empty() || bytes.ends_with(b"\n"),
        "the last line is unterminated"
    );
    bytes
        .split(|&byte| byte == b'\n')
        .take(bytes.iter().filter(|&&byte| byte == b'\n').count())
        .collect()
}

/// The manifest without its `# size` lines: what sha256sum itself writes.
fn entry_lines(bytes: &[u8]) -> Vec<u8> {
    let mut kept = Vec::new();
    for line in lines(bytes) {
        if !line.starts_with(b"#") {
            kept.extend_from_slice(line);
            kept.push(b'\n');
        }
    }
    kept
}

/// An entry line's (unescaped) path, checking its hash field's shape.
fn entry_path(line: &[u8]) -> Vec<u8> {
    let (escaped, line) = match line.strip_prefix(b"\\") {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let hash = &line[..64];
    assert!(
        hash.iter()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte)),
        "{:?}",
        String::from_utf8_lossy(line)
    );
    assert_eq!(&line[64..66], b"  ", "{:?}", String::from_utf8_lossy(line));
    let name = &line[66..];
    if !escaped {
        assert!(
            !name.contains(&b'\\'),
            "{:?}",
            String::from_utf8_lossy(line)
        );
        return name.to_vec();
    }
    let mut path = Vec::new();
    let mut bytes = name.iter();
    while let Some(&byte) = bytes.next() {
        if byte == b'\\' {
            path.push(match bytes.next() {
                Some(b'\\') => b'\\',
                Some(b'n') => b'\n',
                Some(b'r') => b'\r',
                other => panic!(
                    "bad escape {other:?} in {:?}",
                    String::from_utf8_lossy(line)
                ),
            });
        } else {
            path.push(byte);
        }
    }
    path
}

/// Checks each entry's `# size` line and returns the entries' paths.
fn checked_entries(dir: &Path, bytes: &[u8]) -> Vec<Vec<u8>> {
    let all = lines(bytes);
    assert_eq!(all.len() % 2, 0, "entries and size lines come in pairs");
    all.chunks(2)
        .map(|pair| {
            let path = entry_path(pair[0]);
            let size = std::fs::metadata(path_of(dir, &path)).unwrap().len();
            assert_eq!(
                pair[1],
                format!("# size {size}").as_bytes(),
                "the size line after {:?}",
                String::from_utf8_lossy(pair[0])
            );
            path
        })
        .collect()
}

fn sha256sum_check(dir: &Path, name: &str) -> usize {
    let output = succeeds(
        Command::new("sha256sum")
            .args(["-c", "--strict", name])
            .current_dir(dir),
        &format!("sha256sum -c --strict {name} (coreutils)"),
    );
    lines(&output.stdout)
        .iter()
        .filter(|line| line.ends_with(b": OK"))
        .count()
}

#[test]
fn entry_lines_equal_the_shell_one_liner_and_sizes_follow() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let files = make_tree(dir);

    succeeds(
        Command::new("bash")
            .args(["-c", ONE_LINER, "bash"])
            .arg(dir),
        "the one-liner (bash with find, sort, xargs, sha256sum)",
    );
    let expected = read(&dir.join("SHA256SUMS"));
    // The one-liner really saw the tree, escapes included.
    assert_eq!(lines(&expected).len(), files.len());
    assert!(expected.starts_with(b"\\") || expected.windows(2).any(|w| w == b"\n\\"));

    // Replaces the one-liner's SHA256SUMS, which it must not list.
    let output = run_ok(&[dir.as_os_str()]);
    let ours = read(&dir.join("SHA256SUMS"));
    assert_eq!(
        String::from_utf8_lossy(&entry_lines(&ours)),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(entry_lines(&ours), expected, "byte for byte");

    // Every regular file once, in byte order; no symlink, no manifest.
    assert_eq!(checked_entries(dir, &ours), files);

    let total: u64 = files
        .iter()
        .map(|path| std::fs::metadata(path_of(dir, path)).unwrap().len())
        .sum();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "{} files, {total} bytes hashed -> {}\n",
            files.len(),
            dir.join("SHA256SUMS").display()
        )
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn sha256sum_check_strict_accepts_it() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let files = make_tree(dir);
    run_ok(&[dir.as_os_str()]);
    assert_eq!(sha256sum_check(dir, "SHA256SUMS"), files.len());

    // And it really checks: a changed file fails it.
    write(dir, b"a/b/c/deep.txt", b"changed\n");
    let status = Command::new("sha256sum")
        .args(["-c", "--strict", "--quiet", "SHA256SUMS"])
        .current_dir(dir)
        .output()
        .unwrap()
        .status;
    assert!(!status.success());
}

#[test]
fn a_rerun_replaces_the_manifest_without_listing_it() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut files = make_tree(dir);
    run_ok(&[dir.as_os_str()]);
    let manifest_path = dir.join("SHA256SUMS");
    let first = read(&manifest_path);

    // Created like a shell redirect would create it (0666 less the umask),
    // so a server running as another user can read it.
    std::fs::write(dir.join("probe"), b"").unwrap();
    let fresh_mode = std::fs::metadata(dir.join("probe"))
        .unwrap()
        .permissions()
        .mode();
    std::fs::remove_file(dir.join("probe")).unwrap();
    let mode = std::fs::metadata(&manifest_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, fresh_mode & 0o7777);

    // A replaced manifest keeps the mode it was given.
    std::fs::set_permissions(&manifest_path, std::fs::Permissions::from_mode(0o640)).unwrap();
    write(dir, b"a/b/c/deep.txt", b"changed\n");
    write(dir, b"new file", b"new\n");
    files.push(b"new file".to_vec());
    files.sort();
    run_ok(&[dir.as_os_str()]);
    let second = read(&manifest_path);
    assert_ne!(first, second);
    assert_eq!(checked_entries(dir, &second), files);
    assert_eq!(sha256sum_check(dir, "SHA256SUMS"), files.len());
    let mode = std::fs::metadata(&manifest_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o640);

    // No temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.as_bytes().ends_with(b".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // `--output -` prints the same manifest and writes nothing.
    let printed = run_ok(&[OsStr::new("--output"), OsStr::new("-"), dir.as_os_str()]);
    assert_eq!(printed.stdout, second);
    assert_eq!(read(&manifest_path), second);

    // `--name`: that file is the one left out (SHA256SUMS is now listed),
    // and so is an `--output` inside DIR.
    run_ok(&[
        OsStr::new("--name"),
        OsStr::new("MANIFEST"),
        dir.as_os_str(),
    ]);
    let named = read(&dir.join("MANIFEST"));
    let mut with_sums = files.clone();
    with_sums.push(b"SHA256SUMS".to_vec());
    with_sums.sort();
    assert_eq!(checked_entries(dir, &named), with_sums);

    // Here `--name` is the default again: SHA256SUMS is left out too.
    let output = dir.join("sub dir/listing");
    run_ok(&[OsStr::new("--output"), output.as_os_str(), dir.as_os_str()]);
    let mut with_named = files.clone();
    with_named.push(b"MANIFEST".to_vec());
    with_named.sort();
    assert_eq!(checked_entries(dir, &read(&output)), with_named);
    assert_eq!(read(&manifest_path), second);
}

#[test]
fn a_missing_dir_fails_naming_it() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("no such dir");
    let output = manifest(&[missing.as_os_str()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(!missing.exists());

    let file = temp.path().join("a file");
    std::fs::write(&file, b"x").unwrap();
    let output = manifest(&[file.as_os_str()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
}
