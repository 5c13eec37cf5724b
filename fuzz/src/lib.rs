//! The fuzz targets, as plain functions: the libFuzzer binaries (`fuzz_targets/`) call them
//! with generated inputs, `tests/replay.rs` with the committed corpus. Each one must return for
//! every input without a panic, a hang or an unbounded allocation, and checks the property
//! named in its doc while it runs.

use cgrid_shared::{Balance, TradeTerms};
use controller::channel::{ChannelRecord, Side, Terms};
use controller::wire::{decode_frame, Frame};
use scale::{Decode, Encode};
use sp_core::{sr25519, Pair};
use std::path::Path;

/// The wire decoder: any bytes are a frame or a `Malformed` error; a frame survives a round
/// trip through its encoding.
pub fn wire_frame(data: &[u8]) {
    if let Ok(frame) = decode_frame(data) {
        let again = decode_frame(&frame.encode()).expect("an encoded frame decodes");
        assert_eq!(again, frame);
    }
}

fn consumer_key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[0xC0; 32])
}

fn provider_key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[0x9D; 32])
}

/// The terms the session target trades on: the price and deposit come from the input.
pub fn session_terms(price: u8, minutes: u8) -> Terms {
    let price = Balance::from(price) + 1;
    Terms {
        channel: [7; 32],
        escrow: ink::primitives::AccountId::from([5; 32]),
        price_per_minute: price,
        min_cost: price,
        deposit: price * Balance::from(minutes),
        consumer_key: consumer_key().public().0,
        provider_key: provider_key().public().0,
        expires_at: u64::MAX,
        challenge_period: 60_000,
    }
}

/// The channel state machine on both sides, driven by the frames a hostile peer may send
/// (the input: two bytes of terms, then frames back to back). Whatever arrives, the consumer
/// signs only the next minute at exactly the price and within the deposit; the provider takes
/// only states with the consumer's signature, the next minute at the price; both agree on what
/// is owed (unless the input replays a signature the consumer's key made outside this run, as
/// the seeds do); a close is countersigned only at the newest state with the provider's real
/// signature.
pub fn session(data: &[u8]) {
    let [price, minutes, rest @ ..] = data else {
        return;
    };
    let terms = session_terms(*price, *minutes);
    let (ck, pk) = (consumer_key(), provider_key());
    let mut consumer = ChannelRecord::new(terms.clone(), Side::Consumer);
    let mut provider = ChannelRecord::new(terms.clone(), Side::Provider);
    consumer.opened().expect("opens");
    provider.opened().expect("opens");
    let mut signed = Vec::new();
    // The provider took a state the consumer's key signed before this run.
    let mut external = false;
    let mut input = rest;
    while let Ok(frame) = Frame::decode(&mut input) {
        match frame {
            Frame::Tick { tick, .. } => {
                let before = consumer.clone();
                match consumer.sign_tick(&tick, &ck) {
                    Ok(state) => {
                        assert_eq!(tick.minute, before.minutes() + 1, "only the next minute");
                        assert_eq!(
                            Some(tick.amount),
                            terms
                                .price_per_minute
                                .checked_mul(Balance::from(tick.minute)),
                            "exactly the price"
                        );
                        assert!(tick.amount <= terms.deposit, "within the deposit");
                        consumer
                            .apply_own_state(state)
                            .expect("its own state applies");
                        provider
                            .apply_state(state)
                            .expect("the provider takes the consumer's next state");
                        signed.push(state);
                    }
                    Err(_) => assert_eq!(consumer, before, "a refused tick changes nothing"),
                }
            }
            Frame::State { state, .. } => {
                let before = provider.clone();
                if provider.apply_state(state).is_ok() {
                    assert!(
                        provider.state_signature_valid(&state),
                        "only states the consumer's key signed"
                    );
                    external |= !signed.contains(&state);
                } else {
                    assert_eq!(provider, before, "a refused state changes nothing");
                }
            }
            Frame::CloseRequest {
                nonce,
                cumulative,
                provider_signature,
                ..
            } => {
                let mut trial = consumer.clone();
                if trial
                    .countersign_close(nonce, cumulative, &provider_signature, &ck)
                    .is_ok()
                {
                    assert_eq!((nonce, cumulative), (consumer.minutes(), consumer.owed()));
                    assert!(
                        sr25519::Pair::verify(
                            &sr25519::Signature::from_raw(provider_signature),
                            consumer.close_hash(nonce, cumulative),
                            &pk.public(),
                        ),
                        "only with the provider's signature"
                    );
                }
            }
            _ => {}
        }
        for side in [&consumer, &provider] {
            assert_eq!(
                Some(side.owed()),
                terms
                    .price_per_minute
                    .checked_mul(Balance::from(side.minutes())),
                "owed is the price times the minutes"
            );
            assert!(side.owed() <= terms.deposit, "within the deposit");
        }
        if !external {
            assert_eq!(consumer.owed(), provider.owed(), "both sides agree");
        }
    }
}

/// The HTTP API's request parsing: a channel id in a path and a `POST /channels` body (the
/// input: a content-type choice, a path segment up to a newline, then the body). Refusals carry
/// a 4xx status; an accepted id is 32 bytes that print back to the same hex.
pub fn api_request(data: &[u8]) {
    use controller::api_input::{channel_id, json_body, OpenRequest};
    let [choice, rest @ ..] = data else {
        return;
    };
    let content_type = [
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("text/plain"),
        None,
    ][usize::from(*choice % 4)];
    let (path, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let path = String::from_utf8_lossy(path);
    match channel_id(&path) {
        Ok(id) => assert_eq!(
            hex::encode(id),
            path.trim_start_matches("0x").to_lowercase()
        ),
        Err(r) => assert!((400..500).contains(&r.status)),
    }
    if let Err(r) = json_body::<OpenRequest>(content_type, body) {
        assert!((400..500).contains(&r.status), "{r:?}");
    }
}

/// The deployment-file reader: any bytes are a deployment or a sentence naming the problem;
/// a deployment read back from what it writes is the same.
pub fn deployment_file(data: &[u8]) {
    let origin = Path::new("fuzz.json");
    if let Ok(deployment) = cgrid_suite::Deployment::parse(data, origin) {
        let written = deployment.to_json().to_string();
        let again = cgrid_suite::Deployment::parse(written.as_bytes(), origin)
            .expect("a written deployment reads back");
        assert_eq!(again.to_json(), deployment.to_json());
    }
}

/// The offer-file reader: any bytes are an offer or a sentence naming the member that is
/// wrong; the terms read are exactly the encoded ones.
pub fn offer_file(data: &[u8]) {
    if let Ok(offer) = controller::offer::OfferFile::parse(data) {
        let again = TradeTerms::decode(&mut offer.terms.encode().as_slice()).expect("decodes");
        assert_eq!(again, offer.terms);
    }
}
