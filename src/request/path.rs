//! Turns a request target into a path below the served root, or refuses it.
//!
//! The path is percent-decoded exactly once, segment by segment, so that an
//! encoded `/` (`%2F`) can be told apart from a separator and refused. `.` is
//! dropped and `..` pops a segment; a `..` that would climb above the root, NUL,
//! backslash and empty segments (`//`) are refused rather than guessed at.

use percent_encoding::percent_decode_str;

/// The longest request target (path and query) this server reads on: longer
/// ones get 414 (nginx's default limit for a request line is 8 KiB as well).
pub(crate) const MAX_TARGET_BYTES: usize = 8 * 1024;

/// A request path confined to the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPath {
    /// Decoded segments below the root; empty for the root itself.
    pub segments: Vec<String>,
    /// The request path ended in `/` (or was the root).
    pub trailing_slash: bool,
    /// The last segment as the client sent it (still encoded), for relative redirects.
    pub last_raw_segment: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
}

impl ResolvedPath {
    /// The path relative to the root, as WASI `*-at` calls take it (`.` for the root).
    pub fn relative(&self) -> String {
        if self.segments.is_empty() {
            ".".to_string()
        } else {
            self.segments.join("/")
        }
    }

    /// The same path with one more segment (e.g. a directory's index file).
    pub fn join(&self, name: &str) -> String {
        if self.segments.is_empty() {
            name.to_string()
        } else {
            format!("{}/{}", self.segments.join("/"), name)
        }
    }

    /// The path of `name` in the same directory as this path's last segment.
    pub(crate) fn join_sibling(&self, name: &str) -> String {
        match self.segments.split_last() {
            Some((_, [])) | None => name.to_string(),
            Some((_, parents)) => format!("{}/{name}", parents.join("/")),
        }
    }

    /// A segment starts with `.` (outside `/.well-known/`, which sites must serve).
    pub(crate) fn is_hidden(&self) -> bool {
        let mut segments = self.segments.iter();
        if self.segments.first().is_some_and(|s| s == ".well-known") {
            segments.next();
        }
        segments.any(|s| s.starts_with('.'))
    }

    /// The name whose extension decides the Content-Type.
    pub fn file_name(&self) -> &str {
        self.segments.last().map(String::as_str).unwrap_or("")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not an origin-form path (`/...`).
    NotAbsolute,
    /// A percent escape that is not valid UTF-8 once decoded.
    InvalidEncoding,
    /// NUL, backslash or an encoded `/` inside a segment.
    ForbiddenCharacter,
    /// An empty segment (`//`).
    EmptySegment,
    /// `..` would leave the root.
    EscapesRoot,
}

/// Where the path to serve comes from (`PATH_SOURCE`). A header any client
/// can send must not pick the file unless the deployment says the host sets
/// it, so the request target is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSource {
    /// The request target the host hands over (`wasmtime serve`, `host-test
    /// serve`, any host that routes nothing).
    RequestTarget,
    /// Spin's `spin-path-info`: the path below the component's route. Spin
    /// appends its own field line after any the client sent, so the last line
    /// is Spin's.
    SpinPathInfo,
}

/// The header `PathSource::SpinPathInfo` reads.
pub(crate) const SPIN_PATH_INFO: &str = "spin-path-info";

/// The target to resolve: the path from `path_info` when the deployment trusts
/// it (see `PathSource`), else from the request target; the query always comes
/// from the request target.
pub fn request_target(path_with_query: &str, path_info: Option<&str>) -> String {
    match path_info {
        Some(info) => match path_with_query.split_once('?') {
            Some((_, query)) => format!("{info}?{query}"),
            None => info.to_string(),
        },
        None => path_with_query.to_string(),
    }
}

/// Resolves `target` (path and optional query, as in the request line).
pub fn resolve_path(target: &str) -> Result<ResolvedPath, PathError> {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (target, None),
    };
    let rest = path.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
    let mut trailing_slash = rest.is_empty() || rest.ends_with('/');
    let body = rest.strip_suffix('/').unwrap_or(rest);

    let mut segments: Vec<String> = Vec::new();
    let mut last_raw_segment = String::new();
    if !body.is_empty() {
        for raw in body.split('/') {
            last_raw_segment = raw.to_string();
            if raw.is_empty() {
                return Err(PathError::EmptySegment);
            }
            let decoded = percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| PathError::InvalidEncoding)?;
            if decoded.contains(['/', '\\', '\0']) {
                return Err(PathError::ForbiddenCharacter);
            }
            // RFC 3986 section 5.2.4: a final `.` or `..` leaves a trailing
            // slash (`/file/.` is `/file/`, not `/file`).
            trailing_slash = matches!(decoded.as_ref(), "." | "..") || rest.ends_with('/');
            match decoded.as_ref() {
                "." => {}
                ".." => {
                    segments.pop().ok_or(PathError::EscapesRoot)?;
                }
                _ => segments.push(decoded.into_owned()),
            }
        }
    }
    Ok(ResolvedPath {
        segments,
        trailing_slash,
        last_raw_segment,
        query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(target: &str) -> Vec<String> {
        resolve_path(target).unwrap().segments
    }

    #[test]
    fn plain_paths() {
        let r = resolve_path("/a/b.txt?x=1").unwrap();
        assert_eq!(r.segments, ["a", "b.txt"]);
        assert!(!r.trailing_slash);
        assert_eq!(r.query.as_deref(), Some("x=1"));
        assert_eq!(r.relative(), "a/b.txt");
        assert_eq!(r.file_name(), "b.txt");
        let root = resolve_path("/").unwrap();
        assert!(root.segments.is_empty() && root.trailing_slash);
        assert_eq!(root.relative(), ".");
        assert_eq!(root.join("index.html"), "index.html");
        let dir = resolve_path("/docs/").unwrap();
        assert!(dir.trailing_slash);
        assert_eq!(dir.join("index.html"), "docs/index.html");
    }

    #[test]
    fn decodes_once() {
        assert_eq!(segs("/hello%20world.txt"), ["hello world.txt"]);
        assert_eq!(segs("/%252e%252e/x"), ["%2e%2e", "x"]);
        assert_eq!(segs("/caf%C3%A9"), ["café"]);
    }

    #[test]
    fn final_dot_segments_leave_a_trailing_slash() {
        for (target, segments, slash) in [
            ("/file/.", &["file"][..], true),
            ("/file/%2e", &["file"], true),
            ("/a/b/..", &["a"], true),
            ("/a/b/../", &["a"], true),
            ("/a/./b", &["a", "b"], false),
            ("/a/../b", &["b"], false),
            ("/.", &[], true),
            ("/a/..", &[], true),
        ] {
            let r = resolve_path(target).unwrap();
            assert_eq!(
                (
                    r.segments.iter().map(String::as_str).collect::<Vec<_>>(),
                    r.trailing_slash
                ),
                (segments.to_vec(), slash),
                "{target}"
            );
        }
    }

    #[test]
    fn dot_segments_stay_inside_root() {
        assert_eq!(segs("/a/./b/../c"), ["a", "c"]);
        assert_eq!(segs("/a/%2e%2E/c"), ["c"]);
        for target in ["/..", "/../secret", "/a/../../secret", "/%2e%2e/secret"] {
            assert_eq!(
                resolve_path(target),
                Err(PathError::EscapesRoot),
                "{target}"
            );
        }
    }

    #[test]
    fn refuses_dangerous_input() {
        use PathError::*;
        for (target, error) in [
            ("/a%2fb", ForbiddenCharacter),
            ("/..%2fsecret", ForbiddenCharacter),
            ("/a%5cb", ForbiddenCharacter),
            ("/a\\b", ForbiddenCharacter),
            ("/a%00b", ForbiddenCharacter),
            ("//etc/passwd", EmptySegment),
            ("/a//b", EmptySegment),
            ("/%ff", InvalidEncoding),
            ("a/b", NotAbsolute),
            ("http://x/a", NotAbsolute),
            ("", NotAbsolute),
        ] {
            assert_eq!(resolve_path(target), Err(error), "{target}");
        }
    }

    #[test]
    fn hidden_segments() {
        assert!(resolve_path("/.git/config").unwrap().is_hidden());
        assert!(resolve_path("/a/.env").unwrap().is_hidden());
        assert!(!resolve_path("/.well-known/security.txt")
            .unwrap()
            .is_hidden());
        assert!(resolve_path("/.well-known/.secret").unwrap().is_hidden());
        assert!(!resolve_path("/a.b/c").unwrap().is_hidden());
        assert!(!resolve_path("/a/./b").unwrap().is_hidden());
    }

    #[test]
    fn spin_path_info_replaces_the_path() {
        assert_eq!(
            request_target("/static/a.txt?v=1", Some("/a.txt")),
            "/a.txt?v=1"
        );
        assert_eq!(request_target("/static/a.txt", Some("/../x")), "/../x");
        assert_eq!(request_target("/a.txt", None), "/a.txt");
    }

    #[test]
    fn keeps_last_raw_segment_for_redirects() {
        assert_eq!(
            resolve_path("/a/my%20dir").unwrap().last_raw_segment,
            "my%20dir"
        );
    }
}
