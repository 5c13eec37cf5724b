//! Signers: the sr25519 key a party transacts with, from a key file or (for development
//! chains) a secret URI.
//!
//! A key file is JSON, written with mode 0600 and never overwritten:
//!
//! ```json
//! { "format": 1, "type": "sr25519", "secret_seed": "0x<32 bytes>", "account": "5F…" }
//! ```
//!
//! `account` (SS58) is informative; loading checks it matches the seed. The secret never
//! appears in `Debug` output, logs or error messages.

use crate::AccountId32;
use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;
use sp_core::{sr25519, Pair};
use std::io::Write as _;
use std::path::Path;

/// Domain tag of the derivation of a signer's Ed25519 assertion key.
pub const ASSERTION_KEY_DOMAIN: [u8; 16] = *b"cgrid/ed25519/v1";

/// The key-file format this crate writes and reads.
pub const KEY_FILE_FORMAT: u64 = 1;

/// An sr25519 key pair that signs transactions (and, for channel keys, states).
#[derive(Clone)]
pub struct Signer {
    pair: sr25519::Pair,
    /// The secret URI it came from (`0x<seed>` for a seed; derivation needs it).
    suri: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.account().to_ss58check())
    }
}

impl Signer {
    /// A signer from a secret URI (`//Alice`, a mnemonic, `0x<seed>`, with `//` paths).
    pub fn from_suri(suri: &str) -> Result<Signer, String> {
        let pair = sr25519::Pair::from_string(suri, None)
            .map_err(|e| format!("the secret URI is not an sr25519 key: {e:?}"))?;
        Ok(Signer {
            pair,
            suri: suri.to_owned(),
        })
    }

    /// A signer from a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Signer {
        Signer {
            pair: sr25519::Pair::from_seed(seed),
            suri: format!("0x{}", hex::encode(seed)),
        }
    }

    /// A fresh random key.
    pub fn generate() -> Signer {
        let (_, seed) = sr25519::Pair::generate();
        Signer::from_seed(&seed)
    }

    /// The signer derived from this one along hard path `path` (`<suri>//<path>`); refused
    /// when `path` is not a valid derivation path.
    pub fn derive(&self, path: &str) -> Result<Signer, String> {
        Signer::from_suri(&format!("{}//{path}", self.suri))
            .map_err(|_| format!("{path:?} is not a derivation path"))
    }

    /// The Ed25519 key this signer's DID lists as its W3C assertion key (Data Integrity
    /// proofs, `eddsa-jcs-2022`): derived from the sr25519 secret under its own domain tag,
    /// so one key file holds both and neither key reveals the other.
    pub fn assertion_key(&self) -> sp_core::ed25519::Pair {
        let secret = self.pair.to_raw_vec();
        let seed =
            sp_core::hashing::blake2_256(&[ASSERTION_KEY_DOMAIN.as_slice(), &secret].concat());
        sp_core::ed25519::Pair::from_seed(&seed)
    }

    pub fn pair(&self) -> &sr25519::Pair {
        &self.pair
    }

    pub fn public(&self) -> [u8; 32] {
        self.pair.public().0
    }

    pub fn account(&self) -> AccountId32 {
        AccountId32::new(self.public())
    }

    /// An sr25519 signature over blake2-256 of `preimage`, as the contracts verify it.
    pub fn sign(&self, preimage: &[u8]) -> [u8; 64] {
        self.pair.sign(&sp_core::hashing::blake2_256(preimage)).0
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<Signer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
        let bad = |what: &str| format!("{} is not a key file: {what}", path.display());
        let v: Value = serde_json::from_str(&text).map_err(|_| bad("not JSON"))?;
        match v.get("format").and_then(Value::as_u64) {
            Some(KEY_FILE_FORMAT) => {}
            Some(other) => return Err(bad(&format!("format {other} is not supported"))),
            None => return Err(bad("`format` is missing")),
        }
        if v.get("type").and_then(Value::as_str) != Some("sr25519") {
            return Err(bad("`type` must be \"sr25519\""));
        }
        let seed = v
            .get("secret_seed")
            .and_then(Value::as_str)
            .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| bad("`secret_seed` is not 32 hex bytes"))?;
        let signer = Signer::from_seed(&seed);
        if let Some(account) = v.get("account").and_then(Value::as_str) {
            if account != signer.account().to_ss58check() {
                return Err(bad("`account` does not match the secret seed"));
            }
        }
        Ok(signer)
    }

    /// Writes a key file for a new random key at `path` (mode 0600); refuses to overwrite an
    /// existing file.
    pub fn create(path: &Path) -> Result<Signer, String> {
        let (pair, seed) = sr25519::Pair::generate();
        let signer = Signer {
            pair,
            suri: format!("0x{}", hex::encode(seed)),
        };
        let text = serde_json::to_string_pretty(&json!({
            "format": KEY_FILE_FORMAT,
            "type": "sr25519",
            "secret_seed": format!("0x{}", hex::encode(seed)),
            "account": signer.account().to_ss58check(),
        }))
        .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{} already exists; a key file is never overwritten",
                    path.display()
                )
            } else {
                format!("cannot create {}: {e}", path.display())
            }
        })?;
        file.write_all(format!("{text}\n").as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(signer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_round_trips_is_private_and_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys/provider.json");
        let created = Signer::create(&path).expect("created");
        let loaded = Signer::load(&path).expect("loaded");
        assert_eq!(created.account(), loaded.account());
        let message = b"a state";
        assert!(sr25519::Pair::verify(
            &sr25519::Signature::from_raw(loaded.sign(message)),
            sp_core::hashing::blake2_256(message),
            &created.pair().public()
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let before = std::fs::read(&path).expect("read");
        let e = Signer::create(&path).expect_err("refused");
        assert!(e.contains("never overwritten"), "{e}");
        assert_eq!(std::fs::read(&path).expect("read"), before);
        // The secret is never printed.
        let seed = serde_json::from_slice::<Value>(&before).expect("json")["secret_seed"]
            .as_str()
            .expect("seed")
            .to_owned();
        assert!(!format!("{loaded:?}").contains(seed.trim_start_matches("0x")));
    }

    #[test]
    fn bad_key_files_are_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("k.json");
        for (text, expected) in [
            ("nope", "not JSON"),
            (r#"{"type":"sr25519"}"#, "`format` is missing"),
            (r#"{"format":2}"#, "format 2"),
            (r#"{"format":1,"type":"ed25519"}"#, "`type`"),
            (
                r#"{"format":1,"type":"sr25519","secret_seed":"0x12"}"#,
                "32 hex bytes",
            ),
            (
                &format!(
                    r#"{{"format":1,"type":"sr25519","secret_seed":"0x{}","account":"{}"}}"#,
                    "11".repeat(32),
                    Signer::from_seed(&[2; 32]).account().to_ss58check()
                ),
                "does not match",
            ),
        ] {
            std::fs::write(&path, text).expect("write");
            let e = Signer::load(&path).expect_err(text);
            assert!(e.contains(expected), "{text}: {e}");
            assert!(!e.contains("1111"), "the secret leaked: {e}");
        }
    }

    #[test]
    fn development_signers_derive_from_their_uri() {
        let alice = Signer::from_suri("//Alice").expect("alice");
        assert_eq!(
            alice.derive("cgrid").expect("derived").account(),
            Signer::from_suri("//Alice//cgrid")
                .expect("derived")
                .account()
        );
        assert!(Signer::from_suri("not a key at all //").is_err());
        // An empty path is no derivation: refused, not silently replaced by another key.
        let e = alice.derive("").expect_err("refused");
        assert!(e.contains("not a derivation path"), "{e}");
        // The assertion key is stable per signer and differs between signers.
        assert_eq!(
            alice.assertion_key().public(),
            alice.assertion_key().public()
        );
        assert_ne!(
            alice.assertion_key().public(),
            Signer::from_suri("//Bob")
                .expect("bob")
                .assertion_key()
                .public()
        );
    }
}
