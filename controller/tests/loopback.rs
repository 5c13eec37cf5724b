//! Two controllers over loopback TCP against the embedded chain (the demo's flow), and the wire
//! protocol's handling of bad input: garbage, oversized and out-of-order frames get an error
//! frame and change nothing that is stored.

use controller::channel::{ChannelRecord, LocalPhase, Side, Terms, Tick};
use controller::demo;
use controller::session::{self, CheckpointPolicy};
use controller::store::{ChannelStore as _, RedbStore};
use controller::trade::TradeConfig;
use controller::wire::{decode_frame, Conn, ErrorCode, Frame, MAX_FRAME, PROTOCOL_VERSION};
use futures::{SinkExt, StreamExt};
use scale::Encode;
use sp_core::{sr25519, Pair};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trade_runs_checkpoints_closes_and_survives_a_stale_close() {
    let dir = tempfile::tempdir().unwrap();
    let price = 1_000;
    let report = demo::run(TradeConfig {
        minutes: 12,
        price_per_minute: price,
        min_cost: 5_000,
        policy: CheckpointPolicy {
            every_minutes: 5,
            threshold: 0,
        },
        data_dir: dir.path().to_path_buf(),
    })
    .await
    .expect("the demo runs");
    assert_eq!(report.minutes, 12);
    assert_eq!(report.paid, 12 * price);
    assert_eq!(report.paid + report.refunded, report.deposit);
    assert_eq!(
        report.onchain_calls, 9,
        "auction (create, 2 commits, 2 reveals, finalize), 2 checkpoints, close"
    );
    assert_eq!(report.dispute_paid, report.dispute_expected);
    assert_eq!(
        report.dispute_paid,
        10 * price,
        "the newest state, not the stale one"
    );
    assert!(report.per_minute_ref_time > report.channel_ref_time);
    // Both stores hold every state.
    let provider = RedbStore::open(&dir.path().join("provider.redb")).unwrap();
    let channels = provider.channels().unwrap();
    assert_eq!(channels.len(), 2);
    let first = channels
        .iter()
        .find(|c| c.minutes() == 12)
        .expect("the 12-minute trade");
    assert_eq!(provider.history(&first.id()).unwrap().len(), 12);
    assert!(matches!(first.phase, LocalPhase::Closed { .. }));
}

fn consumer_record() -> (ChannelRecord, sr25519::Pair) {
    let key = sr25519::Pair::from_seed(&[5; 32]);
    let mut record = ChannelRecord::new(
        Terms {
            channel: [1; 32],
            escrow: ink::primitives::AccountId::from([2; 32]),
            price_per_minute: 10,
            min_cost: 0,
            deposit: 1_000,
            consumer_key: key.public().0,
            provider_key: [3; 32],
            expires_at: u64::MAX,
            challenge_period: 60_000,
        },
        Side::Consumer,
    );
    record.phase = LocalPhase::Open;
    (record, key)
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consumer.redb");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let consumer = tokio::spawn(async move {
        let (mut record, key) = consumer_record();
        let store = RedbStore::create(&path).unwrap();
        store.save_channel(&record).unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let mut conn = Conn::new(stream);
        conn.handshake(Side::Consumer, [2; 32]).await.unwrap();
        session::consume(&mut conn, &store, &mut record, &key)
            .await
            .unwrap();
        (record, store.history(&[1; 32]).unwrap())
    });
    let stream = TcpStream::connect(address).await.unwrap();
    let mut raw = Framed::new(
        stream,
        LengthDelimitedCodec::builder()
            .max_frame_length(4 * MAX_FRAME)
            .new_codec(),
    );
    let hello = Frame::Hello {
        version: PROTOCOL_VERSION,
        side: Side::Provider,
        escrow: [2; 32],
        challenge: [3; 32],
    };
    raw.send(bytes::Bytes::from(hello.encode())).await.unwrap();
    let _their_hello = raw.next().await.unwrap().unwrap();
    let expect_error = |bytes: bytes::BytesMut, code: ErrorCode| match decode_frame(&bytes).unwrap()
    {
        Frame::Error { code: got, message } => {
            assert_eq!(got, code, "{message}");
            message
        }
        other => panic!("expected an error frame, got {other:?}"),
    };
    // Garbage.
    raw.send(bytes::Bytes::from(vec![0xFF, 0x00, 0x13]))
        .await
        .unwrap();
    expect_error(raw.next().await.unwrap().unwrap(), ErrorCode::Malformed);
    // Out of order: minute 2 first.
    let tick = |minute, amount| Frame::Tick {
        channel: [1; 32],
        tick: Tick { minute, amount },
    };
    raw.send(bytes::Bytes::from(tick(2, 20).encode()))
        .await
        .unwrap();
    let message = expect_error(raw.next().await.unwrap().unwrap(), ErrorCode::Refused);
    assert!(message.contains("out of order"), "{message}");
    // Wrong amount.
    raw.send(bytes::Bytes::from(tick(1, 11).encode()))
        .await
        .unwrap();
    expect_error(raw.next().await.unwrap().unwrap(), ErrorCode::Refused);
    // Another channel.
    raw.send(
        Frame::Tick {
            channel: [9; 32],
            tick: Tick {
                minute: 1,
                amount: 10,
            },
        }
        .encode()
        .into_iter()
        .collect::<bytes::Bytes>(),
    )
    .await
    .unwrap();
    expect_error(
        raw.next().await.unwrap().unwrap(),
        ErrorCode::UnknownChannel,
    );
    // A valid tick still works after all that.
    raw.send(bytes::Bytes::from(tick(1, 10).encode()))
        .await
        .unwrap();
    match decode_frame(&raw.next().await.unwrap().unwrap()).unwrap() {
        Frame::State { state, .. } => assert_eq!((state.nonce, state.cumulative), (1, 10)),
        other => panic!("expected a state, got {other:?}"),
    }
    // Oversized: refused with an error frame; the consumer then ends the session (the frame
    // boundary is lost), keeping what it stored.
    raw.send(bytes::Bytes::from(vec![0u8; MAX_FRAME + 1]))
        .await
        .unwrap();
    expect_error(raw.next().await.unwrap().unwrap(), ErrorCode::Malformed);
    drop(raw);
    let (record, history) = consumer.await.unwrap();
    assert_eq!(record.minutes(), 1);
    assert_eq!(history.len(), 1, "only the valid tick was stored");
}
