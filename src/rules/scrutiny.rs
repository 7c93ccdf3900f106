//! How closely a scan reads a rule file (`scan.rs`, `headers.rs`).

/// How closely a scan reads a rule file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scrutiny {
    /// The first read of this version of the file in this instance: every
    /// line is parsed and checked, and its mistakes are reported (once).
    EveryLine,
    /// Later reads: a rule whose path cannot match the request's
    /// (`cannot_match`) is skipped unparsed, with the lines of its header
    /// block; what applies is the same, since a skipped line (malformed or
    /// not) would not have applied either.
    ApplicableOnly,
}
