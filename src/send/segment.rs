//! What a body is made of: literal bytes and ranges of one file. The pump
//! moves any sequence of them, so multipart bodies and listings need no
//! byte-moving code of their own.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Small generated text (part headers, listing rows).
    Literal(String),
    /// `len` bytes of the file from `start`.
    FileRange { start: u64, len: u64 },
}

impl Segment {
    pub fn len(&self) -> u64 {
        match self {
            Segment::Literal(text) => text.len() as u64,
            Segment::FileRange { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a streamed body ended, in either glue: only `Done` finishes the
/// response; every other end aborts it, so that a client never takes a short
/// body for a complete one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEnd {
    /// Every byte was written (and flushed).
    Done,
    /// The client went away.
    ClientGone,
    /// The client took nothing for the stall timeout.
    Stalled,
    /// The file ended before the promised length (it shrank).
    Truncated,
    /// The file could not be read, or the stream failed.
    Failed,
}
