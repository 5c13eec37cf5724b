//! The signed payloads the TypeScript bindings build (`signState`, `signClose`) are pinned by
//! `frontend-bindings/test/fixtures/payloads.json`; this test holds that file to the bytes
//! `cgrid_shared` (and so the escrow) uses, and the bindings' test holds their bytes to it.

use cgrid_shared::{close_hash, close_preimage, state_hash, state_preimage};
use ink::primitives::AccountId;
use serde_json::Value;

fn bytes(v: &Value, name: &str) -> Vec<u8> {
    hex::decode(v[name].as_str().expect(name).trim_start_matches("0x")).expect("hex")
}

#[test]
fn the_typescript_payload_fixture_is_what_the_escrow_verifies() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../frontend-bindings/test/fixtures/payloads.json"
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let escrow = AccountId::from(<[u8; 32]>::try_from(bytes(&v, "escrow")).expect("32 bytes"));
    let channel = <[u8; 32]>::try_from(bytes(&v, "channel")).expect("32 bytes");
    let nonce = v["nonce"].as_u64().expect("nonce");
    let cumulative: u128 = v["cumulative"]
        .as_str()
        .expect("cumulative")
        .parse()
        .expect("u128");
    assert_eq!(
        state_preimage(&escrow, &channel, nonce, cumulative),
        bytes(&v, "statePreimage")
    );
    assert_eq!(
        state_hash(&escrow, &channel, nonce, cumulative).to_vec(),
        bytes(&v, "stateHash")
    );
    assert_eq!(
        close_preimage(&escrow, &channel, nonce, cumulative),
        bytes(&v, "closePreimage")
    );
    assert_eq!(
        close_hash(&escrow, &channel, nonce, cumulative).to_vec(),
        bytes(&v, "closeHash")
    );
}
