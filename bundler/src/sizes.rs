//! `cgrid-bundler --sizes`: where a code blob's bytes go, per function and per crate, read from
//! the Wasm's name section (what `twiggy top` reports, without another tool to install).
//!
//! The bundles' optimized code carries no names; the release build under
//! `$CGRID_BUNDLE_TARGET/ink/wasm32-unknown-unknown/release/<contract>.wasm` (before `wasm-opt`)
//! does. Its sizes are larger than the bundle's, but they rank the same code (issue 21: attribute
//! the size before cutting).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

/// One function body: its size in bytes (with its length prefix) and its name, demangled
/// without the hash (`None`: the module names no function at this index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub bytes: usize,
    pub name: Option<String>,
}

/// What a module's bytes are, as far as sizes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes {
    pub total: usize,
    /// The code section's size: every function body.
    pub code: usize,
    /// The defined functions, in index order (imports excluded).
    pub functions: Vec<Function>,
}

impl Sizes {
    /// Reads `wasm`'s function bodies and names; an error names what is malformed.
    pub fn of(wasm: &[u8]) -> Result<Sizes, String> {
        let mut imported = 0u32;
        let mut code = 0;
        let mut bodies = Vec::new();
        let mut names = BTreeMap::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| format!("not Wasm: {e}"))? {
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import.map_err(|e| format!("import section: {e}"))?;
                        if matches!(import.ty, TypeRef::Func(_)) {
                            imported += 1;
                        }
                    }
                }
                Payload::CodeSectionStart { size, .. } => code = size as usize,
                Payload::CodeSectionEntry(body) => {
                    // The body's bytes plus its length prefix, as a size tool counts it.
                    let range = body.range();
                    bodies.push(range.end - range.start + leb128_len(range.end - range.start));
                }
                Payload::CustomSection(section) => {
                    if let KnownCustom::Name(reader) = section.as_known() {
                        for entry in reader.into_iter().flatten() {
                            if let Name::Function(map) = entry {
                                for naming in map.into_iter().flatten() {
                                    names.insert(naming.index, naming.name.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let functions = bodies
            .into_iter()
            .enumerate()
            .map(|(i, bytes)| {
                let index = imported.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
                Function {
                    bytes,
                    name: names
                        .get(&index)
                        .map(|n| format!("{:#}", rustc_demangle::demangle(n))),
                }
            })
            .collect();
        Ok(Sizes {
            total: wasm.len(),
            code,
            functions,
        })
    }

    /// The code's bytes per crate (the first path segment of each function's name; exports,
    /// compiler builtins and unnamed functions under `(other)`), largest first.
    pub fn by_crate(&self) -> Vec<(String, usize)> {
        let mut crates: BTreeMap<String, usize> = BTreeMap::new();
        for function in &self.functions {
            let krate = function
                .name
                .as_deref()
                .and_then(crate_of)
                .unwrap_or("(other)");
            *crates.entry(krate.to_string()).or_default() += function.bytes;
        }
        let mut crates: Vec<_> = crates.into_iter().collect();
        crates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        crates
    }

    /// The report `--sizes` prints: totals, bytes per crate, the `top` largest functions.
    pub fn report(&self, label: &str, top: usize) -> String {
        let share = |bytes: usize| bytes as f64 * 100.0 / self.code.max(1) as f64;
        let mut out = format!(
            "{label}: {} B, code {} B in {} functions{}\n  by crate:\n",
            self.total,
            self.code,
            self.functions.len(),
            if self.functions.iter().all(|f| f.name.is_none()) {
                " (no names: an optimized bundle; the release build under \
                 $CGRID_BUNDLE_TARGET/ink/wasm32-unknown-unknown/release/ has them)"
            } else {
                ""
            }
        );
        for (krate, bytes) in self.by_crate() {
            let _ = writeln!(out, "  {bytes:>8} {:>5.1} %  {krate}", share(bytes));
        }
        let mut largest: Vec<(usize, &Function)> = self.functions.iter().enumerate().collect();
        largest.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(&b.0)));
        let _ = writeln!(out, "  largest functions:");
        for (index, function) in largest.into_iter().take(top) {
            let name = function
                .name
                .clone()
                .unwrap_or_else(|| format!("(function {index})"));
            let _ = writeln!(
                out,
                "  {:>8} {:>5.1} %  {name}",
                function.bytes,
                share(function.bytes)
            );
        }
        out
    }
}

/// The crate a demangled name belongs to: its first path segment (of the `Self` type for an
/// `<A as B>::f` name); `None` for a name that is no path (`call`, `memcpy`).
fn crate_of(name: &str) -> Option<&str> {
    let name = name.trim_start_matches(['<', '&']);
    let self_type = name.split(" as ").next().unwrap_or(name);
    let (first, _) = self_type.split_once("::")?;
    (!first.is_empty() && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(first)
}

/// Bytes of `n` as an unsigned LEB128 (a body's length prefix).
fn leb128_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, EntityType, Function as Body, FunctionSection, ImportSection, Instruction,
        Module, NameMap, NameSection, TypeSection,
    };

    /// A module with one imported function and three defined ones of 1, 201 and 21 bytes of
    /// code, the last one unnamed.
    fn module() -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut imports = ImportSection::new();
        imports.import("seal0", "input", EntityType::Function(0));
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        for nops in [0, 200, 20] {
            functions.function(0);
            let mut body = Body::new([]);
            for _ in 0..nops {
                body.instruction(&Instruction::Nop);
            }
            body.instruction(&Instruction::End);
            code.function(&body);
        }
        let mut names = NameMap::new();
        names.append(0, "input");
        names.append(1, "call");
        names.append(2, "_ZN17incentive_auction6reveal17h0123456789abcdefE");
        let mut name_section = NameSection::new();
        name_section.functions(&names);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&code)
            .section(&name_section);
        module.finish()
    }

    #[test]
    fn sizes_name_each_defined_function_past_the_imports() {
        let wasm = module();
        let sizes = Sizes::of(&wasm).unwrap();
        assert_eq!(sizes.total, wasm.len());
        // A body: its locals count (1 B), its instructions, `end`; plus the length prefix.
        let bytes: Vec<usize> = sizes.functions.iter().map(|f| f.bytes).collect();
        assert_eq!(bytes, vec![3, 204, 23]);
        // The code section after its count: the bodies.
        assert_eq!(sizes.code, 3 + 204 + 23);
        let names: Vec<Option<&str>> = sizes.functions.iter().map(|f| f.name.as_deref()).collect();
        assert_eq!(
            names,
            vec![Some("call"), Some("incentive_auction::reveal"), None]
        );
        assert_eq!(
            sizes.by_crate(),
            vec![
                ("incentive_auction".to_string(), 204),
                ("(other)".to_string(), 26)
            ]
        );
        let report = sizes.report("m.wasm", 2);
        assert!(report.contains("incentive_auction::reveal"), "{report}");
        assert!(report.contains("(function 2)"), "{report}");
        assert!(!report.contains("call\n"), "only the 2 largest: {report}");
    }

    #[test]
    fn crates_are_the_first_path_segment() {
        assert_eq!(crate_of("ink_env::api::caller"), Some("ink_env"));
        assert_eq!(
            crate_of("<alloc::string::String as parity_scale_codec::codec::Decode>::decode"),
            Some("alloc")
        );
        assert_eq!(crate_of("<&T as core::fmt::Debug>::fmt"), None);
        assert_eq!(crate_of("memcpy"), None);
    }

    #[test]
    fn malformed_wasm_is_an_error() {
        assert!(Sizes::of(b"not wasm").unwrap_err().starts_with("not Wasm"));
    }
}
