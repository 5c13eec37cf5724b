//! Each benchmark owns some top-level keys of `<out>/results.json` and one `## Title` section of
//! `<out>/RESULTS.md`, and replaces only those: the figures other benchmarks wrote (the contract
//! weights, the controller, the recommender, CP-ABE, mutation and fuzz results) are kept.

use serde_json::{json, Value};
use std::io;
use std::path::Path;

/// Sets `entries` at the top level of `<out>/results.json`, keeping every other key. A missing
/// or unreadable file starts empty.
pub fn merge_json<K: AsRef<str>>(
    out: &Path,
    entries: impl IntoIterator<Item = (K, Value)>,
) -> io::Result<()> {
    std::fs::create_dir_all(out)?;
    let path = out.join("results.json");
    let mut doc: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    for (key, value) in entries {
        doc[key.as_ref()] = value;
    }
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")
}

/// Replaces the section `## {title}` of `<out>/RESULTS.md` (up to the next `## ` heading) with
/// `body`, or appends it when there is none. `body` is the text under the heading.
pub fn put_section(out: &Path, title: &str, body: &str) -> io::Result<()> {
    std::fs::create_dir_all(out)?;
    let path = out.join("RESULTS.md");
    let md = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, with_section(&md, title, body))
}

fn with_section(md: &str, title: &str, body: &str) -> String {
    let marker = format!("\n## {title}\n");
    let (head, tail) = match md.split_once(&marker) {
        Some((head, rest)) => (head, rest.find("\n## ").map_or("", |i| &rest[i..])),
        None => (md, ""),
    };
    format!(
        "{}\n{marker}\n{}\n{tail}",
        head.trim_end_matches('\n'),
        body.trim_matches('\n')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_in_place_and_the_others_kept() {
        let md = "# R\n\n## A\n\nold a\n\n## B\n\nb\n";
        let out = with_section(md, "A", "new a\n");
        assert_eq!(out, "# R\n\n## A\n\nnew a\n\n## B\n\nb\n");
        let out = with_section(md, "B", "new b");
        assert_eq!(out, "# R\n\n## A\n\nold a\n\n## B\n\nnew b\n");
        let out = with_section(md, "C", "c");
        assert_eq!(out, "# R\n\n## A\n\nold a\n\n## B\n\nb\n\n## C\n\nc\n");
    }

    #[test]
    fn merging_keeps_other_figures() {
        let dir = std::env::temp_dir().join(format!("cgrid-bench-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("results.json"), r#"{"kept": 1, "mine": 2}"#).unwrap();
        merge_json(&dir, [("mine", json!(3)), ("new", json!("x"))]).unwrap();
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap())
                .unwrap();
        assert_eq!(doc, json!({"kept": 1, "mine": 3, "new": "x"}));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
