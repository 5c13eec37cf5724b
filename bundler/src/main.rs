//! `cgrid-bundler`: builds ink! contract bundles (`.contract`, `.wasm`, `.json`) as
//! `cargo contract build --release` of cargo-contract 5.0.3 does — it calls the same library,
//! `contract-build` 5.0.3, with the same arguments — and then shrinks the code with one more
//! `wasm-opt` pass (`postopt`: `-Oz --low-memory-unused`, about 7 % of every blob, recorded in
//! the bundle's `build_info`), without installing cargo-contract: the
//! builder is a workspace member, so its version comes from the workspace's `Cargo.lock` and it
//! is compiled with the rest of the workspace (whose ink_e2e already builds `contract-build`).
//!
//! ```text
//! cgrid-bundler [--offline] [--features A,B] [--code-features C] MANIFEST...
//!                                         build each contract in release mode, in order
//!                                         (with those cargo features, as `cargo contract build
//!                                         --features`: a split contract's code blobs); with
//!                                         `--code-features`, the code is built with those
//!                                         features too and the metadata without them (a split
//!                                         main code's own entry points, `split-entry`: see
//!                                         `build_code_then_metadata`)
//! cgrid-bundler --version                 the contract-build version it embeds
//! cgrid-bundler --sizes [--top N] WASM... where each code blob's bytes go: per crate and the
//!                                         N (25) largest functions, from the name section
//!                                         (`sizes`; the named code is the release build
//!                                         under `$CGRID_BUNDLE_TARGET/ink/wasm32-unknown-unknown/
//!                                         release/`, before `wasm-opt`)
//! ```
//!
//! `scripts/build-contracts.sh` stages each contract (fixed path, pruned lockfile) and runs
//! this on the staged manifest. Stops at the first contract that fails, exit status 1.

use std::path::PathBuf;
use std::process::ExitCode;

mod postopt;
mod sizes;

use contract_build::{
    BuildArtifacts, BuildInfo, BuildMode, BuildResult, CrateMetadata, ExecuteArgs, Features,
    ImageVariant, Manifest, ManifestPath, MetadataArtifacts, Network, OutputType, Target,
    UnstableFlags, Verbosity, WasmOptSettings, DEFAULT_MAX_MEMORY_PAGES,
};

/// The contract-build release this builder is pinned to (`=` in its Cargo.toml); it is also
/// the `cargo_contract_version` contract-build writes into each bundle's `build_info`.
const CONTRACT_BUILD: &str = "5.0.3";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Version,
    Sizes {
        top: usize,
        files: Vec<PathBuf>,
    },
    Build {
        network: Network,
        features: Vec<String>,
        code_features: Vec<String>,
        manifests: Vec<PathBuf>,
    },
}

const USAGE: &str = "usage: cgrid-bundler [--offline] [--features A,B] [--code-features C] \
                     MANIFEST... | --version | --sizes [--top N] WASM...";

/// How many functions `--sizes` lists unless `--top` says otherwise.
const DEFAULT_TOP: usize = 25;

fn parse_sizes(args: &[String]) -> Result<Command, String> {
    let mut top = DEFAULT_TOP;
    let mut files = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--top" => {
                top = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or(format!("--top needs a number of functions: {USAGE}"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}: {USAGE}")),
            path => files.push(PathBuf::from(path)),
        }
    }
    if files.is_empty() {
        return Err(format!("name at least one .wasm file: {USAGE}"));
    }
    Ok(Command::Sizes { top, files })
}

fn sizes(top: usize, files: &[PathBuf]) -> Result<(), String> {
    for path in files {
        let wasm = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let sizes = sizes::Sizes::of(&wasm).map_err(|e| format!("{}: {e}", path.display()))?;
        print!("{}", sizes.report(&path.display().to_string(), top));
    }
    Ok(())
}

fn parse(args: &[String]) -> Result<Command, String> {
    if let Some(rest) = args.strip_prefix(&["--sizes".to_string()]) {
        return parse_sizes(rest);
    }
    let mut network = Network::Online;
    let mut features = Vec::new();
    let mut code_features = Vec::new();
    let mut manifests = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" | "-V" => return Ok(Command::Version),
            "--offline" => network = Network::Offline,
            flag @ ("--features" | "--code-features") => {
                let list = args
                    .next()
                    .filter(|list| !list.is_empty() && !list.starts_with('-'))
                    .ok_or(format!("{flag} needs a list of features: {USAGE}"))?;
                let to = if flag == "--features" {
                    &mut features
                } else {
                    &mut code_features
                };
                to.extend(list.split(',').map(str::to_string));
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}: {USAGE}")),
            path => manifests.push(PathBuf::from(path)),
        }
    }
    if manifests.is_empty() {
        return Err(format!("name at least one Cargo.toml: {USAGE}"));
    }
    Ok(Command::Build {
        network,
        features,
        code_features,
        manifests,
    })
}

/// The arguments `cargo contract build --release [--offline] [--features ..] --manifest-path
/// PATH` passes to `contract_build::execute` (cargo-contract 5.0.3, `src/cmd/build.rs`), every
/// other flag at its default.
fn release_args(
    manifest_path: ManifestPath,
    network: Network,
    features: &[String],
    build_artifact: BuildArtifacts,
) -> ExecuteArgs {
    ExecuteArgs {
        manifest_path,
        verbosity: Verbosity::Default,
        build_mode: BuildMode::Release,
        features: cargo_features(features),
        network,
        build_artifact,
        unstable_flags: UnstableFlags::default(),
        optimization_passes: None,
        keep_debug_symbols: false,
        extra_lints: false,
        output_type: OutputType::HumanReadable,
        skip_wasm_validation: false,
        target: Target::Wasm,
        max_memory_pages: DEFAULT_MAX_MEMORY_PAGES,
        image: ImageVariant::Default,
    }
}

/// `features` as contract-build takes them.
fn cargo_features(features: &[String]) -> Features {
    let mut cargo_features = Features::default();
    for feature in features {
        cargo_features.push(feature);
    }
    cargo_features
}

fn build(
    network: Network,
    features: &[String],
    code_features: &[String],
    manifests: &[PathBuf],
) -> Result<(), String> {
    for path in manifests {
        let manifest = ManifestPath::new(path)
            .map_err(|e| format!("{}: not a Cargo.toml ({e:#})", path.display()))?;
        let result = if code_features.is_empty() {
            contract_build::execute(release_args(
                manifest,
                network,
                features,
                BuildArtifacts::All,
            ))
            .map_err(|e| format!("{}: the build failed: {e:#}", path.display()))?
        } else {
            build_code_then_metadata(manifest, network, features, code_features)
                .map_err(|e| format!("{}: the build failed: {e:#}", path.display()))?
        };
        postopt::apply(&result)?;
        println!("{}", result.display());
    }
    Ok(())
}

/// The code built with `features` and `code_features`, the metadata (ABI, docs) generated with
/// `features` alone and naming that code — what `execute` with `BuildArtifacts::All` does in
/// one go, split in its two steps (`CodeOnly`, then `metadata::execute` with the build info
/// `execute` would write). A split contract's main code needs this: its code carries its own
/// entry points (`cgrid_shared::split_entry_points!`, feature `split-entry`, which turns on
/// ink!'s `ink-as-dependency` so that ink! generates none), and ink!'s metadata generator does
/// not exist under `ink-as-dependency`; the ABI is the same with and without the feature.
fn build_code_then_metadata(
    manifest: ManifestPath,
    network: Network,
    features: &[String],
    code_features: &[String],
) -> anyhow::Result<BuildResult> {
    let crate_metadata = CrateMetadata::collect(&manifest, Target::Wasm)?;
    // contract-build skips the optimization when cargo's code did not change, leaving its last
    // output (here already rewritten by `postopt`); without cargo's code it always optimizes.
    std::fs::remove_file(&crate_metadata.original_code).ok();
    let all: Vec<String> = features.iter().chain(code_features).cloned().collect();
    let mut result = contract_build::execute(release_args(
        manifest.clone(),
        network,
        &all,
        BuildArtifacts::CodeOnly,
    ))?;
    let code = result
        .dest_wasm
        .clone()
        .ok_or_else(|| anyhow::anyhow!("contract-build wrote no Wasm"))?;
    let mut manifest_profile = Manifest::new(manifest)?;
    let build_info = BuildInfo {
        rust_toolchain: contract_build::util::rust_toolchain()?,
        cargo_contract_version: semver::Version::parse(CONTRACT_BUILD)?,
        build_mode: BuildMode::Release,
        wasm_opt_settings: WasmOptSettings {
            optimization_passes: manifest_profile
                .profile_optimization_passes()
                .unwrap_or_default(),
            keep_debug_symbols: false,
        },
    };
    let artifacts = MetadataArtifacts {
        dest_metadata: crate_metadata.metadata_path(),
        dest_bundle: crate_metadata.contract_bundle_path(),
    };
    contract_build::metadata::execute(
        &crate_metadata,
        &code,
        &artifacts,
        &cargo_features(features),
        network,
        Verbosity::Default,
        &UnstableFlags::default(),
        build_info,
    )?;
    result.metadata_result = Some(artifacts);
    result.build_artifact = BuildArtifacts::All;
    Ok(result)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = parse(&args).and_then(|command| match command {
        Command::Version => {
            println!(
                "cgrid-bundler {} (contract-build {CONTRACT_BUILD})",
                env!("CARGO_PKG_VERSION")
            );
            Ok(())
        }
        Command::Sizes { top, files } => sizes(top, &files),
        Command::Build {
            network,
            features,
            code_features,
            manifests,
        } => build(network, &features, &code_features, &manifests),
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_line_names_manifests_and_the_network() {
        assert_eq!(parse(&args(&["--version"])), Ok(Command::Version));
        assert_eq!(
            parse(&args(&["a/Cargo.toml", "--offline", "b/Cargo.toml"])),
            Ok(Command::Build {
                network: Network::Offline,
                features: vec![],
                code_features: vec![],
                manifests: vec!["a/Cargo.toml".into(), "b/Cargo.toml".into()],
            })
        );
        assert_eq!(
            parse(&args(&["--features", "split-main,x", "a/Cargo.toml"])),
            Ok(Command::Build {
                network: Network::Online,
                features: vec!["split-main".into(), "x".into()],
                code_features: vec![],
                manifests: vec!["a/Cargo.toml".into()],
            })
        );
        assert_eq!(
            parse(&args(&[
                "--features",
                "split-main",
                "--code-features",
                "split-entry",
                "a/Cargo.toml"
            ])),
            Ok(Command::Build {
                network: Network::Online,
                features: vec!["split-main".into()],
                code_features: vec!["split-entry".into()],
                manifests: vec!["a/Cargo.toml".into()],
            })
        );
        assert!(parse(&args(&["a/Cargo.toml", "--code-features"]))
            .unwrap_err()
            .contains("--code-features needs a list"));
        assert!(parse(&args(&["--features", "a/Cargo.toml"]))
            .unwrap_err()
            .contains("at least one Cargo.toml"));
        assert!(parse(&args(&["a/Cargo.toml", "--features"]))
            .unwrap_err()
            .contains("--features needs a list"));
        assert!(parse(&args(&[]))
            .unwrap_err()
            .contains("at least one Cargo.toml"));
        assert!(parse(&args(&["--release"]))
            .unwrap_err()
            .contains("unknown option --release"));
    }

    #[test]
    fn sizes_names_wasm_files_and_how_many_functions() {
        assert_eq!(
            parse(&args(&["--sizes", "a.wasm", "--top", "5", "b.wasm"])),
            Ok(Command::Sizes {
                top: 5,
                files: vec!["a.wasm".into(), "b.wasm".into()],
            })
        );
        assert_eq!(
            parse(&args(&["--sizes", "a.wasm"])),
            Ok(Command::Sizes {
                top: DEFAULT_TOP,
                files: vec!["a.wasm".into()],
            })
        );
        assert!(parse(&args(&["--sizes"]))
            .unwrap_err()
            .contains("at least one .wasm"));
        assert!(parse(&args(&["--sizes", "a.wasm", "--top", "x"]))
            .unwrap_err()
            .contains("--top needs a number"));
        assert!(parse(&args(&["--sizes", "--offline", "a.wasm"]))
            .unwrap_err()
            .contains("unknown option --offline"));
    }

    /// The pinned version is the one the workspace's lockfile resolves.
    #[test]
    fn the_pinned_contract_build_is_the_locked_one() {
        let lock = include_str!("../../Cargo.lock");
        let locked = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"contract-build\"\n"))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"'));
        assert_eq!(locked, Some(CONTRACT_BUILD));
        assert!(include_str!("../Cargo.toml")
            .contains(&format!("contract-build = \"={CONTRACT_BUILD}\"")));
    }
}
