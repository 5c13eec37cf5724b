//! `cgrid api get|post URL`: a request to a `cgrid serve` API that decides access by a policy
//! (`--access`), signed by the caller's DID with its authentication key (`--key`), or carrying
//! the operator's token (`--token-file`). Needs no chain.

use super::{CliError, Global, Report};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug, Clone)]
pub enum ApiCmd {
    /// Reads: `cgrid api get http://HOST:PORT/channels --did did:cgrid:0x… --key K`.
    Get(ApiArgs),
    /// Acts: `cgrid api post http://HOST:PORT/channels/0x…/close --did … --key K`.
    Post(ApiArgs),
}

#[derive(clap::Args, Debug, Clone)]
pub struct ApiArgs {
    /// The API's URL with the path (plain http://).
    pub url: String,
    /// Sign as this DID (the global --key must be one of its sr25519 authentication keys).
    #[arg(
        long,
        conflicts_with = "token_file",
        required_unless_present = "token_file"
    )]
    pub did: Option<String>,
    /// Send the operator's token from this file instead.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
}

pub fn run(global: &Global, cmd: ApiCmd) -> Result<Report, CliError> {
    let (method, args) = match cmd {
        ApiCmd::Get(a) => ("GET", a),
        ApiCmd::Post(a) => ("POST", a),
    };
    let path = args
        .url
        .strip_prefix("http://")
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/")
        .to_string();
    let authorization = match (&args.did, &args.token_file) {
        (_, Some(file)) => {
            let token = std::fs::read_to_string(file).map_err(|e| {
                CliError::input(format!(
                    "cannot read the token file {}: {e}",
                    file.display()
                ))
            })?;
            format!("Bearer {}", token.trim())
        }
        (Some(did), None) => {
            let did = super::parse::did(did)?;
            let signer = super::load_signer(global)?.ok_or_else(|| {
                CliError::input("a signed request needs the DID's key: pass --key FILE")
            })?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| CliError::Failed(e.to_string()))?
                .as_millis() as u64;
            crate::access::sign_request(&did, signer.pair(), method, &path, now)
        }
        (None, None) => return Err(CliError::input("pass --did (with --key) or --token-file")),
    };
    let (status, body) =
        crate::http::request(method, &args.url, Some(&authorization)).map_err(CliError::Failed)?;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into_owned()));
    if !(200..300).contains(&status) {
        let why = json["error"].as_str().map_or_else(
            || format!("the API answered {status}"),
            |e| format!("{e} ({status})"),
        );
        return Err(CliError::Refused(why));
    }
    let text = serde_json::to_string_pretty(&json).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(Report::new(format!("{text}\n"), json))
}
