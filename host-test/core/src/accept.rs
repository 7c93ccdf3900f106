//! Accepting connections for the servers of this crate (`serve`'s listener
//! and the metrics endpoint) and the bench's native baselines.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The next connection, with `TCP_NODELAY` set. A failed accept (e.g. out of
/// file descriptors) is logged and retried after a pause: the connections
/// already open go on being served.
pub async fn accept_connection(listener: &TcpListener) -> TcpStream {
    accept_connection_from(listener).await.0
}

/// `accept_connection`, with the client's address.
pub(crate) async fn accept_connection_from(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // Small writes (headers, last chunk) should not wait for Nagle.
                let _ = stream.set_nodelay(true);
                return (stream, peer);
            }
            Err(error) => {
                eprintln!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
