//! The test world of the command tests: a suite deployed on the embedded chain, a key file
//! per party, and `cgrid` commands run in process through the same parsing and code as on a
//! node.
#![allow(dead_code)]

use cgrid_shared::DidId;
use cgrid_suite::embedded::Embedded;
use cgrid_suite::{Backend, Signer, Suite};
use clap::Parser;
use controller::cli::{self, Cli, CliError, Command, Report};
use serde_json::{json, Value};
use std::path::PathBuf;

pub const T0: u64 = 1_780_000_000_000;
/// A KYC evidence hash.
pub const EVIDENCE: &str = "0xabababababababababababababababababababababababababababababababab";

pub struct World {
    pub chain: Embedded,
    pub suite: Suite,
    pub dir: tempfile::TempDir,
    pub deployment: PathBuf,
}

impl World {
    /// A deployed suite whose root hands over to `operator.json` (accepted by the test that
    /// needs it), and key files for every party, funded.
    pub fn new() -> World {
        let mut chain = Embedded::new(T0);
        let suite = Suite::deploy(&mut chain, b"").expect("deployed");
        let dir = tempfile::tempdir().expect("temp dir");
        let deployment = dir.path().join("deployments/embedded.json");
        suite
            .deployment("Embedded", "embedded://", chain.genesis_hash(), 0.0)
            .create(&deployment)
            .expect("deployment file");
        let mut w = World {
            chain,
            suite,
            dir,
            deployment,
        };
        for party in [
            "operator",
            "issuer",
            "provider",
            "consumer",
            "regulator",
            "regulator2",
            "stranger",
        ] {
            let signer = Signer::create(&w.key(party)).expect("key");
            w.chain
                .fund(&signer.account(), Embedded::TOKENS)
                .expect("funded");
        }
        w
    }

    /// The chain, for a test that drives it from several tasks (a fresh one stays behind).
    pub fn take_chain(&mut self) -> Embedded {
        std::mem::replace(&mut self.chain, Embedded::new(T0))
    }

    pub fn key(&self, party: &str) -> PathBuf {
        self.dir.path().join(format!("keys/{party}.json"))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn account(&self, party: &str) -> String {
        use sp_core::crypto::Ss58Codec as _;
        Signer::load(&self.key(party))
            .expect("key")
            .account()
            .to_ss58check()
    }

    /// Runs `cgrid --deployment <file> --key <party's key file> ARGS` in process.
    pub fn as_party(&mut self, party: &str, args: &[&str]) -> Result<Report, CliError> {
        let key = self.key(party).display().to_string();
        let deployment = self.deployment.display().to_string();
        let mut argv = vec!["cgrid", "--deployment", &deployment, "--key", &key];
        argv.extend_from_slice(args);
        self.run(&argv)
    }

    pub fn run(&mut self, argv: &[&str]) -> Result<Report, CliError> {
        let cli = Cli::try_parse_from(argv).map_err(|e| CliError::Input(e.to_string()))?;
        match cli.command {
            Command::Party(command) => cli::run_on(&mut self.chain, &cli.global, command),
            Command::Service(_) => panic!("not a party command"),
        }
    }

    pub fn ok(&mut self, party: &str, args: &[&str]) -> Report {
        self.as_party(party, args)
            .unwrap_or_else(|e| panic!("cgrid {}: {e}", args.join(" ")))
    }

    /// The provider's `offer create` for `consumer` (an SS58 account) at `price` a minute.
    pub fn offer(
        &mut self,
        consumer: &str,
        price: &str,
        min_cost: &str,
        out: &str,
    ) -> Result<Report, CliError> {
        self.as_party(
            "provider",
            &[
                "offer",
                "create",
                "--consumer",
                consumer,
                "--price",
                price,
                "--min-cost",
                min_cost,
                "--spec",
                "4 vCPU",
                "--out",
                out,
            ],
        )
    }

    pub fn refused(&mut self, party: &str, args: &[&str]) -> CliError {
        match self.as_party(party, args) {
            Ok(r) => panic!("cgrid {} succeeded: {}", args.join(" "), r.text),
            Err(e) => e,
        }
    }

    pub fn did(&mut self, party: &str) -> DidId {
        let r = self.ok(party, &["did", "resolve"]);
        let id = r.json["didDocument"]["id"].as_str().expect("id").to_owned();
        cli::parse::did(&id).expect("did")
    }

    /// The operator accepts the root, the parties create DIDs, the issuer and regulators get
    /// their roles, and the energy template is registered.
    pub fn onboard(&mut self) {
        let operator = Signer::load(&self.key("operator")).expect("key").account();
        let root = self.suite.root.clone();
        self.chain
            .send(
                &root,
                self.suite
                    .dids
                    .msg(|d| d.transfer_root(Some(cgrid_suite::ink_account(&operator)))),
            )
            .expect("proposed");
        self.ok("operator", &["root", "accept"]);
        for party in [
            "operator",
            "issuer",
            "provider",
            "consumer",
            "regulator",
            "regulator2",
        ] {
            if self.as_party(party, &["did", "resolve"]).is_err() {
                self.ok(party, &["did", "create"]);
            }
        }
        let evidence = self.path("kyc.pdf");
        std::fs::write(&evidence, b"passport scan").expect("evidence");
        let evidence = evidence.display().to_string();
        for (party, role) in [
            ("issuer", "issuer"),
            ("regulator", "regulator"),
            ("regulator2", "regulator"),
            ("provider", "provider"),
            ("consumer", "consumer"),
        ] {
            let account = self.account(party);
            self.ok(
                "operator",
                &[
                    "role",
                    "grant",
                    &account,
                    "--role",
                    role,
                    "--expires",
                    "+365d",
                    "--evidence",
                    &evidence,
                ],
            );
        }
        let template = self.path("energy.json");
        std::fs::write(&template, energy_template().to_string()).expect("template");
        let template = template.display().to_string();
        self.ok(
            "operator",
            &["cpt", "register", "--file", &template, "--id", "1000"],
        );
    }

    pub fn count<R: scale::Decode>(&mut self, msg: cgrid_suite::Msg<R>) -> R {
        self.chain.read(msg).expect("read")
    }
}

pub fn energy_template() -> Value {
    json!({
        "title": "Energy certificate",
        "description": "Audited energy figures of a compute provider",
        "properties": {
            "greenShare": {"type": "integer", "description": "share of green energy, bps"},
            "carbon": {"type": "integer", "description": "carbon intensity, gCO2e per kWh"},
            "pue": {"type": "integer", "description": "power usage effectiveness x 1000"},
            "charity": {"type": "integer", "description": "revenue pledged, bps"},
            "auditor": {"type": "string"},
            "audited_on": {"type": "timestamp"},
        },
        "required": ["greenShare", "carbon"],
    })
}

/// Writes `doc` to `name` and has a stranger verify it: the refusal.
pub fn input(e: &CliError, needle: &str) {
    assert!(matches!(e, CliError::Input(_)), "not an input error: {e:?}");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains(needle), "{needle:?} not in: {e}");
    assert!(!e.to_string().contains('\n'), "not one line: {e}");
}

pub fn refused(e: &CliError, contract: &str, error: &str) {
    assert!(matches!(e, CliError::Refused(_)), "not a refusal: {e:?}");
    assert_eq!(e.exit_code(), 1);
    let text = e.to_string();
    assert!(
        text.contains(contract) && text.contains(error),
        "{contract}/{error} not in: {text}"
    );
}

/// One request to the HTTP API: the status and the body.
pub async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (axum::http::StatusCode, String) {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(match body {
            Some(v) => axum::body::Body::from(v.to_string()),
            None => axum::body::Body::empty(),
        })
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}
