//! Splits a rule file into lines as it is read, chunk by chunk, holding at
//! most one line: a rule file is never whole in memory.

/// The longest line a rule file may have (Cloudflare's limit).
pub(crate) const MAX_LINE: usize = 2000;

/// A line as the splitter hands it over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a str),
    TooLong,
    NotUtf8,
}

/// Whether to read on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    /// The start of a line whose end has not come yet.
    carry: Vec<u8>,
    /// The line being carried is over `MAX_LINE`: its rest is skipped.
    too_long: bool,
    /// Lines handed over so far.
    number: usize,
}

impl LineSplitter {
    /// Hands each complete line in `chunk` to `on_line` with its 1-based
    /// number, until it says `Stop`.
    pub fn feed(&mut self, chunk: &[u8], mut on_line: impl FnMut(usize, Line<'_>) -> Flow) -> Flow {
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = rest.split_at(at);
            rest = after.get(1..).unwrap_or(&[]);
            let flow = if self.carry.is_empty() && !self.too_long {
                self.hand_over(line, &mut on_line)
            } else {
                self.append(line);
                let carried = std::mem::take(&mut self.carry);
                let flow = self.hand_over(&carried, &mut on_line);
                self.carry = carried;
                self.carry.clear();
                flow
            };
            self.too_long = false;
            if flow == Flow::Stop {
                return Flow::Stop;
            }
        }
        self.append(rest);
        Flow::Continue
    }

    /// The last line, if the file does not end with a newline.
    pub fn finish(&mut self, mut on_line: impl FnMut(usize, Line<'_>) -> Flow) -> Flow {
        if self.carry.is_empty() && !self.too_long {
            return Flow::Continue;
        }
        let carried = std::mem::take(&mut self.carry);
        self.hand_over(&carried, &mut on_line)
    }

    fn append(&mut self, bytes: &[u8]) {
        if self.too_long {
            return;
        }
        if self.carry.len().saturating_add(bytes.len()) > MAX_LINE {
            self.too_long = true;
            self.carry.clear();
        } else {
            self.carry.extend_from_slice(bytes);
        }
    }

    fn hand_over(
        &mut self,
        line: &[u8],
        on_line: &mut impl FnMut(usize, Line<'_>) -> Flow,
    ) -> Flow {
        self.number = self.number.saturating_add(1);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if self.too_long || line.len() > MAX_LINE {
            Line::TooLong
        } else {
            match std::str::from_utf8(line) {
                Ok(text) => Line::Text(text),
                Err(_) => Line::NotUtf8,
            }
        };
        on_line(self.number, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<(usize, String)> {
        let mut splitter = LineSplitter::default();
        let mut out = Vec::new();
        let mut push = |n: usize, line: Line<'_>| {
            out.push((
                n,
                match line {
                    Line::Text(t) => t.to_string(),
                    Line::TooLong => "<too long>".into(),
                    Line::NotUtf8 => "<not utf-8>".into(),
                },
            ));
            Flow::Continue
        };
        for chunk in chunks {
            splitter.feed(chunk, &mut push);
        }
        splitter.finish(&mut push);
        out
    }

    #[test]
    fn lines_across_chunks() {
        let got = lines(&[b"/a /b\r\n/c", b" /d 301\n\n# x", b"\n/last /x"]);
        let want: Vec<(usize, String)> = vec![
            (1, "/a /b".into()),
            (2, "/c /d 301".into()),
            (3, "".into()),
            (4, "# x".into()),
            (5, "/last /x".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn long_and_broken_lines_are_reported_not_kept() {
        let long = vec![b'a'; MAX_LINE + 10];
        let got = lines(&[&long[..1000], &long[1000..], b"\n\xff\xfe\n/ok /x\n"]);
        assert_eq!(got[0], (1, "<too long>".into()));
        assert_eq!(got[1], (2, "<not utf-8>".into()));
        assert_eq!(got[2], (3, "/ok /x".into()));
    }

    #[test]
    fn stop_stops() {
        let mut splitter = LineSplitter::default();
        let mut seen = 0;
        let flow = splitter.feed(b"1\n2\n3\n", |_, _| {
            seen += 1;
            Flow::Stop
        });
        assert_eq!((flow, seen), (Flow::Stop, 1));
    }
}
