//! A reply's body, from the root to the glue's pump: `prepare` opens what a
//! streamed body reads before the response commits to a status (so that a
//! failure can still say so), `send_body` then moves it, segment by segment,
//! never more than one row or one chunk in linear memory.

use super::archive::Archive;
use super::root::{child_path, EntryKind, NextEntry, Root};
use crate::decide::file_lookup::Entry;
use crate::decide::plan::{lookup_failure, Failure};
use crate::render::listing::EntriesEnd;
use crate::render::listing::{ListedAs, ListingRows};
use crate::render::reply::{failure_reply, Reply, StreamedBody};
use crate::request::accept::ListingFormat;
use crate::request::incoming::has_headroom;
use crate::send::pump::Pump;
use crate::send::segment::{BodyEnd, Segment};
use crate::settings::Settings;

/// A streamed body with what it reads opened.
pub enum OpenedBody<R: Root> {
    File {
        file: R::File,
        size: u64,
        segments: Vec<Segment>,
    },
    Listing {
        path: String,
        dir: R::Dir,
        head: String,
        rows: ListingRows,
    },
    Archive(Archive<R>),
}

/// A reply as the glue sends it.
pub enum Prepared<R: Root> {
    /// No body, or the reply's short text.
    Simple(Reply),
    /// Status and headers, then `body`, read from `root`.
    Streamed {
        reply: Reply,
        root: R,
        body: OpenedBody<R>,
    },
}

/// `reply` made ready to send: a streamed body's file or directory opened in
/// `root`. When that fails, or there is no root, the error reply to send
/// instead.
pub async fn prepare<R: Root>(mut reply: Reply, root: Option<R>) -> Prepared<R> {
    let Some(body) = reply.take_streamed() else {
        return Prepared::Simple(reply);
    };
    let Some(root) = root else {
        return Prepared::Simple(failure_reply(Failure::Internal));
    };
    let opened = match body {
        StreamedBody::File { path, segments } => {
            root.open_file(&path)
                .await
                .map(|(file, meta)| OpenedBody::File {
                    file,
                    size: meta.size,
                    segments,
                })
        }
        StreamedBody::Listing { path, head, rows } => {
            root.open_dir(&path).await.map(|dir| OpenedBody::Listing {
                path,
                dir,
                head,
                rows,
            })
        }
        StreamedBody::Archive { path, name } => Archive::open(&root, path, name)
            .await
            .map(OpenedBody::Archive),
    };
    match opened {
        Ok(body) => Prepared::Streamed { reply, root, body },
        Err(e) => Prepared::Simple(failure_reply(lookup_failure(e))),
    }
}

impl<R: Root> OpenedBody<R> {
    /// The file, when the body is that whole file and nothing else (a host
    /// can then move it alone); else the body as it was.
    pub fn into_whole_file(self) -> Result<R::File, Self> {
        match self {
            OpenedBody::File {
                file,
                size,
                segments,
            } if matches!(segments.as_slice(), [Segment::FileRange { start: 0, len }] if *len == size) => {
                Ok(file)
            }
            other => Err(other),
        }
    }

    /// A buffer for the body's largest read: a chunk, or less for a smaller
    /// file, none for a listing. Taken before the response commits to a
    /// status, and fallibly: an instance that serves many requests at once
    /// needs one per request in flight, and a failed allocation must answer
    /// 503 rather than trap, which would end every request in the instance.
    /// With it taken, the heap must still have a request's headroom (a
    /// listing's rows are small literals, but they need that room too).
    pub fn read_buffer(&self, settings: &Settings) -> Option<Vec<u8>> {
        let largest_read = match self {
            // Files of any size.
            OpenedBody::Archive(_) => u64::MAX,
            OpenedBody::File { segments, .. } => segments
                .iter()
                .map(|segment| match segment {
                    Segment::FileRange { len, .. } => *len,
                    Segment::Literal(_) => 0,
                })
                .max()
                .unwrap_or(0),
            OpenedBody::Listing { .. } => 0,
        };
        let paced = settings
            .rate_limit
            .map_or(u64::MAX, |limit| limit.paced_write());
        let largest = largest_read.min(u64::from(settings.chunk_size)).min(paced);
        let mut buffer = Vec::new();
        // At most CHUNK_SIZE: it fits a usize.
        buffer
            .try_reserve_exact(usize::try_from(largest).ok()?)
            .ok()?;
        has_headroom().then_some(buffer)
    }
}

/// Sends the body through `pump`, in order; a listing row by row, in
/// directory order.
pub async fn send_body<R: Root>(
    root: &R,
    body: OpenedBody<R>,
    pump: &mut impl Pump<File = R::File>,
    settings: &Settings,
) -> Result<(), BodyEnd> {
    match body {
        // Boxed: the walk's state would otherwise size every body's future,
        // a file's too, in an instance's small heap.
        OpenedBody::Archive(archive) => Box::pin(archive.send(root, pump, settings)).await,
        OpenedBody::File { file, segments, .. } => {
            for segment in segments {
                pump.send(Some(&file), segment).await?;
            }
            Ok(())
        }
        OpenedBody::Listing {
            path,
            mut dir,
            head,
            mut rows,
        } => {
            pump.send(None, Segment::Literal(head)).await?;
            loop {
                match root.next_entry(&mut dir).await {
                    NextEntry::Named { name, kind } => {
                        if rows.shows(&name) {
                            let listed = listed_as(root, &path, &name, kind, &rows).await;
                            let row = rows.row(&name, listed);
                            pump.send(None, Segment::Literal(row)).await?;
                        }
                    }
                    NextEntry::UnreadableName => rows.unreadable(),
                    // nginx's JSON shape has no place to say the entries
                    // stopped short: the response ends in an error instead.
                    NextEntry::End(EntriesEnd::StoppedAtUnreadableName)
                        if rows.format() == ListingFormat::Json =>
                    {
                        return Err(BodyEnd::Failed)
                    }
                    NextEntry::End(end) => {
                        return pump.send(None, Segment::Literal(rows.tail(end))).await
                    }
                    NextEntry::Failed => return Err(BodyEnd::Failed),
                }
            }
        }
    }
}

/// What a listing row says of the entry `name` of the directory `path`:
/// HTML only whether the entry is a directory; JSON what it leads to
/// (symlinks followed, as nginx does), with its time and size.
async fn listed_as<R: Root>(
    root: &R,
    path: &str,
    name: &str,
    kind: EntryKind,
    rows: &ListingRows,
) -> ListedAs {
    match rows.format() {
        ListingFormat::Html => match kind {
            EntryKind::Directory => ListedAs::Directory(None),
            EntryKind::RegularFile => ListedAs::File(None),
            EntryKind::SymbolicLink | EntryKind::Other => ListedAs::Other,
        },
        ListingFormat::Json => match root.stat(&child_path(path, name)).await {
            Ok(Entry::File(meta)) => ListedAs::File(Some(meta)),
            Ok(Entry::Directory(modified)) => ListedAs::Directory(modified),
            Ok(Entry::Other) | Err(_) => ListedAs::Other,
        },
    }
}
