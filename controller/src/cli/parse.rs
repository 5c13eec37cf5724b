//! Parsing what people type: DIDs, accounts, times, durations, hashes, roles, targets, and
//! the `cgrid.toml` configuration. Every parser fails with a sentence naming the bad input.

use super::CliError;
use cgrid_shared::{DidId, Role};
use cgrid_suite::AccountId32;
use std::path::{Path, PathBuf};

/// `cgrid.toml`: defaults for the global options.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub deployment: Option<PathBuf>,
    pub key: Option<String>,
    pub url: Option<String>,
}

impl Config {
    /// Reads `path`, or `./cgrid.toml` when it exists, or nothing.
    pub fn load(path: Option<&Path>) -> Result<Config, CliError> {
        let default = Path::new("cgrid.toml");
        let path = match path {
            Some(p) => p,
            None if default.exists() => default,
            None => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| {
            CliError::input(format!(
                "{} is not a cgrid.toml: {}",
                path.display(),
                e.message()
            ))
        })
    }
}

fn bad(what: &str, text: &str, why: impl std::fmt::Display) -> CliError {
    CliError::input(format!("{what} {text:?} {why}"))
}

/// 32 bytes from `0x`-hex (or bare hex).
pub fn hex32(what: &str, text: &str) -> Result<[u8; 32], CliError> {
    let raw =
        hex::decode(text.trim_start_matches("0x")).map_err(|_| bad(what, text, "is not hex"))?;
    <[u8; 32]>::try_from(raw.as_slice())
        .map_err(|_| bad(what, text, format!("is {} bytes, not 32", raw.len())))
}

/// A DID: `did:cgrid:0x<64 hex>` (or the bare hex id).
pub fn did(text: &str) -> Result<DidId, CliError> {
    let id = text
        .strip_prefix("did:cgrid:")
        .or_else(|| text.starts_with("0x").then_some(text))
        .ok_or_else(|| bad("DID", text, "is not a did:cgrid DID"))?;
    hex32("DID", id)
}

/// An SS58 address.
pub fn account(text: &str) -> Result<AccountId32, CliError> {
    cgrid_suite::deployment::from_ss58(text).map_err(CliError::Input)
}

/// A role name.
pub fn role(text: &str) -> Result<Role, CliError> {
    Role::ALL
        .into_iter()
        .find(|r| role_name(*r).eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            bad(
                "role",
                text,
                "is not provider, consumer, regulator or issuer",
            )
        })
}

/// A role's name on the command line.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Provider => "provider",
        Role::Consumer => "consumer",
        Role::Regulator => "regulator",
        Role::Issuer => "issuer",
    }
}

/// A duration: `90s`, `30m`, `12h`, `365d` (or plain milliseconds), in ms.
pub fn duration(text: &str) -> Result<u64, CliError> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| bad("duration", text, "is not like 90s, 30m, 12h or 365d"))?;
    let scale = match unit {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad("duration", text, "is not like 90s, 30m, 12h or 365d")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| bad("duration", text, "is too long"))
}

/// A point in time: `+DURATION` from `now`, a date `YYYY-MM-DD` (UTC midnight), or ms since
/// the epoch.
pub fn time(text: &str, now: u64) -> Result<u64, CliError> {
    if let Some(rest) = text.strip_prefix('+') {
        let after = duration(rest).map_err(|_| {
            bad(
                "time",
                text,
                "is not +DURATION (like +30d), YYYY-MM-DD or milliseconds",
            )
        })?;
        return now
            .checked_add(after)
            .ok_or_else(|| bad("time", text, "is too far away"));
    }
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad(
            "time",
            text,
            "is not +DURATION, YYYY-MM-DD or milliseconds",
        ));
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(bad(
            "time",
            text,
            "is not +DURATION, YYYY-MM-DD or milliseconds",
        ));
    };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad("date", text, "is out of range"));
    }
    // Days from civil (Howard Hinnant), the inverse of `cgrid_vc::rfc3339`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400_000).map_err(|_| bad("date", text, "is before 1970"))
}

/// Reads a file a command needs, naming it when it cannot.
pub fn read_file(what: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::input(format!("cannot read the {what} {}: {e}", path.display())))
}

/// Reads a JSON file, naming it when it is missing or not JSON.
pub fn read_json(what: &str, path: &Path) -> Result<serde_json::Value, CliError> {
    let bytes = read_file(what, path)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::input(format!("the {what} {} is not JSON: {e}", path.display())))
}

/// A JSON file another `cgrid` wrote (a signed DID operation, an offer): its members read with
/// errors that name the file and the member.
pub struct KindFile {
    path: PathBuf,
    what: &'static str,
    value: serde_json::Value,
}

impl KindFile {
    /// Reads `path`, which must be JSON with `"kind": kind`.
    pub fn read(what: &'static str, kind: &str, path: &Path) -> Result<KindFile, CliError> {
        let value = read_json(what, path)?;
        let file = KindFile {
            path: path.to_owned(),
            what,
            value,
        };
        if file.value.get("kind").and_then(serde_json::Value::as_str) != Some(kind) {
            return Err(file.bad(&format!("`kind` is not {kind}")));
        }
        Ok(file)
    }

    /// "F is not a WHAT: WHY".
    pub fn bad(&self, why: &str) -> CliError {
        CliError::input(format!(
            "{} is not {}: {why}",
            self.path.display(),
            self.what
        ))
    }

    pub fn text(&self, name: &str) -> Result<&str, CliError> {
        self.value
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| self.bad(&format!("`{name}` is missing")))
    }

    pub fn number(&self, name: &str) -> Result<u64, CliError> {
        self.value
            .get(name)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| self.bad(&format!("`{name}` is missing")))
    }

    /// A `0x`-hex member decoded as `T` (SCALE).
    pub fn decode<T: scale::Decode>(&self, name: &str, type_name: &str) -> Result<T, CliError> {
        let bytes = hex::decode(self.text(name)?.trim_start_matches("0x"))
            .map_err(|_| self.bad(&format!("`{name}` is not hex")))?;
        T::decode(&mut bytes.as_slice())
            .map_err(|_| self.bad(&format!("`{name}` is not {type_name}")))
    }

    /// A `0x`-hex sr25519 signature member.
    pub fn signature(&self, name: &str) -> Result<[u8; 64], CliError> {
        let bytes = hex::decode(self.text(name)?.trim_start_matches("0x"))
            .map_err(|_| self.bad(&format!("`{name}` is not hex")))?;
        <[u8; 64]>::try_from(bytes.as_slice())
            .map_err(|_| self.bad(&format!("`{name}` is not 64 bytes")))
    }
}

/// Writes a new file a command made; never overwrites one.
pub fn write_new(path: &Path, text: &str) -> Result<(), CliError> {
    write_new_mode(path, text, 0o644)
}

/// [`write_new`] for a secret (mode 0600).
pub fn write_new_secret(path: &Path, text: &str) -> Result<(), CliError> {
    write_new_mode(path, text, 0o600)
}

fn write_new_mode(path: &Path, text: &str, mode: u32) -> Result<(), CliError> {
    use std::io::Write as _;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::input(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::input(format!(
                "{} already exists; cgrid never overwrites a file",
                path.display()
            ))
        } else {
            CliError::input(format!("cannot create {}: {e}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}

/// `0x`-hex of bytes.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_parse_and_bad_ones_are_named() {
        assert_eq!(duration("90s"), Ok(90_000));
        assert_eq!(duration("2d"), Ok(172_800_000));
        assert_eq!(time("+1h", 5), Ok(3_600_005));
        assert_eq!(time("1970-01-02", 0), Ok(86_400_000));
        assert_eq!(time("2027-01-01", 0), Ok(1_798_761_600_000));
        assert_eq!(
            cgrid_vc::rfc3339(time("2024-02-29", 0).expect("leap day")),
            "2024-02-29T00:00:00.000Z"
        );
        for bad in ["1y", "x", "+", "2027-13-01", "2027-01"] {
            let e = time(bad, 0).expect_err(bad);
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn dids_and_roles_parse() {
        let id = [7u8; 32];
        let text = cgrid_shared::did_to_string(&id);
        assert_eq!(did(&text), Ok(id));
        assert!(did("did:web:example").is_err());
        assert!(did("did:cgrid:0x1234").is_err());
        assert_eq!(role("Provider"), Ok(Role::Provider));
        assert!(role("king").is_err());
    }
}
