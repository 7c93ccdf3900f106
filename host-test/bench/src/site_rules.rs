//! A realistic pair of rule files (`_headers`, `_redirects`: about 50 rules)
//! for the bench's "with site rules" rows. They sit in `rules/`, away from
//! the root, so only a server pointed at them (`HEADERS_FILE`,
//! `REDIRECTS_FILE`) reads them. None matches the bench's files but the
//! catch-all header block: a request scans both files to the end, the most a
//! request pays for rules.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// Where the files are, as the guest sees them (the site root is `/`).
pub const HEADERS_FILE: &str = "/rules/_headers";
pub const REDIRECTS_FILE: &str = "/rules/_redirects";

/// Header blocks and redirect lines written.
pub const HEADER_BLOCKS: usize = 20;
pub const REDIRECTS: usize = 30;

pub fn write(root: &Path) -> anyhow::Result<()> {
    let dir = root.join("rules");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in [("_headers", headers()), ("_redirects", redirects())] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn headers() -> String {
    let mut text = String::from(
        "# Every response\n/*\n  X-Frame-Options: DENY\n  X-Content-Type-Options: nosniff\n  \
         Referrer-Policy: strict-origin-when-cross-origin\n\n",
    );
    let sections = ["assets", "docs", "api-docs", "downloads", "blog"];
    for block in 1..HEADER_BLOCKS {
        let section = sections[block % sections.len()];
        let _ = match block % 4 {
            0 => writeln!(
                text,
                "/{section}/v{block}/*\n  Cache-Control: public, max-age=31536000, immutable\n"
            ),
            1 => writeln!(
                text,
                "/{section}/{block}/:name\n  Access-Control-Allow-Origin: *\n  \
                 Access-Control-Allow-Methods: GET, HEAD\n"
            ),
            2 => writeln!(
                text,
                "/{section}/file-{block}.html\n  Cache-Control: no-cache\n  ! X-Frame-Options\n"
            ),
            _ => writeln!(
                text,
                "/{section}/{block}/*\n  Content-Security-Policy: default-src 'self'; img-src *\n"
            ),
        };
    }
    text
}

fn redirects() -> String {
    let mut text = String::from("# Old layouts\n");
    for rule in 0..REDIRECTS {
        let _ = match rule % 5 {
            0 => writeln!(text, "/posts/{rule}/:slug  /blog/{rule}/:slug.html  301"),
            1 => writeln!(text, "/old-{rule}/*  /new-{rule}/:splat  302"),
            2 => writeln!(text, "/retired-{rule}  /gone.html  410"),
            3 => writeln!(text, "/app-{rule}/*  /index.html  200"),
            _ => writeln!(text, "/docs/v{rule}/:page  /docs/latest/:page  308"),
        };
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_fifty_rules() {
        let header_paths = headers()
            .lines()
            .filter(|line| line.starts_with('/'))
            .count();
        let redirect_lines = redirects()
            .lines()
            .filter(|line| line.starts_with('/'))
            .count();
        assert_eq!(header_paths, HEADER_BLOCKS);
        assert_eq!(redirect_lines, REDIRECTS);
        assert_eq!(header_paths + redirect_lines, 50);
    }
}
