//! A directory as one tar download (`DIRECTORY_DOWNLOAD=tar`, `GET
//! /dir/?download=tar`) on every body path: the system `tar` extracts exactly
//! the visible files, byte for byte (long and non-ASCII names through pax
//! headers, no hidden or rule files, no symlink followed); a file that
//! changes while it is archived ends the response in an error; without the
//! setting the query does nothing.

use std::fs::OpenOptions;
use std::io::Write;

use crate::common::archive_files::{every_file, extract, visible_files};
use crate::common::*;
use host_test::{get, read_all, read_then_stall, Outcome, StreamEnd};
use http::Method;

const TAR: [(&str, &str); 1] = [("DIRECTORY_DOWNLOAD", "tar")];

fn long_name() -> String {
    format!("{}.txt", "long-name-".repeat(15))
}

fn archive_site() -> Site {
    let site = Site::new();
    site.file("tree/sub/deep/big.bin", 300 * KIB + 7);
    site.text(&format!("tree/sub/{}", long_name()), "long");
    site.texts(&[
        ("tree/a.txt", "a"),
        ("tree/é ü.txt", "utf-8"),
        ("tree/.hidden", "never"),
        ("tree/sub/.env", "never"),
        ("_headers", "/a\n  X-A: 1\n"),
        ("_redirects", "/old /new 301\n"),
        ("top.txt", "top"),
    ]);
    std::fs::create_dir_all(site.root().join("tree/empty")).unwrap();
    std::os::unix::fs::symlink("a.txt", site.root().join("tree/link.txt")).unwrap();
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_tar_extracts_the_visible_tree_byte_for_byte() {
    let site = archive_site();
    let tree = visible_files(&site.root().join("tree"), &[]);
    assert!(tree.contains_key(&format!("sub/{}", long_name())) && tree.len() == 4);
    let whole_site = visible_files(&site.root(), &["_headers", "_redirects"]);
    for (build, path_name, mut env) in every_body_path() {
        env.extend(TAR);
        let what = format!("{build:?} {path_name}");
        let server = site.server_of(build, &env);
        let f = fetch(&server, Method::GET, "/tree/?download=tar", &[]).await;
        assert_clean(&f, &what);
        assert_eq!(f.status, 200, "{what}");
        assert_eq!(
            header(&f.headers, "content-type"),
            Some("application/x-tar")
        );
        assert_eq!(
            header(&f.headers, "content-length"),
            None,
            "{what}: streamed"
        );
        assert!(
            header(&f.headers, "content-disposition")
                .unwrap()
                .contains("filename=\"tree.tar\""),
            "{what}"
        );
        assert_eq!(f.body.len() % 512, 0, "{what}: whole blocks");
        let out = extract(&f.body, &what);
        let extracted = out.path().join("x");
        assert_eq!(every_file(&extracted.join("tree")), tree, "{what}");
        assert!(
            extracted.join("tree/empty").is_dir(),
            "{what}: empty directories too"
        );
        assert!(
            !extracted.join("tree/link.txt").exists(),
            "{what}: no symlink followed"
        );

        // The site's root, under the folder `site`, without the rule files.
        let f = fetch(&server, Method::GET, "/?download=tar", &[]).await;
        assert_clean(&f, &what);
        let out = extract(&f.body, &what);
        assert_eq!(every_file(&out.path().join("x/site")), whole_site, "{what}");

        // HEAD: the headers alone.
        let f = fetch(&server, Method::HEAD, "/tree/?download=tar", &[]).await;
        assert!(f.body.is_empty() && f.status == 200, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_the_query_does_nothing() {
    let site = archive_site();
    for (build, server) in site.servers(&[("DIRECTORY_LISTING", "true")]) {
        let f = fetch(&server, Method::GET, "/tree/?download=tar", &[]).await;
        assert_eq!(f.status, 200, "{build:?}");
        assert_eq!(
            header(&f.headers, "content-type"),
            Some("text/html; charset=utf-8")
        );
        let server = site.server_of(build, &[]);
        let f = fetch(&server, Method::GET, "/tree/?download=tar", &[]).await;
        assert_eq!(f.status, 404, "{build:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_changes_while_archived_ends_in_an_error() {
    let site = Site::new();
    for (build, mode) in builds_and_modes() {
        for change in ["shrinks", "grows"] {
            let what = format!("{build:?} {mode} {change}");
            let dir = format!("{change}-{build:?}-{mode}");
            let path = site.file(&format!("{dir}/file.bin"), 10 * MIB);
            let server =
                site.server_of(build, &[("TRANSFER", mode), ("DIRECTORY_DOWNLOAD", "tar")]);
            let ex = server
                .handle(get(&format!("/{dir}/?download=tar")))
                .await
                .unwrap();
            let (_, body) = read_then_stall(ex.body, CHUNK).await;
            let mut file = OpenOptions::new().append(true).open(&path).unwrap();
            match change {
                "shrinks" => file.set_len(MIB).unwrap(),
                _ => file.write_all(b"more").unwrap(),
            }
            let (_, rest) = read_all(body).await;
            assert!(
                matches!(rest.end, StreamEnd::Error(_)),
                "{what}: an archive must not end cleanly: {rest:?}"
            );
            assert_eq!(ex.report.wait().await.outcome, Outcome::Aborted, "{what}");
        }
    }
}
