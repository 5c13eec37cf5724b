//! The one step the bundler adds to `cargo contract build`: a second `wasm-opt -Oz` over the
//! optimized code with binaryen's `--low-memory-unused`, then the bundle's metadata made to
//! name the new code (its `source.hash`, the `.contract`'s `source.wasm`, and the setting in
//! `build_info.wasm_opt_settings`).
//!
//! Why: the contracts' proof size is their code size (pallet-contracts charges every byte of a
//! called contract's code into the call's proof), and this pass takes about 7 % off every code
//! blob (trade_escrow's main code 33,470 → 31,256 B).
//!
//! Why it is sound: with the flag, binaryen's `optimize-added-constants` folds an added
//! constant `c < 1024` into a load's or store's offset (`load(p + c)` → `load offset=c (p)`).
//! The two differ only when `p + c` wraps past 2³² (the add reaches address `p + c - 2³²`,
//! the offset traps), i.e. when `p` lies in the top KiB of the 32-bit address space. A
//! contract's memory is at most `DEFAULT_MAX_MEMORY_PAGES` 64 KiB pages, and Rust forms no
//! pointer outside it, so no execution of the contract can tell the two apart. It is the
//! setting emscripten passes on every optimized build. The rest of the options are
//! contract-build's own (`src/wasm_opt.rs`): MVP features, sign-extension lowered away,
//! zero-filled imported memory; the tests then validate every bundle against the feature set
//! pallet-contracts accepts and run the whole suite on these bundles.

use std::path::Path;

use contract_build::{code_hash, BuildResult};
use wasm_opt::{Feature, OptimizationOptions, Pass};

/// The key this step adds to `build_info.wasm_opt_settings`.
pub const SETTING: &str = "low_memory_unused";

/// Runs the pass over `result`'s Wasm and rewrites its `.json` and `.contract` to match.
pub fn apply(result: &BuildResult) -> Result<(), String> {
    let wasm_path = result
        .dest_wasm
        .as_ref()
        .ok_or("contract-build wrote no Wasm")?;
    let metadata = result
        .metadata_result
        .as_ref()
        .ok_or("contract-build wrote no metadata")?;
    let before = read(wasm_path)?;
    // contract-build leaves an unchanged contract's last output in place (no wasm-opt, no new
    // metadata when cargo's Wasm did not change), and this step rewrote that output: running
    // the pass again would change the code a second time (role_index: one byte).
    if result.optimization_result.is_none() {
        let text = std::fs::read_to_string(&metadata.dest_metadata)
            .map_err(|e| format!("{}: unreadable: {e}", metadata.dest_metadata.display()))?;
        if names_applied(&text, &before) {
            return Ok(());
        }
    }
    let tmp = wasm_path.with_extension("lmu.wasm");
    OptimizationOptions::new_optimize_for_size_aggressively()
        .mvp_features_only()
        .enable_feature(Feature::SignExt)
        .add_pass(Pass::SignextLowering)
        .zero_filled_memory(true)
        .low_memory_unused(true)
        .run(wasm_path, &tmp)
        .map_err(|e| format!("{}: wasm-opt failed: {e}", wasm_path.display()))?;
    let after = read(&tmp)?;
    for path in [&metadata.dest_metadata, &metadata.dest_bundle] {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: unreadable: {e}", path.display()))?;
        let text =
            renamed_code(&text, &before, &after).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    std::fs::rename(&tmp, wasm_path).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: unreadable: {e}", path.display()))
}

fn hex0x(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// `text` (a bundle's `.json` or `.contract`, as contract-build wrote it) naming `after`
/// instead of `before`: the code hash (exactly once), the code itself where it is embedded
/// (the `.contract`; at most once), and the setting after `"optimization_passes": "…"`
/// (exactly once). Edited as text, so every other byte stays as contract-build wrote it.
pub fn renamed_code(text: &str, before: &[u8], after: &[u8]) -> Result<String, String> {
    let text = replaced(
        text,
        &hex0x(&code_hash(before)),
        &hex0x(&code_hash(after)),
        1..=1,
    )
    .map_err(|n| format!("the code hash appears {n} times, not once"))?;
    let text = replaced(&text, &hex0x(before), &hex0x(after), 0..=1)
        .map_err(|n| format!("the code appears {n} times"))?;
    let key = "\"optimization_passes\"";
    let mut found = text.match_indices(key);
    let (Some((at, _)), None) = (found.next(), found.next()) else {
        return Err("no single wasm_opt_settings.optimization_passes".into());
    };
    // The value: the quoted string after the key's colon.
    let rest = &text[at + key.len()..];
    let open = rest
        .find('"')
        .filter(|&i| rest[..i].trim() == ":")
        .ok_or("optimization_passes is not a string")?;
    let close = rest[open + 1..]
        .find('"')
        .ok_or("optimization_passes is not a string")?;
    let end = at + key.len() + open + 1 + close + 1;
    Ok(format!(
        "{},{}{}",
        &text[..end],
        setting_entry(),
        &text[end..]
    ))
}

/// Whether `text` (a bundle's `.json`) is this step's output for `code`: it names `code` and
/// carries the setting.
pub fn names_applied(text: &str, code: &[u8]) -> bool {
    text.contains(&setting_entry()) && text.contains(&hex0x(&code_hash(code)))
}

/// The setting as this step writes it into the metadata (and looks for it there).
fn setting_entry() -> String {
    format!("\"{SETTING}\":true")
}

fn replaced(
    text: &str,
    from: &str,
    to: &str,
    allowed: std::ops::RangeInclusive<usize>,
) -> Result<String, usize> {
    let n = text.matches(from).count();
    if allowed.contains(&n) {
        Ok(text.replace(from, to))
    } else {
        Err(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(code: &[u8], embedded: bool) -> String {
        let wasm = if embedded {
            format!(",\"wasm\":\"{}\"", hex0x(code))
        } else {
            String::new()
        };
        format!(
            "{{\"source\":{{\"hash\":\"{}\"{wasm},\"build_info\":{{\"wasm_opt_settings\":\
             {{\"keep_debug_symbols\":false,\"optimization_passes\": \"Z\"}}}}}},\"spec\":{{}}}}",
            hex0x(&code_hash(code))
        )
    }

    #[test]
    fn the_metadata_names_the_new_code_and_the_setting() {
        let (before, after) = (b"\0asm old code".as_slice(), b"\0asm new".as_slice());
        for embedded in [false, true] {
            let text = renamed_code(&metadata(before, embedded), before, after).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
            assert_eq!(v["source"]["hash"], hex0x(&code_hash(after)));
            let settings = &v["source"]["build_info"]["wasm_opt_settings"];
            assert_eq!(settings["optimization_passes"], "Z");
            assert_eq!(settings[SETTING], true);
            if embedded {
                assert_eq!(v["source"]["wasm"], hex0x(after));
            }
            assert!(!text.contains(&hex0x(before)[2..]), "{text}");
        }
        assert_eq!(hex0x(&[0x00, 0xab, 0x0f]), "0x00ab0f");
    }

    #[test]
    fn only_this_steps_output_for_the_code_counts_as_applied() {
        let (before, after) = (b"\0asm old code".as_slice(), b"\0asm new".as_slice());
        let built = metadata(before, false);
        let applied = renamed_code(&built, before, after).unwrap();
        assert!(names_applied(&applied, after));
        // contract-build's own output, and this step's output for other code, are not.
        assert!(!names_applied(&built, before));
        assert!(!names_applied(&applied, before));
    }

    #[test]
    fn metadata_of_other_code_is_refused() {
        let (before, after) = (b"\0asm old".as_slice(), b"\0asm new".as_slice());
        let other = metadata(b"\0asm another", true);
        assert!(renamed_code(&other, before, after)
            .unwrap_err()
            .contains("0 times"));
        let twice =
            metadata(before, false).replace("\"spec\"", "\"optimization_passes\":\"Z\",\"spec\"");
        assert!(renamed_code(&twice, before, after)
            .unwrap_err()
            .contains("no single"));
    }
}
