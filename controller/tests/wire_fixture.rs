//! The frames the TypeScript bindings encode (`frontend-bindings/src/wire.ts`) are pinned by
//! `frontend-bindings/test/fixtures/wire-frames.json`; this test holds that file to the bytes
//! the controller's own `Frame` encodes and decodes, and the bindings' test holds theirs to it.

use controller::channel::{Side, SignedState, Tick};
use controller::wire::{decode_frame, name, ErrorCode, Frame};
use scale::Encode;
use serde_json::Value;
use std::collections::BTreeSet;

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key)
        .unwrap_or_else(|| panic!("`{key}` is missing in {v}"))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    field(v, key)
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string"))
}

fn bytes<const N: usize>(v: &Value) -> [u8; N] {
    let hex = v.as_str().expect("0x hex");
    let bytes = hex::decode(hex.strip_prefix("0x").expect("0x prefix")).expect("hex");
    <[u8; N]>::try_from(bytes).unwrap_or_else(|_| panic!("{hex} is not {N} bytes"))
}

fn u64_of(v: &Value, key: &str) -> u64 {
    text(v, key).parse().expect("a u64 as a decimal string")
}

fn u128_of(v: &Value, key: &str) -> u128 {
    text(v, key).parse().expect("a u128 as a decimal string")
}

/// The frame a fixture's `value` describes, in the bindings' plain form.
fn frame(value: &Value) -> Frame {
    let object = value.as_object().expect("an object");
    assert_eq!(object.len(), 1, "one variant per value: {value}");
    let (variant, v) = object.iter().next().expect("one key");
    match variant.as_str() {
        "hello" => Frame::Hello {
            version: u16::try_from(field(v, "version").as_u64().expect("u16")).expect("u16"),
            side: match text(v, "side") {
                "Provider" => Side::Provider,
                "Consumer" => Side::Consumer,
                other => panic!("no side {other}"),
            },
            escrow: bytes(field(v, "escrow")),
            challenge: bytes(field(v, "challenge")),
        },
        "resume" => Frame::Resume {
            channel: bytes(field(v, "channel")),
            nonce: u64_of(v, "nonce"),
        },
        "tick" => {
            let tick = field(v, "tick");
            Frame::Tick {
                channel: bytes(field(v, "channel")),
                tick: Tick {
                    minute: u64_of(tick, "minute"),
                    amount: u128_of(tick, "amount"),
                },
            }
        }
        "state" => {
            let state = field(v, "state");
            Frame::State {
                channel: bytes(field(v, "channel")),
                state: SignedState {
                    nonce: u64_of(state, "nonce"),
                    cumulative: u128_of(state, "cumulative"),
                    signature: bytes(field(state, "signature")),
                },
            }
        }
        "ack" => Frame::Ack {
            channel: bytes(field(v, "channel")),
            nonce: u64_of(v, "nonce"),
        },
        "closeRequest" => Frame::CloseRequest {
            channel: bytes(field(v, "channel")),
            nonce: u64_of(v, "nonce"),
            cumulative: u128_of(v, "cumulative"),
            provider_signature: bytes(field(v, "providerSignature")),
        },
        "closeSigned" => Frame::CloseSigned {
            channel: bytes(field(v, "channel")),
            nonce: u64_of(v, "nonce"),
            cumulative: u128_of(v, "cumulative"),
            consumer_signature: bytes(field(v, "consumerSignature")),
        },
        "error" => Frame::Error {
            code: match text(v, "code") {
                "Malformed" => ErrorCode::Malformed,
                "UnsupportedVersion" => ErrorCode::UnsupportedVersion,
                "Unexpected" => ErrorCode::Unexpected,
                "UnknownChannel" => ErrorCode::UnknownChannel,
                "Refused" => ErrorCode::Refused,
                "Storage" => ErrorCode::Storage,
                other => panic!("no error code {other}"),
            },
            message: text(v, "message").to_owned(),
        },
        "join" => Frame::Join {
            channels: field(v, "channels")
                .as_array()
                .expect("an array")
                .iter()
                .map(bytes::<32>)
                .collect(),
            signature: bytes(field(v, "signature")),
        },
        other => panic!("no frame variant {other}"),
    }
}

#[test]
fn the_typescript_wire_fixture_is_what_the_controller_sends() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../frontend-bindings/test/fixtures/wire-frames.json"
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let mut variants = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for entry in field(&v, "frames").as_array().expect("frames") {
        let value = frame(field(entry, "value"));
        let scale = text(entry, "scale");
        let expected = hex::decode(scale.strip_prefix("0x").expect("0x prefix")).expect("hex");
        assert_eq!(
            hex::encode(value.encode()),
            hex::encode(&expected),
            "encoding {value:?}"
        );
        assert_eq!(
            decode_frame(&expected).expect("decodes"),
            value,
            "decoding {scale}"
        );
        if let Frame::Error { code, .. } = &value {
            codes.insert(format!("{code:?}"));
        }
        variants.insert(name(&value));
    }
    let all = [
        "Hello",
        "Resume",
        "Tick",
        "State",
        "Ack",
        "CloseRequest",
        "CloseSigned",
        "Error",
        "Join",
    ];
    assert_eq!(
        variants,
        BTreeSet::from(all),
        "every Frame variant is pinned"
    );
    assert_eq!(codes.len(), 6, "every ErrorCode is pinned: {codes:?}");
}

#[test]
fn the_join_preimage_is_the_fixtures() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../frontend-bindings/test/fixtures/wire-frames.json"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let j = field(&doc, "join_preimage");
    let channels: Vec<[u8; 32]> = field(j, "channels")
        .as_array()
        .expect("an array")
        .iter()
        .map(bytes::<32>)
        .collect();
    let expected = hex::decode(text(j, "preimage").trim_start_matches("0x")).expect("hex");
    assert_eq!(
        controller::wire::join_preimage(
            &bytes(field(j, "escrow")),
            &bytes(field(j, "challenge")),
            &channels
        ),
        expected
    );
}
