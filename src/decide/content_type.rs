//! Content-Type by file extension.
//!
//! A short table of the types a static site serves, instead of `mime_guess`:
//! its ~1,000-entry table is static data, and static data is copied into every
//! instance's linear memory (it alone would exceed the one-page budget).
//! Unknown extensions get `application/octet-stream`, as nginx and tower-http do.

const DEFAULT: &str = "application/octet-stream";

/// Sorted by extension (lowercase) for binary search.
const TYPES: &[(&str, &str)] = &[
    ("7z", "application/x-7z-compressed"),
    ("aac", "audio/aac"),
    ("apng", "image/apng"),
    ("avif", "image/avif"),
    ("bin", "application/octet-stream"),
    ("bmp", "image/bmp"),
    ("bz2", "application/x-bzip2"),
    ("css", "text/css; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"),
    ("deb", "application/vnd.debian.binary-package"),
    ("epub", "application/epub+zip"),
    ("flac", "audio/flac"),
    ("gif", "image/gif"),
    ("gz", "application/gzip"),
    ("htm", "text/html; charset=utf-8"),
    ("html", "text/html; charset=utf-8"),
    ("ico", "image/vnd.microsoft.icon"),
    ("ics", "text/calendar; charset=utf-8"),
    ("iso", "application/x-iso9660-image"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("js", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("jsonld", "application/ld+json"),
    ("m4a", "audio/mp4"),
    ("map", "application/json"),
    ("md", "text/markdown; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("mov", "video/quicktime"),
    ("mp3", "audio/mpeg"),
    ("mp4", "video/mp4"),
    ("mpeg", "video/mpeg"),
    ("oga", "audio/ogg"),
    ("ogg", "audio/ogg"),
    ("ogv", "video/ogg"),
    ("otf", "font/otf"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("rss", "application/rss+xml"),
    ("rtf", "application/rtf"),
    ("svg", "image/svg+xml"),
    ("tar", "application/x-tar"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("toml", "application/toml"),
    ("ts", "video/mp2t"),
    ("ttf", "font/ttf"),
    ("txt", "text/plain; charset=utf-8"),
    ("wasm", "application/wasm"),
    ("wav", "audio/wav"),
    ("weba", "audio/webm"),
    ("webm", "video/webm"),
    ("webmanifest", "application/manifest+json"),
    ("webp", "image/webp"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("xhtml", "application/xhtml+xml"),
    ("xml", "application/xml"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("zip", "application/zip"),
    ("zst", "application/zstd"),
];

/// Whether a file of this type may have precompressed variants worth looking
/// for: not one whose bytes are compressed already (images but SVG, BMP and
/// icons; audio; video; web fonts; archives), nor one of no known type
/// (`application/octet-stream`: downloads such as `.bin` and `.iso`). For
/// those `decide` looks up no `.br`/`.zst`/`.gz` beside the file, and the
/// response does not vary.
pub(crate) fn is_precompressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or(content_type);
    let compressed_image = essence.starts_with("image/")
        && !matches!(
            essence,
            "image/svg+xml" | "image/bmp" | "image/vnd.microsoft.icon"
        );
    !(compressed_image
        || essence.starts_with("audio/")
        || essence.starts_with("video/")
        || matches!(
            essence,
            DEFAULT
                | "font/woff"
                | "font/woff2"
                | "application/zip"
                | "application/gzip"
                | "application/zstd"
                | "application/x-7z-compressed"
                | "application/x-bzip2"
                | "application/epub+zip"
                | "application/vnd.debian.binary-package"
                | "application/x-iso9660-image"
        ))
}

/// The Content-Type for a file name (the last path segment).
pub(crate) fn content_type_for(file_name: &str) -> &'static str {
    let Some((stem, ext)) = file_name.rsplit_once('.') else {
        return DEFAULT;
    };
    // ".bashrc" has no extension, it is a hidden name.
    if stem.is_empty() || ext.len() > 12 {
        return DEFAULT;
    }
    let mut buffer = [0u8; 12];
    let Some(lower) = buffer.get_mut(..ext.len()) else {
        return DEFAULT;
    };
    lower.copy_from_slice(ext.as_bytes());
    lower.make_ascii_lowercase();
    let Ok(lower) = std::str::from_utf8(lower) else {
        return DEFAULT;
    };
    TYPES
        .binary_search_by(|(e, _)| (*e).cmp(lower))
        .ok()
        .and_then(|i| TYPES.get(i))
        .map_or(DEFAULT, |(_, content_type)| content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_lowercase() {
        for pair in TYPES.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "{:?} must sort before {:?}",
                pair[0].0,
                pair[1].0
            );
        }
        assert!(TYPES
            .iter()
            .all(|(e, _)| e.len() <= 12 && *e == e.to_ascii_lowercase()));
    }

    #[test]
    fn which_types_may_have_variants() {
        let may = |name| is_precompressible(content_type_for(name));
        for name in [
            "a.html", "a.css", "a.js", "a.json", "a.svg", "a.wasm", "a.txt", "a.ico", "a.tar",
        ] {
            assert!(may(name), "{name}");
        }
        for name in [
            "a.jpg", "a.png", "a.webp", "a.mp4", "a.mp3", "a.woff2", "a.zip", "a.gz", "a.zst",
            "a.7z", "a.bin", "a.iso", "LICENSE",
        ] {
            assert!(!may(name), "{name}");
        }
    }

    #[test]
    fn known_types() {
        assert_eq!(content_type_for("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type_for("A.HTML"), "text/html; charset=utf-8");
        assert_eq!(
            content_type_for("app.min.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type_for("photo.JPG"), "image/jpeg");
        assert_eq!(content_type_for("notes.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type_for("module.wasm"), "application/wasm");
    }

    #[test]
    fn unknown_types() {
        for name in [
            "README",
            ".bashrc",
            "x.unknownext",
            "x.",
            "",
            "x.verylongextension",
            "x.é",
        ] {
            assert_eq!(content_type_for(name), DEFAULT, "{name}");
        }
    }
}
