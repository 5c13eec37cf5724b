//! Replays the committed inputs of every fuzz target on the project's toolchain: the seeds
//! (`seeds/<target>/`, valid inputs of each reader) and the corpus a campaign kept
//! (`corpus/<target>/`, minimised by `scripts/fuzz.sh`). Part of the test command: a reader
//! that starts to panic on an input the fuzzers once reached fails here.

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("wire_frame", cgrid_fuzz::wire_frame),
    ("session", cgrid_fuzz::session),
    ("api_request", cgrid_fuzz::api_request),
    ("deployment_file", cgrid_fuzz::deployment_file),
    ("offer_file", cgrid_fuzz::offer_file),
];

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["seeds", "corpus"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) {
            files.extend(entries.map(|e| e.expect("entry").path()));
        }
    }
    files.sort();
    files
}

#[test]
fn every_committed_input_is_handled() {
    for (target, run) in TARGETS {
        let files = inputs(target);
        assert!(!files.is_empty(), "{target}: no seeds");
        for file in files {
            let data = std::fs::read(&file).expect("read");
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                panic!("{target} panicked on {}", file.display());
            }
        }
    }
}

/// Writes the seeds (run once by hand: `cargo test -- --ignored write_seeds`; they are
/// committed). The deployment and offer seeds are copies of files the node tier wrote.
#[test]
#[ignore]
fn write_seeds() {
    use controller::channel::{SignedState, Tick};
    use controller::wire::{ErrorCode, Frame};
    use scale::Encode;
    use sp_core::Pair;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join(name), bytes).expect("write");
    };
    let channel = [7; 32];
    let state = SignedState {
        nonce: 1,
        cumulative: 10,
        signature: [3; 64],
    };
    let frames = [
        Frame::Hello {
            version: controller::wire::PROTOCOL_VERSION,
            side: controller::channel::Side::Consumer,
            escrow: [5; 32],
            challenge: [6; 32],
        },
        Frame::Join {
            channels: vec![channel, [8; 32]],
            signature: [9; 64],
        },
        Frame::Resume { channel, nonce: 2 },
        Frame::Tick {
            channel,
            tick: Tick {
                minute: 1,
                amount: 10,
            },
        },
        Frame::State { channel, state },
        Frame::Ack { channel, nonce: 1 },
        Frame::CloseRequest {
            channel,
            nonce: 1,
            cumulative: 10,
            provider_signature: [4; 64],
        },
        Frame::CloseSigned {
            channel,
            nonce: 1,
            cumulative: 10,
            consumer_signature: [6; 64],
        },
        Frame::Error {
            code: ErrorCode::Refused,
            message: "no".into(),
        },
    ];
    for (i, frame) in frames.iter().enumerate() {
        write("wire_frame", &format!("frame-{i}"), &frame.encode());
    }
    // A session: three minutes at price 10 (byte 9 + 1) with a deposit of 20 minutes, a
    // replayed state, an overpriced tick, and the provider's genuine close request.
    let terms = cgrid_fuzz::session_terms(9, 20);
    let mut consumer =
        controller::channel::ChannelRecord::new(terms, controller::channel::Side::Consumer);
    consumer.opened().expect("opens");
    let key = sp_core::sr25519::Pair::from_seed(&[0xC0; 32]);
    let mut session = vec![9u8, 20];
    let mut first = None;
    for minute in 1..=3u64 {
        let tick = Tick {
            minute,
            amount: 10 * u128::from(minute),
        };
        let signed = consumer.sign_tick(&tick, &key).expect("valid");
        consumer.apply_own_state(signed).expect("applies");
        first.get_or_insert(signed);
        session.extend(Frame::Tick { channel, tick }.encode());
    }
    session.extend(
        Frame::State {
            channel,
            state: first.expect("signed"),
        }
        .encode(),
    );
    session.extend(
        Frame::Tick {
            channel,
            tick: Tick {
                minute: 4,
                amount: 41,
            },
        }
        .encode(),
    );
    let provider = sp_core::sr25519::Pair::from_seed(&[0x9D; 32]);
    session.extend(
        Frame::CloseRequest {
            channel,
            nonce: 3,
            cumulative: 30,
            provider_signature: provider.sign(&consumer.close_hash(3, 30)).0,
        }
        .encode(),
    );
    write("session", "three-minutes-and-a-close", &session);
    let mut request = vec![0u8];
    request.extend(format!("0x{}\n", "ab".repeat(32)).as_bytes());
    request.extend(br#"{"minutes":5,"price_per_minute":10,"checkpoint_every":2,"close":false}"#);
    write("api_request", "open", &request);
    for (target, from) in [
        (
            "deployment_file",
            "/tmp/wt/trading/deployments/development.json",
        ),
        ("offer_file", "/tmp/wt/trading/offer.json"),
    ] {
        if let Ok(bytes) = std::fs::read(from) {
            write(target, "node-tier", &bytes);
        }
    }
}
