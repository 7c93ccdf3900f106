//! Where redirects point: relative `Location`s, so that they stay right
//! under any route prefix a host serves the site below.

use percent_encoding::utf8_percent_encode;

use crate::decide::uri_encoding::NOT_URI;
use crate::request::path::ResolvedPath;

/// `target` (an absolute path of the site, `/new/page?x`) relative to the
/// request's path, so that it stays right under any route prefix a host
/// serves the site below.
pub(super) fn relative_location(path: &ResolvedPath, target: &str) -> String {
    let base_dirs = if path.trailing_slash {
        &path.segments[..]
    } else {
        path.segments.split_last().map_or(&[][..], |(_, dirs)| dirs)
    };
    // Climb only above the directories the request and the target share.
    let mut target_dirs: Vec<&str> = target.trim_start_matches('/').split('/').collect();
    let target_last = target_dirs.pop().unwrap_or("");
    let shared = base_dirs
        .iter()
        .zip(&target_dirs)
        .take_while(|(a, b)| a.as_str() == **b)
        .count();
    let mut rest: Vec<&str> = target_dirs.get(shared..).unwrap_or_default().to_vec();
    rest.push(target_last);
    let rest = utf8_percent_encode(&rest.join("/"), NOT_URI).to_string();
    let climb = base_dirs.len().saturating_sub(shared);
    let location = format!("{}{rest}", "../".repeat(climb));
    if location.is_empty() || location.starts_with('?') {
        return format!("./{location}");
    }
    let first = location.split('/').next().unwrap_or("");
    format!("{}{location}", scheme_guard(first))
}

/// "a:b/" would read as a URI with scheme "a"; "./a:b/" cannot.
pub(super) fn scheme_guard(first_segment: &str) -> &'static str {
    if first_segment.contains(':') {
        "./"
    } else {
        ""
    }
}

/// `location` with the request's query, percent-encoded where needed.
pub(super) fn with_query(location: &str, path: &ResolvedPath) -> String {
    match &path.query {
        Some(q) => format!("{location}?{}", utf8_percent_encode(q, NOT_URI)),
        None => location.to_string(),
    }
}

/// A relative `Location` (`name/`, query kept): it stays right whatever
/// prefix a host routes this component under.
pub(super) fn directory_location(path: &ResolvedPath) -> String {
    // As the client sent them, but with anything a header value or a URI
    // cannot carry (controls, spaces, non-ASCII) percent-encoded: a host
    // may pass such bytes on.
    let segment = utf8_percent_encode(&path.last_raw_segment, NOT_URI);
    let prefix = scheme_guard(&path.last_raw_segment);
    with_query(&format!("{prefix}{segment}/"), path)
}
