//! Site rules in both builds: `_redirects` (redirects, rewrites, 404/410
//! pages, forced rules, query passing), `_headers` (per-path headers, removal,
//! placeholders, what a rule may not touch), the rule files never served, and
//! clean URLs with each trailing-slash policy. One case per rule, in
//! site_rules.toml.

use crate::common::case_file::{check_every_case, read_cases};
use crate::common::*;
use http::Method;

const REDIRECTS: &str = "\
# moved blog
/old-blog/*        /blog/:splat        301
/docs/v1/:page     /docs/:page.html    308
/app/*             /app/index.html     200
/gone              /410.html           410
/missing-page      /nope.html          404
/shadow.txt        /elsewhere          301
/forced.txt        /blog/post.html     302!
/external          https://example.com/x
/to-root           /
/see-other         /about.html         303
/temporary         /about.html         307
/private/*         /410.html           404
this line is not a rule
/bad-status        /x                  418
";

const HEADERS: &str = "\
/*
  X-Frame-Options: DENY
/assets/*
  Cache-Control: public, max-age=31536000, immutable
/downloads/:file
  Content-Disposition: attachment; filename=\":file\"
/index.html
  ! X-Frame-Options
/blog/*
  Content-Length: 1
  X-Blog: yes
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule() {
    let cases = read_cases("site_rules.toml", include_str!("site_rules.toml"));
    check_every_case(&site(), &cases).await;
}

fn site() -> Site {
    let site = Site::new();
    site.texts(&[
        ("_redirects", REDIRECTS),
        ("_headers", HEADERS),
        ("index.html", "<h1>home</h1>"),
        ("blog/post.html", "post"),
        ("blog/2024/a.html", "a"),
        ("docs/page.html", "page"),
        ("docs/index.html", "docs"),
        ("app/index.html", "<div id=app></div>"),
        ("410.html", "<h1>gone</h1>"),
        ("shadow.txt", "the file wins"),
        ("forced.txt", "never served"),
        ("assets/app.3f2a.js", "js"),
        ("downloads/tool.tar.gz", "tar"),
        ("about.html", "about"),
        ("config/site-headers", "/*\n  X-Other: elsewhere\n"),
    ]);
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_leave_out_the_rule_files() {
    let site = site();
    for build in BUILDS {
        let server = site.server_of(
            build,
            &[("DIRECTORY_LISTING", "true"), ("INDEX_FILE", "none.html")],
        );
        let f = fetch(&server, Method::GET, "/", &[]).await;
        assert_eq!(f.status, 200, "{build:?}");
        let page = String::from_utf8(f.body).unwrap();
        assert!(page.contains(">about.html<"), "{page}");
        assert!(
            !page.contains("_redirects") && !page.contains("_headers"),
            "{page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_files_cost_no_linear_memory_whatever_their_size() {
    let site = Site::new();
    site.text("a.txt", "a");
    site.sparse("big.bin", 64 * MIB);
    // 50 rules, rule files at the size limit, and over it.
    let mut fifty = String::new();
    for i in 0..50 {
        fifty.push_str(&format!("/old/{i}/* /new/{i}/:splat 301\n"));
    }
    let mut fifty_headers = String::new();
    for i in 0..49 {
        fifty_headers.push_str(&format!("/old/{i}/*\n  X-B: c\n"));
    }
    fifty_headers.push_str("/*\n  X-A: b\n");
    // Up to `bytes` of lines no request matches, then (in `_headers`) one
    // that every request matches: the whole file is read.
    let filler = |line: &str, bytes: usize| {
        let mut text = String::new();
        while text.len() + line.len() <= bytes {
            text.push_str(line);
        }
        text
    };
    let redirects_at = |bytes| {
        filler(
            "/never/matched/path/with/some/length /somewhere/else 301\n",
            bytes,
        )
    };
    // 99 blocks that match nothing, long enough to fill `bytes` (lines stay
    // under the line limit), then a 100th that every request matches.
    let headers_at = |bytes: usize| {
        let last = "/*\n  X-A: b\n";
        let frame = "/never/matched\n  X-B: \n".len();
        let value = ((bytes - last.len()) / 99 - frame).min(1900);
        let block = format!("/never/matched\n  X-B: {}\n", "c".repeat(value));
        block.repeat(99) + last
    };
    let limit = 128 * 1024;
    let cases = [
        (fifty.clone(), fifty_headers, "50 rules"),
        (redirects_at(limit), headers_at(limit), "at the limit"),
        (
            redirects_at(200 * 1024),
            headers_at(200 * 1024),
            "over the limit",
        ),
    ];
    for (redirects, headers, limit_note) in cases {
        site.text("_redirects", &redirects);
        site.text("_headers", &headers);
        let over = limit_note == "over the limit";
        assert_eq!(
            headers.len() > limit,
            over,
            "{limit_note}: {} bytes",
            headers.len()
        );
        assert_eq!(redirects.len() > limit, over, "{limit_note}");
        for build in BUILDS {
            for (env, target, pages) in [
                (vec![], "/a.txt", 1),
                (vec![("TRANSFER", "chunked")], "/big.bin", 2),
            ] {
                let server = site.server_of(build, &env);
                let ex = server.handle(host_test::get(target)).await.unwrap();
                assert_eq!(ex.status, 200, "{build:?} {limit_note}");
                let applied = header(&ex.headers, "x-a").is_some();
                assert_eq!(
                    applied,
                    limit_note != "over the limit",
                    "{build:?} {limit_note}"
                );
                let (summary, _) = host_test::read_hash(ex.body).await;
                assert!(summary.is_clean(), "{build:?} {limit_note} {target}");
                let peak = ex.report.wait().await.peak_memory;
                assert!(
                    peak <= pages * PAGE,
                    "{build:?} {limit_note} {target}: {peak} bytes of linear memory"
                );
            }
        }
    }
    // The rules over the limit are not applied at all.
    let server = site.server_of(Build::P2, &[]);
    let f = fetch(&server, Method::GET, "/a.txt", &[]).await;
    assert_eq!(header(&f.headers, "x-a"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditionals_and_ranges_on_a_rewritten_path_use_the_target() {
    let site = site();
    for (build, server) in site.servers(&[]) {
        let f = fetch(&server, Method::GET, "/app/a/b", &[]).await;
        let etag = header(&f.headers, "etag").unwrap().to_string();
        let direct = fetch(&server, Method::GET, "/app/index.html", &[]).await;
        assert_eq!(
            header(&direct.headers, "etag"),
            Some(etag.as_str()),
            "{build:?}"
        );
        let f = fetch(&server, Method::GET, "/app/c", &[("if-none-match", &etag)]).await;
        assert_eq!(f.status, 304, "{build:?}");
        let f = fetch(&server, Method::GET, "/app/d", &[("range", "bytes=0-4")]).await;
        assert_eq!(
            (f.status, f.body.as_slice()),
            (206, &b"<div "[..]),
            "{build:?}"
        );
    }
}
