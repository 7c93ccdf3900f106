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
