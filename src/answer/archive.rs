//! A directory as one tar archive (`DIRECTORY_DOWNLOAD=tar`), walked depth
//! first while it is sent: the open directories of the current branch, one
//! header and one chunk at a time in linear memory, whatever the tree's size.
//! What a listing leaves out (hidden names, the rule files) is left out;
//! symlinks are not followed, nor are FIFOs or devices opened.

use super::root::{child_path, EntryKind, NextEntry, Root};
use crate::decide::file_lookup::{Entry, LookupError};
use crate::render::listing::EntriesEnd;
use crate::render::tar::{directory_header, end_of_archive, file_header, padding};
use crate::send::pump::Pump;
use crate::send::segment::{BodyEnd, Segment};
use crate::settings::Settings;

/// The deepest directory nesting archived; a deeper tree ends the response
/// in an error rather than leave a branch out or hold a directory per level
/// without end.
const MAX_DEPTH: usize = 32;

/// An archive with its top directory open.
pub struct Archive<R: Root> {
    top: Level<R>,
    modified: u64,
}

/// A directory being archived: its path relative to the root, and its
/// member name in the archive.
struct Level<R: Root> {
    dir: R::Dir,
    path: String,
    member: String,
}

impl<R: Root> Archive<R> {
    /// Opens the directory at `path`, archived under the folder `name`.
    pub async fn open(root: &R, path: String, name: String) -> Result<Archive<R>, LookupError> {
        let modified = directory_mtime(root, &path).await;
        let dir = root.open_dir(&path).await?;
        Ok(Archive {
            top: Level {
                dir,
                path,
                member: name,
            },
            modified,
        })
    }

    /// Sends every archived member and the end of the archive. A directory
    /// that cannot be read on, or a file that changes while it is sent, ends
    /// the response in an error: an archive is never silently short.
    pub async fn send(
        self,
        root: &R,
        pump: &mut impl Pump<File = R::File>,
        settings: &Settings,
    ) -> Result<(), BodyEnd> {
        let header = directory_header(&self.top.member, self.modified);
        pump.send(None, Segment::Literal(header)).await?;
        let mut open = vec![self.top];
        while let Some(level) = open.last_mut() {
            let (name, kind) = match root.next_entry(&mut level.dir).await {
                NextEntry::Named { name, kind } => (name, kind),
                NextEntry::End(EntriesEnd::Complete) => {
                    open.pop();
                    continue;
                }
                // A name that is not UTF-8 cannot be archived: leaving its
                // file out would make the archive silently short.
                NextEntry::UnreadableName
                | NextEntry::End(EntriesEnd::StoppedAtUnreadableName)
                | NextEntry::Failed => return Err(BodyEnd::Failed),
            };
            let path = child_path(&level.path, &name);
            if !is_archived(settings, &name, &path) {
                continue;
            }
            let member = format!("{}/{name}", level.member);
            match kind {
                EntryKind::Directory => {
                    if open.len() >= MAX_DEPTH {
                        return Err(BodyEnd::Failed);
                    }
                    let modified = directory_mtime(root, &path).await;
                    let dir = root.open_dir(&path).await.map_err(|_| BodyEnd::Failed)?;
                    let header = directory_header(&member, modified);
                    pump.send(None, Segment::Literal(header)).await?;
                    open.push(Level { dir, path, member });
                }
                EntryKind::RegularFile => send_file(root, pump, &path, &member).await?,
                EntryKind::SymbolicLink | EntryKind::Other => {}
            }
        }
        pump.send(None, Segment::Literal(end_of_archive())).await
    }
}

/// One file's header, bytes and padding. Its size and time are taken as it
/// is opened and checked after: a file that changed meanwhile would be
/// neither the old nor the new one.
async fn send_file<R: Root>(
    root: &R,
    pump: &mut impl Pump<File = R::File>,
    path: &str,
    member: &str,
) -> Result<(), BodyEnd> {
    let (file, before) = root.open_file(path).await.map_err(|_| BodyEnd::Failed)?;
    let size = before.size;
    pump.send(None, Segment::Literal(file_header(member, &before)))
        .await?;
    pump.send(
        Some(&file),
        Segment::FileRange {
            start: 0,
            len: size,
        },
    )
    .await?;
    match root.stat(path).await {
        Ok(Entry::File(after)) if after == before => {}
        _ => return Err(BodyEnd::Failed),
    }
    let padding = padding(size);
    if padding.is_empty() {
        return Ok(());
    }
    pump.send(None, Segment::Literal(padding)).await
}

/// Whether the entry `name` at `path` goes in: dot names only when hidden
/// files are served, never the site's own files.
fn is_archived(settings: &Settings, name: &str, path: &str) -> bool {
    (settings.serve_hidden || !name.starts_with('.'))
        && !settings.unserved_files().any(|file| file == path)
}

/// A directory's modification time in whole seconds, 0 where unknown.
async fn directory_mtime<R: Root>(root: &R, path: &str) -> u64 {
    match root.stat(path).await {
        Ok(Entry::Directory(Some(modified))) => modified.seconds,
        _ => 0,
    }
}
