//! What the rule files (`_redirects`, `_headers`) say about a request, read
//! from the root line by line, a few KiB at a time. With `RULES_RECHECK`, a
//! rule file found absent is not looked up again in this instance until that
//! long has passed (nginx's `open_file_cache_valid`): a site without rule
//! files then costs no failed lookup per request.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::root::Root;
use crate::decide::file_lookup::{Entry, LookupError};
use crate::decide::file_meta::FileMeta;
use crate::rules::lines::Flow;
use crate::rules::scan::{
    rule_files, rule_request, FileScan, RuleFile, ScanResult, SiteRules, MAX_RULES_FILE, READ_CHUNK,
};
use crate::settings::Settings;

thread_local! {
    /// When each rule file (`Redirects`, `Headers`) was last found absent.
    static ABSENT_SINCE: Cell<[Option<Instant>; 2]> = const { Cell::new([None, None]) };
}

fn slot(file: RuleFile) -> usize {
    match file {
        RuleFile::Redirects => 0,
        RuleFile::Headers => 1,
    }
}

/// Whether `file` was found absent less than `recheck` ago.
fn known_absent(file: RuleFile, now: Instant, recheck: Duration) -> bool {
    let since = ABSENT_SINCE.with(Cell::get);
    since
        .get(slot(file))
        .copied()
        .flatten()
        .is_some_and(|since| now.saturating_duration_since(since) < recheck)
}

fn note_absence(file: RuleFile, absent_at: Option<Instant>) {
    ABSENT_SINCE.with(|cell| {
        let mut since = cell.get();
        if let Some(entry) = since.get_mut(slot(file)) {
            *entry = absent_at;
        }
        cell.set(since);
    });
}

pub(crate) async fn read_site_rules(
    root: &impl Root,
    target: &str,
    settings: &Settings,
) -> SiteRules {
    let mut rules = SiteRules::default();
    let Some((path, query)) = rule_request(target) else {
        return rules;
    };
    let now = settings
        .rules_recheck
        .map(|recheck| (Instant::now(), recheck));
    for (file, name) in rule_files(settings) {
        if let Some((now, recheck)) = now {
            if known_absent(file, now, recheck) {
                continue;
            }
        }
        match scan_rule_file(root, file, name, &path, query.as_deref()).await {
            RuleFileScan::Absent => note_absence(file, now.map(|(now, _)| now)),
            RuleFileScan::NoRules => note_absence(file, None),
            RuleFileScan::Rules(found) => {
                note_absence(file, None);
                rules.add(found);
            }
        }
    }
    rules
}

/// What one rule file gave for a request.
enum RuleFileScan {
    /// Nothing at its path.
    Absent,
    /// There, but too large, not a file or unreadable: no rules from it.
    NoRules,
    Rules(ScanResult),
}

async fn scan_rule_file(
    root: &impl Root,
    file: RuleFile,
    name: &str,
    path: &str,
    query: Option<&str>,
) -> RuleFileScan {
    let meta = match root.stat(name).await {
        Ok(Entry::File(meta)) => meta,
        Err(LookupError::NotFound) => return RuleFileScan::Absent,
        _ => return RuleFileScan::NoRules,
    };
    scan_file(root, file, name, meta, path, query)
        .await
        .map_or(RuleFileScan::NoRules, RuleFileScan::Rules)
}

async fn scan_file(
    root: &impl Root,
    file: RuleFile,
    name: &str,
    meta: FileMeta,
    path: &str,
    query: Option<&str>,
) -> Option<ScanResult> {
    let mut scan = FileScan::start(file, name, meta, path, query)?;
    let (descriptor, _) = root.open_file(name).await.ok()?;
    let mut offset = 0u64;
    while offset < MAX_RULES_FILE {
        let chunk = root.read(&descriptor, offset, READ_CHUNK).await?;
        if chunk.is_empty() || scan.feed(name, &chunk) == Flow::Stop {
            break;
        }
        offset = offset.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
    }
    Some(scan.finish(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::root::NextEntry;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// A root with no files, counting its lookups.
    #[derive(Default)]
    struct EmptyRoot {
        stats: Cell<usize>,
    }

    impl Root for EmptyRoot {
        type File = ();
        type Dir = ();

        async fn stat(&self, _: &str) -> Result<Entry, LookupError> {
            self.stats.set(self.stats.get() + 1);
            Err(LookupError::NotFound)
        }

        async fn open_file(&self, _: &str) -> Result<((), FileMeta), LookupError> {
            Err(LookupError::NotFound)
        }

        async fn read(&self, _: &(), _: u64, _: u64) -> Option<Vec<u8>> {
            None
        }

        async fn open_dir(&self, _: &str) -> Result<(), LookupError> {
            Err(LookupError::NotFound)
        }

        async fn next_entry(&self, _: &mut ()) -> NextEntry {
            NextEntry::Failed
        }
    }

    fn ready<T>(future: impl Future<Output = T>) -> T {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the empty root answers at once"),
        }
    }

    /// Lookups of the rule files over three requests.
    fn lookups(recheck: Option<Duration>) -> usize {
        let settings = Settings {
            rules_recheck: recheck,
            ..Settings::default()
        };
        let root = EmptyRoot::default();
        for _ in 0..3 {
            ready(read_site_rules(&root, "/a.txt", &settings));
        }
        root.stats.get()
    }

    #[test]
    fn absent_rule_files_are_looked_up_again_after_the_recheck_time() {
        // Each test runs on a thread of its own: its own ABSENT_SINCE.
        assert_eq!(lookups(None), 6, "every request looks");
        assert_eq!(
            lookups(Some(Duration::ZERO)),
            6,
            "nothing is known for long"
        );
        assert_eq!(
            lookups(Some(Duration::from_secs(60))),
            0,
            "known absent already"
        );
        note_absence(RuleFile::Redirects, None);
        note_absence(RuleFile::Headers, None);
        assert_eq!(
            lookups(Some(Duration::from_secs(60))),
            2,
            "once, then known"
        );
    }
}
