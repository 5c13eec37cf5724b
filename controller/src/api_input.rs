//! What the HTTP API reads from a request, checked before anything happens: a channel id in a
//! path, and the JSON body of `POST /channels`. Kept apart from the server (`api`) so that
//! the parsing is fuzzed on its own (`fuzz/`).

use cgrid_shared::{Balance, ChannelId};
use serde::Deserialize;

/// Largest request body (the API's requests are a few hundred bytes).
pub const MAX_BODY: usize = 16 * 1024;

/// Why a request is refused: its HTTP status and one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

/// `POST /channels` (demo): a trade to open and bill.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub minutes: u64,
    pub price_per_minute: Balance,
    #[serde(default)]
    pub min_cost: Balance,
    #[serde(default)]
    pub checkpoint_every: u64,
    #[serde(default = "yes")]
    pub close: bool,
}

fn yes() -> bool {
    true
}

/// A channel id in a path: 64 hex digits, `0x` optional.
pub fn channel_id(text: &str) -> Result<ChannelId, Refusal> {
    let bytes = hex::decode(text.trim_start_matches("0x")).map_err(|_| {
        refuse(
            400,
            format!("channel id {text:?} is not hex (expected 64 hex digits)"),
        )
    })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        refuse(
            400,
            format!("channel id must be 32 bytes, got {}", bytes.len()),
        )
    })
}

/// A JSON body: `application/json` (else 415), at most [`MAX_BODY`] bytes (else 413), an
/// object (serde would also read an array positionally into a struct), with the members of
/// `T` and no others (else 400, naming the member).
pub fn json_body<T: serde::de::DeserializeOwned>(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, Refusal> {
    let json = content_type
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(refuse(
            415,
            "the request body must be JSON (content-type: application/json)",
        ));
    }
    if body.len() > MAX_BODY {
        return Err(refuse(
            413,
            format!("bad request body: more than {MAX_BODY} bytes"),
        ));
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(refuse(400, "the request body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| refuse(400, format!("bad request body: {e}")))?;
    de.end()
        .map_err(|e| refuse(400, format!("bad request body: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_objects_with_known_members_only() {
        let ok: OpenRequest = json_body(
            Some("application/json"),
            br#"{"minutes":1,"price_per_minute":2}"#,
        )
        .expect("valid");
        assert_eq!((ok.minutes, ok.price_per_minute, ok.close), (1, 2, true));
        for (content_type, body, status, says) in [
            (Some("text/plain"), &br#"{}"#[..], 415, "must be JSON"),
            (None, &br#"{}"#[..], 415, "must be JSON"),
            (Some("application/json"), &b"[1,2]"[..], 400, "JSON object"),
            (
                Some("application/json"),
                &br#"{"minutes":-1}"#[..],
                400,
                "minutes",
            ),
            (
                Some("application/json; charset=utf-8"),
                &br#"{"minutes":1,"price_per_minute":1,"colour":1}"#[..],
                400,
                "colour",
            ),
            (
                Some("application/json"),
                &br#"{"minutes":1,"price_per_minute":1} x"#[..],
                400,
                "trailing",
            ),
        ] {
            let refusal = json_body::<OpenRequest>(content_type, body).expect_err("refused");
            assert_eq!(refusal.status, status, "{refusal:?}");
            assert!(refusal.message.contains(says), "{refusal:?}");
        }
        let big = vec![b' '; MAX_BODY + 1];
        assert_eq!(
            json_body::<OpenRequest>(Some("application/json"), &big)
                .expect_err("too big")
                .status,
            413
        );
    }
}
