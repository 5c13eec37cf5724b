//! The wire protocol between a provider's and a consumer's controller: TCP, each frame a 4-byte
//! big-endian length followed by one SCALE-encoded [`Frame`] (at most [`MAX_FRAME`] bytes).
//! A session starts with `Hello` from each side (protocol version, role, escrow); a peer with
//! another version or the same role is refused with an `Error` frame.
//!
//! A malformed, oversized or unexpected frame is answered with an `Error` frame and logged; it
//! never changes stored state (decoding happens before any state is touched). An `Error` frame
//! itself is never answered with one (two peers would echo each other for ever): a side that
//! waits for an answer ends its session on the peer's error.

use crate::channel::{Side, SignedState, Tick};
use cgrid_shared::{Balance, ChannelId, Signature};
use futures::{SinkExt, StreamExt};
use scale::{Decode, Encode};
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// 2: the consumer may open a session with `Join` (a provider daemon serving any consumer).
/// 3: each `Hello` carries a fresh challenge, and `Join` is signed by the channels' consumer key
/// over the provider's challenge ([`join_preimage`]): only the consumer can hold its channels.
pub const PROTOCOL_VERSION: u16 = 3;
/// Largest frame accepted, in bytes.
pub const MAX_FRAME: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum ErrorCode {
    /// The bytes are not a frame of this protocol.
    Malformed,
    UnsupportedVersion,
    /// The frame is valid but not expected now (e.g. a tick before the hello).
    Unexpected,
    UnknownChannel,
    /// The channel state machine refused it (the message says why).
    Refused,
    /// Storing failed; nothing was acknowledged.
    Storage,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum Frame {
    Hello {
        version: u16,
        side: Side,
        escrow: [u8; 32],
        /// Random, fresh per connection: the peer's `Join` signs it (no replay).
        challenge: [u8; 32],
    },
    /// Provider → consumer, first after the hello: "the newest state I have stored is `nonce`".
    /// The consumer answers with its newer state (`State`) if it signed one the provider lost
    /// (a crash between the consumer's signature and the provider's commit), else `Ack`.
    Resume {
        channel: ChannelId,
        nonce: u64,
    },
    /// Provider → consumer: minute `tick.minute` is done, `tick.amount` owed in total.
    Tick {
        channel: ChannelId,
        tick: Tick,
    },
    /// Consumer → provider: the signed state for a tick.
    State {
        channel: ChannelId,
        state: SignedState,
    },
    /// Provider → consumer: the state with this nonce is stored; service continues.
    Ack {
        channel: ChannelId,
        nonce: u64,
    },
    /// Provider → consumer: please countersign a cooperative close at this state.
    CloseRequest {
        channel: ChannelId,
        nonce: u64,
        cumulative: Balance,
        provider_signature: Signature,
    },
    /// Consumer → provider: the countersignature.
    CloseSigned {
        channel: ChannelId,
        nonce: u64,
        cumulative: Balance,
        consumer_signature: Signature,
    },
    Error {
        code: ErrorCode,
        message: String,
    },
    /// Consumer → provider daemon, first after the hello: "serve these channels". The provider
    /// checks each on chain (it must be the provider, with its channel key) and the signature
    /// (the channels' consumer key over [`join_preimage`] with the provider's challenge) before
    /// resuming.
    Join {
        channels: Vec<ChannelId>,
        signature: Signature,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("the peer closed the connection")]
    Closed,
    /// Nothing arrived for the connection's answer timeout ([`Conn::set_timeout`]).
    #[error("the peer sent nothing for {0} s")]
    Silent(u64),
    #[error("the peer reported {code:?}: {message}")]
    Peer { code: ErrorCode, message: String },
}

/// Domain of a `Join` signature.
pub const JOIN_DOMAIN: &[u8; 16] = b"cgrid/join/v3\0\0\0";

/// What a consumer signs to join `channels` at the provider of `escrow` that sent `challenge`
/// in its hello: the domain, the escrow, the challenge and the SCALE-encoded channel list.
pub fn join_preimage(escrow: &[u8; 32], challenge: &[u8; 32], channels: &[ChannelId]) -> Vec<u8> {
    let mut preimage = Vec::with_capacity(16 + 32 + 32 + 5 + 32 * channels.len());
    preimage.extend_from_slice(JOIN_DOMAIN);
    preimage.extend_from_slice(escrow);
    preimage.extend_from_slice(challenge);
    channels.encode_to(&mut preimage);
    preimage
}

/// The hash of [`join_preimage`], which the consumer's channel key signs (sr25519).
pub fn join_hash(escrow: &[u8; 32], challenge: &[u8; 32], channels: &[ChannelId]) -> [u8; 32] {
    sp_core::hashing::blake2_256(&join_preimage(escrow, challenge, channels))
}

/// Decodes one frame; the whole buffer must be consumed.
pub fn decode_frame(mut bytes: &[u8]) -> Result<Frame, WireError> {
    let frame = Frame::decode(&mut bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !bytes.is_empty() {
        return Err(WireError::Malformed(format!(
            "{} trailing bytes",
            bytes.len()
        )));
    }
    Ok(frame)
}

/// The challenges of a connection's two `Hello`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenges {
    pub ours: [u8; 32],
    pub theirs: [u8; 32],
}

/// A framed connection.
pub struct Conn {
    inner: Framed<TcpStream, LengthDelimitedCodec>,
    /// How long [`Conn::recv`] waits for a frame (`None`: for ever).
    timeout: Option<std::time::Duration>,
}

impl Conn {
    pub fn new(stream: TcpStream) -> Conn {
        let codec = LengthDelimitedCodec::builder()
            .max_frame_length(MAX_FRAME)
            .new_codec();
        let _ = stream.set_nodelay(true);
        Conn {
            inner: Framed::new(stream, codec),
            timeout: None,
        }
    }

    /// Makes [`Conn::recv`] give up with [`WireError::Silent`] when the peer sends nothing
    /// for `timeout`: a peer that stops answering without closing the connection must not
    /// hold a session (and the channel's funds) for ever.
    pub fn set_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.timeout = timeout;
    }

    pub async fn send(&mut self, frame: &Frame) -> Result<(), WireError> {
        self.inner.send(bytes::Bytes::from(frame.encode())).await?;
        Ok(())
    }

    /// Queues a frame without flushing (batching); [`Conn::flush`] sends what is queued.
    pub async fn feed(&mut self, frame: &Frame) -> Result<(), WireError> {
        self.inner.feed(bytes::Bytes::from(frame.encode())).await?;
        Ok(())
    }

    pub async fn flush(&mut self) -> Result<(), WireError> {
        SinkExt::<bytes::Bytes>::flush(&mut self.inner).await?;
        Ok(())
    }

    /// The next frame. A frame that does not decode (or is too long) is answered with an
    /// `Error` frame and reported as `Malformed`; the caller decides whether to go on.
    pub async fn recv(&mut self) -> Result<Frame, WireError> {
        let next = match self.timeout {
            Some(limit) => tokio::time::timeout(limit, self.inner.next())
                .await
                .map_err(|_| WireError::Silent(limit.as_secs()))?,
            None => self.inner.next().await,
        };
        match next {
            None => Err(WireError::Closed),
            Some(Err(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                let message = format!("frame refused: {e}");
                let _ = self.send_error(ErrorCode::Malformed, &message).await;
                Err(WireError::Malformed(message))
            }
            Some(Err(e)) => Err(WireError::Io(e)),
            Some(Ok(bytes)) => match decode_frame(&bytes) {
                Ok(Frame::Error { code, message }) => Err(WireError::Peer { code, message }),
                Ok(frame) => Ok(frame),
                Err(e) => {
                    let _ = self.send_error(ErrorCode::Malformed, &e.to_string()).await;
                    Err(e)
                }
            },
        }
    }

    pub async fn send_error(&mut self, code: ErrorCode, message: &str) -> Result<(), WireError> {
        tracing::warn!(?code, message, "sending error frame");
        self.send(&Frame::Error {
            code,
            message: message.into(),
        })
        .await
    }

    /// Exchanges `Hello`s; fails unless the peer speaks this version, plays the other role and
    /// uses the same escrow. Returns both challenges (a consumer signs the provider's in `Join`;
    /// the provider checks that signature against its own).
    pub async fn handshake(
        &mut self,
        side: Side,
        escrow: [u8; 32],
    ) -> Result<Challenges, WireError> {
        let ours: [u8; 32] = rand::random();
        self.send(&Frame::Hello {
            version: PROTOCOL_VERSION,
            side,
            escrow,
            challenge: ours,
        })
        .await?;
        match self.recv().await? {
            Frame::Hello {
                version,
                side: theirs,
                escrow: their_escrow,
                challenge,
            } => {
                let problem = if version != PROTOCOL_VERSION {
                    Some((
                        ErrorCode::UnsupportedVersion,
                        format!("protocol {version} is not supported (this is {PROTOCOL_VERSION})"),
                    ))
                } else if theirs == side {
                    Some((ErrorCode::Unexpected, format!("both sides are {side:?}")))
                } else if their_escrow != escrow {
                    Some((ErrorCode::Unexpected, "another escrow contract".into()))
                } else {
                    None
                };
                match problem {
                    Some((code, message)) => {
                        self.send_error(code, &message).await?;
                        Err(WireError::Peer { code, message })
                    }
                    None => Ok(Challenges {
                        ours,
                        theirs: challenge,
                    }),
                }
            }
            other => {
                let message = format!("expected Hello, got {}", name(&other));
                self.send_error(ErrorCode::Unexpected, &message).await?;
                Err(WireError::Malformed(message))
            }
        }
    }
}

/// A frame's name, for messages.
pub fn name(frame: &Frame) -> &'static str {
    match frame {
        Frame::Hello { .. } => "Hello",
        Frame::Resume { .. } => "Resume",
        Frame::Tick { .. } => "Tick",
        Frame::State { .. } => "State",
        Frame::Ack { .. } => "Ack",
        Frame::CloseRequest { .. } => "CloseRequest",
        Frame::CloseSigned { .. } => "CloseSigned",
        Frame::Error { .. } => "Error",
        Frame::Join { .. } => "Join",
    }
}

#[cfg(test)]
mod join_tests {
    use super::*;

    #[test]
    fn the_largest_join_fits_one_frame() {
        let join = Frame::Join {
            channels: vec![[7; 32]; crate::daemon::MAX_JOIN],
            signature: [9; 64],
        };
        assert!(join.encode().len() <= MAX_FRAME);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_trailing_bytes_are_refused() {
        let frame = Frame::Tick {
            channel: [1; 32],
            tick: Tick {
                minute: 3,
                amount: 30,
            },
        };
        let mut bytes = frame.encode();
        assert_eq!(decode_frame(&bytes).unwrap(), frame);
        bytes.push(0);
        assert!(matches!(decode_frame(&bytes), Err(WireError::Malformed(_))));
        assert!(matches!(
            decode_frame(&[0xFF]),
            Err(WireError::Malformed(_))
        ));
        assert!(matches!(decode_frame(&[]), Err(WireError::Malformed(_))));
    }
}

#[cfg(test)]
mod fault_tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt as _;

    /// A connection and the raw socket of its peer.
    async fn pair() -> (Conn, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let peer = TcpStream::connect(listener.local_addr().expect("addr"))
            .await
            .expect("connect");
        let (ours, _) = listener.accept().await.expect("accept");
        (Conn::new(ours), peer)
    }

    fn framed(frame: &Frame) -> Vec<u8> {
        let body = frame.encode();
        let mut bytes = (body.len() as u32).to_be_bytes().to_vec();
        bytes.extend(body);
        bytes
    }

    /// Issue 19 (fault): a frame sent byte by byte arrives whole; a frame that is never
    /// finished ends in the connection's timeout, not a hang.
    #[tokio::test]
    async fn a_frame_byte_by_byte_arrives_and_an_unfinished_one_times_out() {
        let (mut conn, mut peer) = pair().await;
        conn.set_timeout(Some(Duration::from_secs(5)));
        let frame = Frame::Tick {
            channel: [9; 32],
            tick: Tick {
                minute: 1,
                amount: 10,
            },
        };
        let bytes = framed(&frame);
        let dribble = async {
            for b in &bytes {
                peer.write_all(&[*b]).await.expect("write");
                peer.flush().await.expect("flush");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            peer
        };
        let (received, mut peer) = tokio::join!(conn.recv(), dribble);
        assert_eq!(received.expect("a whole frame"), frame);

        conn.set_timeout(Some(Duration::from_millis(200)));
        peer.write_all(&bytes[..bytes.len() - 1])
            .await
            .expect("write");
        assert!(matches!(conn.recv().await, Err(WireError::Silent(_))));
    }

    /// A length beyond `MAX_FRAME` is refused when its header arrives, without waiting for (or
    /// buffering) the body: memory stays bounded whatever a peer announces.
    #[tokio::test]
    async fn an_oversized_frame_is_refused_from_its_header() {
        let (mut conn, mut peer) = pair().await;
        conn.set_timeout(Some(Duration::from_secs(5)));
        peer.write_all(&u32::MAX.to_be_bytes())
            .await
            .expect("write");
        assert!(matches!(conn.recv().await, Err(WireError::Malformed(_))));
    }
}
