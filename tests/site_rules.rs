//! Site rules in both builds: `_redirects` (redirects, rewrites, 404/410
//! pages, forced rules, query passing), `_headers` (per-path headers, removal,
//! placeholders, what a rule may not touch), the rule files never served, and
//! clean URLs with each trailing-slash policy. One row per rule.

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

fn site() -> Site {
    let site = Site::new();
    site.text("_redirects", REDIRECTS);
    site.text("_headers", HEADERS);
    site.text("index.html", "<h1>home</h1>");
    site.text("blog/post.html", "post");
    site.text("blog/2024/a.html", "a");
    site.text("docs/page.html", "page");
    site.text("docs/index.html", "docs");
    site.text("app/index.html", "<div id=app></div>");
    site.text("410.html", "<h1>gone</h1>");
    site.text("shadow.txt", "the file wins");
    site.text("forced.txt", "never served");
    site.text("assets/app.3f2a.js", "js");
    site.text("downloads/tool.tar.gz", "tar");
    site.text("about.html", "about");
    site.text("config/site-headers", "/*\n  X-Other: elsewhere\n");
    site
}

struct Row {
    rule: &'static str,
    env: &'static [(&'static str, &'static str)],
    target: &'static str,
    status: u16,
    /// `None`: the header must be absent.
    expect: &'static [(&'static str, Option<&'static str>)],
    body: Option<&'static [u8]>,
}

const NONE: &[(&str, &str)] = &[];

fn rows() -> Vec<Row> {
    vec![
        Row {
            rule: "splat redirect, relative Location, query kept",
            env: NONE,
            target: "/old-blog/2024/a.html?ref=x",
            status: 301,
            expect: &[("location", Some("../../blog/2024/a.html?ref=x"))],
            body: Some(b""),
        },
        Row {
            rule: "placeholder redirect (308)",
            env: NONE,
            target: "/docs/v1/page",
            status: 308,
            expect: &[("location", Some("../page.html"))],
            body: Some(b""),
        },
        Row {
            rule: "rewrite (200) serves the target",
            env: NONE,
            target: "/app/settings/profile",
            status: 200,
            expect: &[("content-type", Some("text/html; charset=utf-8"))],
            body: Some(b"<div id=app></div>"),
        },
        Row {
            rule: "410 rule serves its page with 410",
            env: NONE,
            target: "/gone",
            status: 410,
            expect: &[],
            body: Some(b"<h1>gone</h1>"),
        },
        Row {
            rule: "404 rule with a missing page: plain 404",
            env: NONE,
            target: "/missing-page",
            status: 404,
            expect: &[],
            body: Some(b"404 Not Found\n"),
        },
        Row {
            rule: "a file shadows an unforced rule",
            env: NONE,
            target: "/shadow.txt",
            status: 200,
            expect: &[],
            body: Some(b"the file wins"),
        },
        Row {
            rule: "a forced rule (!) beats the file",
            env: NONE,
            target: "/forced.txt",
            status: 302,
            expect: &[("location", Some("blog/post.html"))],
            body: Some(b""),
        },
        Row {
            rule: "absolute target, default status 302",
            env: NONE,
            target: "/external",
            status: 302,
            expect: &[("location", Some("https://example.com/x"))],
            body: Some(b""),
        },
        Row {
            rule: "redirect to the root stays relative",
            env: NONE,
            target: "/to-root",
            status: 302,
            expect: &[("location", Some("./"))],
            body: Some(b""),
        },
        Row {
            rule: "malformed lines are skipped, the rest applies",
            env: NONE,
            target: "/bad-status",
            status: 404,
            expect: &[],
            body: None,
        },
        Row {
            rule: "_redirects is never served",
            env: NONE,
            target: "/_redirects",
            status: 404,
            expect: &[],
            body: Some(b"404 Not Found\n"),
        },
        Row {
            rule: "_headers is never served",
            env: NONE,
            target: "/_headers",
            status: 404,
            expect: &[],
            body: Some(b"404 Not Found\n"),
        },
        Row {
            rule: "every matching block applies; immutable assets",
            env: NONE,
            target: "/assets/app.3f2a.js",
            status: 200,
            expect: &[
                ("x-frame-options", Some("DENY")),
                ("cache-control", Some("public, max-age=31536000, immutable")),
            ],
            body: Some(b"js"),
        },
        Row {
            rule: "a rule's Cache-Control replaces CACHE_CONTROL",
            env: &[("CACHE_CONTROL", "no-cache")],
            target: "/assets/app.3f2a.js",
            status: 200,
            expect: &[("cache-control", Some("public, max-age=31536000, immutable"))],
            body: None,
        },
        Row {
            rule: "CACHE_CONTROL where no rule sets it",
            env: &[("CACHE_CONTROL", "no-cache")],
            target: "/blog/post.html",
            status: 200,
            expect: &[("cache-control", Some("no-cache")), ("x-blog", Some("yes"))],
            body: None,
        },
        Row {
            rule: "! removes a header",
            env: NONE,
            target: "/index.html",
            status: 200,
            expect: &[("x-frame-options", None)],
            body: Some(b"<h1>home</h1>"),
        },
        Row {
            rule: "placeholders in values (Content-Disposition)",
            env: NONE,
            target: "/downloads/tool.tar.gz",
            status: 200,
            expect: &[(
                "content-disposition",
                Some("attachment; filename=\"tool.tar.gz\""),
            )],
            body: Some(b"tar"),
        },
        Row {
            rule: "a rule may not set Content-Length",
            env: NONE,
            target: "/blog/post.html",
            status: 200,
            expect: &[("content-length", Some("4")), ("x-blog", Some("yes"))],
            body: Some(b"post"),
        },
        Row {
            rule: "header rules apply to redirects too",
            env: NONE,
            target: "/external",
            status: 302,
            expect: &[("x-frame-options", Some("DENY"))],
            body: None,
        },
        Row {
            rule: "303 redirect",
            env: NONE,
            target: "/see-other",
            status: 303,
            expect: &[("location", Some("about.html"))],
            body: Some(b""),
        },
        Row {
            rule: "307 redirect",
            env: NONE,
            target: "/temporary",
            status: 307,
            expect: &[("location", Some("about.html"))],
            body: Some(b""),
        },
        Row {
            rule: "404 rule with a page: the page with 404",
            env: NONE,
            target: "/private/keys",
            status: 404,
            expect: &[],
            body: Some(b"<h1>gone</h1>"),
        },
        Row {
            rule: "rules come before FALLBACK_PATH",
            env: &[("FALLBACK_PATH", "/index.html")],
            target: "/old-blog/x",
            status: 301,
            expect: &[("location", Some("../blog/x"))],
            body: Some(b""),
        },
        Row {
            rule: "FALLBACK_PATH where no rule matches",
            env: &[("FALLBACK_PATH", "/index.html")],
            target: "/no/such/page",
            status: 200,
            expect: &[],
            body: Some(b"<h1>home</h1>"),
        },
        Row {
            rule: "CUSTOM_404_PATH where no rule matches",
            env: &[("CUSTOM_404_PATH", "/410.html")],
            target: "/no/such/page",
            status: 404,
            expect: &[],
            body: Some(b"<h1>gone</h1>"),
        },
        Row {
            rule: "HEADERS_FILE elsewhere replaces _headers",
            env: &[("HEADERS_FILE", "/config/site-headers")],
            target: "/about.html",
            status: 200,
            expect: &[("x-other", Some("elsewhere")), ("x-frame-options", None)],
            body: None,
        },
        Row {
            rule: "HEADERS_FILE elsewhere is never served",
            env: &[("HEADERS_FILE", "/config/site-headers")],
            target: "/config/site-headers",
            status: 404,
            expect: &[],
            body: None,
        },
        Row {
            rule: "HEADERS_FILE=off",
            env: &[("HEADERS_FILE", "off")],
            target: "/assets/app.3f2a.js",
            status: 200,
            expect: &[("x-frame-options", None), ("cache-control", None)],
            body: None,
        },
        Row {
            rule: "REDIRECTS_FILE=off serves the path as it is",
            env: &[("REDIRECTS_FILE", "off")],
            target: "/forced.txt",
            status: 200,
            expect: &[],
            body: Some(b"never served"),
        },
        Row {
            rule: "clean URLs: /about serves about.html",
            env: &[("CLEAN_URLS", "true")],
            target: "/about",
            status: 200,
            expect: &[("content-type", Some("text/html; charset=utf-8"))],
            body: Some(b"about"),
        },
        Row {
            rule: "clean URLs: /about.html -> about",
            env: &[("CLEAN_URLS", "true")],
            target: "/about.html?x=1",
            status: 308,
            expect: &[("location", Some("about?x=1"))],
            body: Some(b""),
        },
        Row {
            rule: "clean URLs: /about/ -> ../about",
            env: &[("CLEAN_URLS", "true")],
            target: "/about/",
            status: 308,
            expect: &[("location", Some("../about"))],
            body: Some(b""),
        },
        Row {
            rule: "clean URLs: /docs/index.html -> ./",
            env: &[("CLEAN_URLS", "true")],
            target: "/docs/index.html",
            status: 308,
            expect: &[("location", Some("./"))],
            body: Some(b""),
        },
        Row {
            rule: "TRAILING_SLASH=always: /about -> about/",
            env: &[("CLEAN_URLS", "true"), ("TRAILING_SLASH", "always")],
            target: "/about",
            status: 308,
            expect: &[("location", Some("about/"))],
            body: Some(b""),
        },
        Row {
            rule: "TRAILING_SLASH=always: /about/ serves about.html",
            env: &[("CLEAN_URLS", "true"), ("TRAILING_SLASH", "always")],
            target: "/about/",
            status: 200,
            expect: &[],
            body: Some(b"about"),
        },
        Row {
            rule: "TRAILING_SLASH=never: /docs serves its index",
            env: &[("TRAILING_SLASH", "never")],
            target: "/docs",
            status: 200,
            expect: &[],
            body: Some(b"docs"),
        },
        Row {
            rule: "TRAILING_SLASH=never: /docs/ -> ../docs",
            env: &[("TRAILING_SLASH", "never")],
            target: "/docs/",
            status: 308,
            expect: &[("location", Some("../docs"))],
            body: Some(b""),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule() {
    let site = site();
    let mut failures = Vec::new();
    for build in BUILDS {
        for row in rows() {
            let server = site.server_of(build, row.env);
            let f = fetch(&server, Method::GET, row.target, &[]).await;
            let mut problems = Vec::new();
            if f.status != row.status {
                problems.push(format!("status {}, want {}", f.status, row.status));
            }
            for (name, want) in row.expect {
                let got = header(&f.headers, name);
                if got != *want {
                    problems.push(format!("{name}: {got:?}, want {want:?}"));
                }
            }
            if let Some(body) = row.body {
                if f.body != body {
                    problems.push(format!("body {:?}", String::from_utf8_lossy(&f.body)));
                }
            }
            if !f.summary.is_clean() || f.outcome.is_trapped() {
                problems.push(format!("ended {:?} / {:?}", f.summary, f.outcome));
            }
            if !problems.is_empty() {
                failures.push(format!("{build:?} {}: {}", row.rule, problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditionals_and_ranges_on_a_rewritten_path_use_the_target() {
    let site = site();
    for build in BUILDS {
        let server = site.server_of(build, &[]);
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
