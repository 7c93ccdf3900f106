//! How the command line writes durations and sizes: `30s`, `500ms`, `1h`
//! (humantime) or `0` to lift a limit; `64KiB`, `256MiB`, `65536`
//! (parse-size). Shared by every subcommand.

use std::time::Duration;

/// A time limit; `0` lifts it (`Limit(None)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit(pub Option<Duration>);

pub fn limit(text: &str) -> Result<Limit, String> {
    if text.trim() == "0" {
        return Ok(Limit(None));
    }
    humantime::parse_duration(text.trim())
        .map(|limit| Limit(Some(limit)))
        .map_err(|error| format!("`{text}` is not a duration such as 30s, 500ms or 1h: {error}"))
}

/// A size in bytes, with an optional unit.
pub fn size(text: &str) -> Result<usize, String> {
    let bytes = parse_size::parse_size(text.trim()).map_err(|error| {
        format!("`{text}` is not a size such as 65536, 64KiB or 256MiB: {error}")
    })?;
    usize::try_from(bytes).map_err(|_| format!("`{text}` is too large"))
}

/// `KEY=VALUE`.
pub fn key_value(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
    Ok((key.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_sizes_and_pairs() {
        assert_eq!(limit("0"), Ok(Limit(None)));
        assert_eq!(limit("30s"), Ok(Limit(Some(Duration::from_secs(30)))));
        assert_eq!(limit("500ms"), Ok(Limit(Some(Duration::from_millis(500)))));
        assert_eq!(limit("1h"), Ok(Limit(Some(Duration::from_secs(3600)))));
        assert!(limit("soon").is_err());
        assert_eq!(size("65536"), Ok(65536));
        assert_eq!(size("64KiB"), Ok(65536));
        assert_eq!(size("256MiB"), Ok(256 << 20));
        assert!(size("lots").is_err());
        assert_eq!(key_value("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(key_value("A").is_err());
    }
}
