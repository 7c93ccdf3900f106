//! A process's resident memory, from `/proc/PID/status` (Linux).

/// Sizes in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcessMemory {
    /// `VmRSS`: anonymous + file-backed + shared-memory pages mapped.
    pub rss: u64,
    /// `RssAnon`: heap, stacks, linear memories.
    pub rss_anon: u64,
    /// `RssFile` + `RssShmem`: mapped files and memfd images (counted once
    /// per mapping, so copy-on-write images count per instance).
    pub rss_file_and_shmem: u64,
    /// `Threads`.
    pub threads: u64,
    /// `Pss` from `/proc/PID/smaps_rollup`: like RSS, but a page shared by
    /// several mappings (e.g. the copy-on-write image of every instance's
    /// linear memory) counts once in total.
    pub pss: Option<u64>,
}

pub fn read(pid: u32) -> std::io::Result<ProcessMemory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let mut memory = parse_status(&text).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("/proc/{pid}/status has no VmRSS"),
        )
    })?;
    memory.pss = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|text| kib_field(&text, "Pss"));
    Ok(memory)
}

/// The `NAME:   123 kB` line's value, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key == name).then(|| value.split_whitespace().next()?.parse::<u64>().ok())?
        })
        .map(|kib| kib * 1024)
}

fn parse_status(text: &str) -> Option<ProcessMemory> {
    let mut memory = ProcessMemory::default();
    let mut saw_rss = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let number = || -> Option<u64> { value.split_whitespace().next()?.parse().ok() };
        match key {
            "VmRSS" => {
                memory.rss = number()? * 1024;
                saw_rss = true;
            }
            "RssAnon" => memory.rss_anon = number()? * 1024,
            "RssFile" | "RssShmem" => memory.rss_file_and_shmem += number()? * 1024,
            "Threads" => memory.threads = number()?,
            _ => {}
        }
    }
    saw_rss.then_some(memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let text = "Name:\thost-test\nVmRSS:\t   20480 kB\nRssAnon:\t   12288 kB\n\
                    RssFile:\t    8000 kB\nRssShmem:\t     192 kB\nThreads:\t5\n";
        assert_eq!(
            parse_status(text),
            Some(ProcessMemory {
                rss: 20480 * 1024,
                rss_anon: 12288 * 1024,
                rss_file_and_shmem: 8192 * 1024,
                threads: 5,
                pss: None,
            })
        );
        assert_eq!(parse_status("Name:\tx\n"), None);
        assert_eq!(
            kib_field("Rss:  100 kB\nPss:   40 kB\n", "Pss"),
            Some(40 * 1024)
        );
    }

    #[test]
    fn reads_our_own_process() {
        let memory = read(std::process::id()).unwrap();
        assert!(memory.rss > 0 && memory.threads >= 1);
        assert!(memory.pss.is_some_and(|pss| pss > 0 && pss <= memory.rss));
    }
}
