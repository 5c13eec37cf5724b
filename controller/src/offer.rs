//! The offer file: what `cgrid offer create` writes for a consumer and `cgrid channel open`
//! reads. A JSON object:
//!
//! | member | |
//! |---|---|
//! | `kind` | `"cgrid-offer"` ([`OFFER_FILE_KIND`]) |
//! | `escrow` | the escrow's SS58 address |
//! | `deployment` | the escrow's deployment id (`0x` + 32 bytes) |
//! | `channel` | the channel id once opened (`0x` + 32 bytes) |
//! | `terms` | the terms as people read them (not read back) |
//! | `encoded` | the SCALE-encoded `TradeTerms` (`0x` hex), what the provider signed |
//! | `signature` | the provider's sr25519 signature over `offer_preimage` (`0x` + 64 bytes) |
//!
//! [`OfferFile::parse`] checks the form only; `channel open` then checks the escrow, the
//! consumer and the signature against the suite before anything is sent.

use cgrid_shared::TradeTerms;
use scale::DecodeAll as _;
use serde_json::Value;

pub const OFFER_FILE_KIND: &str = "cgrid-offer";

/// An offer file's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFile {
    pub escrow: String,
    pub deployment: [u8; 32],
    pub channel: [u8; 32],
    pub terms: TradeTerms,
    pub signature: [u8; 64],
}

impl OfferFile {
    /// Reads an offer file's bytes; the error says which member is wrong and how.
    pub fn parse(bytes: &[u8]) -> Result<OfferFile, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e})"))?;
        if value.get("kind").and_then(Value::as_str) != Some(OFFER_FILE_KIND) {
            return Err(format!("`kind` is not {OFFER_FILE_KIND}"));
        }
        let text = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{name}` is missing"))
        };
        let hex_of = |name: &str| {
            hex::decode(text(name)?.trim_start_matches("0x"))
                .map_err(|_| format!("`{name}` is not hex"))
        };
        let fixed = |name: &str| -> Result<[u8; 32], String> {
            <[u8; 32]>::try_from(hex_of(name)?.as_slice())
                .map_err(|_| format!("`{name}` is not 32 bytes"))
        };
        let escrow = text("escrow")?.to_string();
        let encoded = hex_of("encoded")?;
        let terms = TradeTerms::decode_all(&mut encoded.as_slice())
            .map_err(|_| "`encoded` is not trade terms".to_string())?;
        let signature = <[u8; 64]>::try_from(hex_of("signature")?.as_slice())
            .map_err(|_| "`signature` is not 64 bytes".to_string())?;
        Ok(OfferFile {
            escrow,
            deployment: fixed("deployment")?,
            channel: fixed("channel")?,
            terms,
            signature,
        })
    }
}
