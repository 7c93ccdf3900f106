//! What the rule files (`_redirects`, `_headers`) say about a request, read
//! from the root line by line, a few KiB at a time.

use super::root::Root;
use crate::decide::file_lookup::Entry;
use crate::rules::lines::Flow;
use crate::rules::scan::{
    rule_files, rule_request, FileScan, RuleFile, ScanResult, SiteRules, MAX_RULES_FILE, READ_CHUNK,
};
use crate::settings::Settings;

pub async fn read_site_rules(root: &impl Root, target: &str, settings: &Settings) -> SiteRules {
    let mut rules = SiteRules::default();
    let Some((path, query)) = rule_request(target) else {
        return rules;
    };
    for (file, name) in rule_files(settings) {
        if let Some(found) = scan_rule_file(root, file, name, &path, query.as_deref()).await {
            rules.add(found);
        }
    }
    rules
}

/// `None` when the file is absent, too large or unreadable: no rules from it.
async fn scan_rule_file(
    root: &impl Root,
    file: RuleFile,
    name: &str,
    path: &str,
    query: Option<&str>,
) -> Option<ScanResult> {
    let Ok(Entry::File(meta)) = root.stat(name).await else {
        return None;
    };
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
