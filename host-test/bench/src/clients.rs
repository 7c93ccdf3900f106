//! The bench's HTTP/1.1 clients, on raw tokio sockets so that every one of
//! them controls its receive buffer and its reading pace: a full-speed
//! download, a slow reader (about 1 MiB/s), a stalled reader (small
//! `SO_RCVBUF`, reads a few KiB, then stops reading) and a keep-alive request
//! loop for requests/s. Responses are expected with `Content-Length` (both
//! servers send it for files); without one, a body runs to the end of the
//! connection.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use crate::bench_site::MIB;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// The slow client's pace.
pub const SLOW_RATE: u64 = MIB;
/// The slow client's `SO_RCVBUF`, so the server can only run a little ahead.
pub const SLOW_RECEIVE_BUFFER: u32 = 64 * 1024;

/// Opens a connection; `receive_buffer` sets `SO_RCVBUF` before connecting
/// (the kernel doubles it and applies its minimum).
pub async fn connect(addr: SocketAddr, receive_buffer: Option<u32>) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size)?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn request(target: &str, keep_alive: bool) -> String {
    let connection = if keep_alive {
        ""
    } else {
        "Connection: close\r\n"
    };
    format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: host-test-bench\r\n{connection}\r\n")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub content_length: Option<u64>,
}

/// A head, the body bytes that arrived with it, and when the first byte came.
struct HeadRead {
    head: Head,
    body_prefix: u64,
    first_byte_at: Instant,
}

async fn read_head(stream: &mut TcpStream) -> io::Result<HeadRead> {
    let mut received = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let mut first_byte_at = None;
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before a response head",
            ));
        }
        first_byte_at.get_or_insert_with(Instant::now);
        received.extend_from_slice(&chunk[..n]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse_head(&received[..end])?;
            return Ok(HeadRead {
                head,
                body_prefix: (received.len() - end - 4) as u64,
                first_byte_at: first_byte_at.expect("set above"),
            });
        }
        if received.len() > MAX_HEAD {
            return Err(invalid("response head over 64 KiB"));
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

fn parse_head(head: &[u8]) -> io::Result<Head> {
    let text = std::str::from_utf8(head).map_err(|_| invalid("response head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    let content_length = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    });
    Ok(Head {
        status,
        content_length,
    })
}

/// Reads the rest of a body of `length` bytes (`None`: until the end of the
/// connection); returns the bytes read, and whether the whole body came.
async fn read_body(
    stream: &mut TcpStream,
    length: Option<u64>,
    mut read: u64,
    buf: &mut [u8],
) -> io::Result<(u64, bool)> {
    loop {
        if length.is_some_and(|length| read >= length) {
            return Ok((read, true));
        }
        let want = length.map_or(buf.len(), |length| {
            (length - read).min(buf.len() as u64) as usize
        });
        let n = stream.read(&mut buf[..want]).await?;
        if n == 0 {
            return Ok((read, length.is_none()));
        }
        read += n as u64;
    }
}

/// A download read as fast as possible.
#[derive(Clone, Copy, Debug)]
pub struct Download {
    pub status: u16,
    pub bytes: u64,
    pub complete: bool,
    /// From the start of the connect to the first response byte.
    pub time_to_first_byte: Duration,
    /// From the start of the connect to the last body byte.
    pub total: Duration,
}

/// GET `target` on a new connection, reading everything as fast as it comes.
pub async fn download(addr: SocketAddr, target: &str) -> io::Result<Download> {
    let started = Instant::now();
    let mut stream = connect(addr, None).await?;
    stream.write_all(request(target, false).as_bytes()).await?;
    let head = read_head(&mut stream).await?;
    let mut buf = vec![0u8; 256 * 1024];
    let (bytes, complete) = read_body(
        &mut stream,
        head.head.content_length,
        head.body_prefix,
        &mut buf,
    )
    .await?;
    Ok(Download {
        status: head.head.status,
        bytes,
        complete,
        time_to_first_byte: head.first_byte_at - started,
        total: started.elapsed(),
    })
}

/// A download read at a steady pace, cut short at a time limit.
#[derive(Clone, Copy, Debug)]
pub struct SlowDownload {
    pub status: u16,
    pub bytes: u64,
    pub complete: bool,
    /// From the start of the connect to the end (complete, or the client left).
    pub elapsed: Duration,
}

/// The bench's slow client: `download_slowly` at `SLOW_RATE` with a
/// `SLOW_RECEIVE_BUFFER`, leaving after `limit`; `Err` when it has not ended
/// `grace` after that, failed, or got another status than 200.
pub async fn slow_client(
    addr: SocketAddr,
    target: &str,
    limit: Duration,
    grace: Duration,
) -> anyhow::Result<SlowDownload> {
    use anyhow::Context as _;
    let download = download_slowly(addr, target, SLOW_RATE, SLOW_RECEIVE_BUFFER, limit);
    let download = tokio::time::timeout(limit + grace, download)
        .await
        .with_context(|| format!("GET {target} (slow) did not end"))?
        .with_context(|| format!("GET {target} (slow)"))?;
    anyhow::ensure!(
        download.status == 200,
        "GET {target} (slow): status {}",
        download.status
    );
    Ok(download)
}

/// GET `target` and read it at about `bytes_per_second`, in 10 ms ticks, with
/// a `receive_buffer`-sized socket buffer; close the connection once the body
/// is complete or `limit` has passed since the start (a limit of zero leaves
/// right after the head).
pub async fn download_slowly(
    addr: SocketAddr,
    target: &str,
    bytes_per_second: u64,
    receive_buffer: u32,
    limit: Duration,
) -> io::Result<SlowDownload> {
    const TICK: Duration = Duration::from_millis(10);
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(started + limit);
    let mut stream = connect(addr, Some(receive_buffer)).await?;
    stream.write_all(request(target, false).as_bytes()).await?;
    let head = read_head(&mut stream).await?;
    let length = head.head.content_length;
    let mut bytes = head.body_prefix;
    let mut buf = vec![0u8; 64 * 1024];
    let per_tick = (bytes_per_second / 100).max(1);
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut complete = length.is_some_and(|length| bytes >= length);
    'reading: while !complete {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break 'reading,
            _ = ticks.tick() => {}
        }
        let mut budget = per_tick;
        while budget > 0 {
            let want = budget.min(buf.len() as u64) as usize;
            let want = length.map_or(want, |length| want.min((length - bytes) as usize));
            let n = tokio::select! {
                read = stream.read(&mut buf[..want]) => read?,
                _ = tokio::time::sleep_until(deadline) => break 'reading,
            };
            if n == 0 {
                complete = length.is_none();
                break 'reading;
            }
            bytes += n as u64;
            budget -= n as u64;
            if length.is_some_and(|length| bytes >= length) {
                complete = true;
                break 'reading;
            }
        }
    }
    let elapsed = started.elapsed();
    drop(stream);
    Ok(SlowDownload {
        status: head.head.status,
        bytes,
        complete,
        elapsed,
    })
}

/// `SO_RCVBUF` of a stalled client.
pub const STALLED_RECEIVE_BUFFER: u32 = 4096;
/// Body bytes a stalled client reads before it stops reading.
pub const STALLED_READ: u64 = 4096;

/// A connection that requested a body, read `STALLED_READ` bytes of it and
/// stopped reading; dropping it closes the connection.
pub struct Stalled {
    /// Held open and never read again; dropping it closes the connection.
    #[allow(dead_code)]
    pub stream: TcpStream,
    pub status: u16,
    /// The whole body came before the client stalled (it fit in the buffers).
    pub complete: bool,
}

pub async fn stall(addr: SocketAddr, target: &str) -> io::Result<Stalled> {
    let mut stream = connect(addr, Some(STALLED_RECEIVE_BUFFER)).await?;
    stream.write_all(request(target, true).as_bytes()).await?;
    let head = read_head(&mut stream).await?;
    let length = head.head.content_length;
    let mut bytes = head.body_prefix;
    let mut buf = [0u8; 4096];
    while bytes < STALLED_READ && length.is_none_or(|length| bytes < length) {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
    }
    Ok(Stalled {
        stream,
        status: head.head.status,
        complete: length.is_some_and(|length| bytes >= length),
    })
}

/// What a request loop got done.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestCount {
    /// Responses with status 200 and the whole body.
    pub ok: u64,
    /// Other statuses, short bodies, connection errors.
    pub failed: u64,
}

/// GETs `target` again and again on a keep-alive connection until `until`,
/// reconnecting when the connection breaks (at most 100 failures).
pub async fn request_loop(addr: SocketAddr, target: &str, until: Instant) -> RequestCount {
    let mut count = RequestCount::default();
    let request = request(target, true);
    let mut buf = vec![0u8; 64 * 1024];
    let mut stream = None;
    while Instant::now() < until && count.failed < 100 {
        if stream.is_none() {
            match connect(addr, None).await {
                Ok(connected) => stream = Some(connected),
                Err(_) => {
                    count.failed += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let connection = stream.as_mut().expect("connected above");
        let exchange = async {
            connection.write_all(request.as_bytes()).await?;
            let head = read_head(connection).await?;
            let length = head
                .head
                .content_length
                .ok_or_else(|| invalid("no Content-Length on a keep-alive response"))?;
            let (_, complete) =
                read_body(connection, Some(length), head.body_prefix, &mut buf).await?;
            io::Result::Ok(head.head.status == 200 && complete)
        };
        match exchange.await {
            Ok(true) => count.ok += 1,
            Ok(false) => count.failed += 1,
            Err(_) => {
                count.failed += 1;
                stream = None;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-type: x\r\nContent-Length: 1024").unwrap(),
            Head {
                status: 200,
                content_length: Some(1024)
            }
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 500 Internal Server Error").unwrap(),
            Head {
                status: 500,
                content_length: None
            }
        );
        assert!(parse_head(b"garbage").is_err());
    }
}
