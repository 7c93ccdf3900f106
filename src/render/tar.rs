//! A POSIX tar archive (ustar, with pax extended headers where ustar cannot
//! hold a name or size), built one 512-byte header at a time, so that a
//! directory of any size streams as one download without being held whole.

use crate::decide::file_meta::FileMeta;

const BLOCK: usize = 512;
/// ustar's `name` field; longer or non-ASCII paths go in a pax `path` record.
const NAME_FIELD: usize = 100;
/// The largest size 11 octal digits hold (8 GiB - 1); larger ones go in a
/// pax `size` record.
const LARGEST_OCTAL_SIZE: u64 = 0o77_777_777_777;

/// The two zero blocks that end an archive.
pub(crate) fn end_of_archive() -> String {
    "\0".repeat(2 * BLOCK)
}

/// The header of the regular file `path` (relative, `/`-separated).
pub(crate) fn file_header(path: &str, meta: &FileMeta) -> String {
    let mtime = meta.modified.map_or(0, |t| t.seconds);
    member_header(path, b'0', meta.size, mtime, "0000644")
}

/// The header of the directory `path` (without its trailing slash).
pub(crate) fn directory_header(path: &str, mtime: u64) -> String {
    member_header(&format!("{path}/"), b'5', 0, mtime, "0000755")
}

/// The zeros after a member's `size` bytes, up to the next block.
pub fn padding(size: u64) -> String {
    let block = BLOCK as u64;
    let rest = size.checked_rem(block).unwrap_or(0);
    let pad = if rest == 0 {
        0
    } else {
        block.saturating_sub(rest)
    };
    "\0".repeat(usize::try_from(pad).unwrap_or(0))
}

/// A pax extended header first where ustar cannot say the path or size.
fn member_header(path: &str, typeflag: u8, size: u64, mtime: u64, mode: &str) -> String {
    let mut records = String::new();
    let long_path = path.len() > NAME_FIELD || !path.is_ascii();
    if long_path {
        records.push_str(&pax_record("path", path));
    }
    if size > LARGEST_OCTAL_SIZE {
        records.push_str(&pax_record("size", &size.to_string()));
    }
    let mut header = String::new();
    if !records.is_empty() {
        let pax_size = records.len() as u64;
        header.push_str(&ustar_header(
            &ascii_stand_in(path),
            b'x',
            pax_size,
            mtime,
            "0000644",
        ));
        header.push_str(&records);
        header.push_str(&padding(pax_size));
    }
    let name = if long_path {
        ascii_stand_in(path)
    } else {
        path.to_string()
    };
    let ustar_size = if size > LARGEST_OCTAL_SIZE { 0 } else { size };
    header.push_str(&ustar_header(&name, typeflag, ustar_size, mtime, mode));
    header
}

/// What a ustar field can hold in place of a path a pax record states: its
/// ASCII characters, at most `NAME_FIELD` bytes (readers that know pax use
/// the record).
fn ascii_stand_in(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii() && c != '\0' { c } else { '_' })
        .take(NAME_FIELD)
        .collect()
}

/// `"<length> <key>=<value>\n"`, where the length counts its own digits.
fn pax_record(key: &str, value: &str) -> String {
    // The key and value, a space, '=' and a newline.
    let body = key.len().saturating_add(value.len()).saturating_add(3);
    let mut length = body.saturating_add(1);
    while length != body.saturating_add(length.to_string().len()) {
        length = body.saturating_add(length.to_string().len());
    }
    format!("{length} {key}={value}\n")
}

/// One 512-byte ustar header; `name` is ASCII and at most 100 bytes.
fn ustar_header(name: &str, typeflag: u8, size: u64, mtime: u64, mode: &str) -> String {
    let mut block = [0u8; BLOCK];
    put(&mut block, 0, name.as_bytes());
    put(&mut block, 100, format!("{mode}\0").as_bytes());
    put(&mut block, 108, b"0000000\0");
    put(&mut block, 116, b"0000000\0");
    put(&mut block, 124, octal(size, 11).as_bytes());
    put(&mut block, 136, octal(mtime, 11).as_bytes());
    put(&mut block, 148, b"        ");
    put(&mut block, 156, &[typeflag]);
    put(&mut block, 257, b"ustar\x0000");
    let checksum: u32 = block.iter().map(|&b| u32::from(b)).sum();
    put(&mut block, 148, format!("{checksum:06o}\0 ").as_bytes());
    // Every byte written is ASCII, and `name` is: the block is UTF-8.
    String::from_utf8(block.to_vec()).unwrap_or_default()
}

/// `value` in `digits` octal digits and a NUL; all nines' worth if it does
/// not fit (callers keep values that do not fit out of ustar fields).
fn octal(value: u64, digits: usize) -> String {
    let text = format!("{value:0digits$o}");
    if text.len() > digits {
        format!("{}\0", "7".repeat(digits))
    } else {
        format!("{text}\0")
    }
}

fn put(block: &mut [u8; BLOCK], at: usize, bytes: &[u8]) {
    if let Some(field) = block.get_mut(at..at.saturating_add(bytes.len())) {
        field.copy_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::file_meta::Timestamp;

    fn meta(size: u64) -> FileMeta {
        FileMeta {
            size,
            modified: Some(Timestamp {
                seconds: 784_111_777,
                nanoseconds: 0,
            }),
        }
    }

    /// The checksum a reader computes: the header with its field as spaces.
    fn checksum_holds(block: &[u8]) -> bool {
        let stated =
            u32::from_str_radix(std::str::from_utf8(&block[148..154]).unwrap().trim(), 8).unwrap();
        let sum: u32 = block
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum();
        stated == sum
    }

    #[test]
    fn a_short_name_is_one_ustar_block() {
        let header = file_header("dir/a.txt", &meta(5));
        let block = header.as_bytes();
        assert_eq!(block.len(), 512);
        assert!(block.starts_with(b"dir/a.txt\0"));
        assert_eq!(&block[124..136], b"00000000005\0");
        assert_eq!(&block[136..148], b"05657114241\0");
        assert_eq!(block[156], b'0');
        assert_eq!(&block[257..265], b"ustar\x0000");
        assert!(checksum_holds(block));
        assert_eq!(padding(5).len(), 507);
        assert_eq!(padding(512).len(), 0);
        assert_eq!(padding(0).len(), 0);
        assert_eq!(directory_header("dir", 0).as_bytes()[156], b'5');
        assert_eq!(end_of_archive().len(), 1024);
    }

    #[test]
    fn long_or_non_ascii_names_and_huge_sizes_get_pax_records() {
        let long = format!("d/{}", "n".repeat(120));
        let header = file_header(&long, &meta(1));
        assert_eq!(header.len(), 3 * 512, "pax header, its records, the member");
        let bytes = header.as_bytes();
        assert_eq!(bytes[156], b'x');
        assert!(checksum_holds(&bytes[..512]) && checksum_holds(&bytes[1024..]));
        let record = pax_record("path", &long);
        assert!(header[512..].starts_with(&record));
        let (length, _) = record.split_once(' ').unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), record.len());
        assert!(file_header("é.txt", &meta(1)).contains("path=é.txt\n"));
        let huge = file_header("big.iso", &meta(10 << 30));
        assert!(huge.contains(&format!("size={}\n", 10u64 << 30)));
        assert_eq!(&huge.as_bytes()[1024 + 124..1024 + 136], b"00000000000\0");
        // Record lengths that cross a power of ten count their own digits.
        for n in 80..120 {
            let record = pax_record("path", &"x".repeat(n));
            let (length, _) = record.split_once(' ').unwrap();
            assert_eq!(length.parse::<usize>().unwrap(), record.len(), "{n}");
        }
    }
}
