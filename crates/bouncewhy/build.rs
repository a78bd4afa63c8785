//! Compiles every pack file under `packs/` into the library, so that a new
//! provider is a new TOML file and nothing else.
//!
//! The TOML files stay the source of truth (and are embedded as they are),
//! but the engine loads each one from a JSON copy made here: the same data,
//! checked by the same `serde` types at start, read several times faster than
//! TOML. It also works out the required literals of every built-in rule regex
//! (see `src/rules/required.rs`), so that starting up parses no regex.

#[path = "src/rules/required.rs"]
mod required;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let packs = manifest.join("../../packs");
    println!("cargo:rerun-if-changed={}", packs.display());
    let mut files = Vec::new();
    collect(&packs, &mut files);
    files.sort();
    let mut toml_list = String::from("/// Every built-in pack file: (path under `packs/`, contents).\npub const BUILTIN_FILES: &[(&str, &str)] = &[\n");
    let mut regexes = BTreeMap::new();
    let mut json_list = String::from("/// Every built-in pack file as JSON: (path under `packs/`, contents).\npub const BUILTIN_JSON: &[(&str, &str)] = &[\n");
    for (number, file) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file
            .strip_prefix(&packs)
            .expect("file is under packs/")
            .to_string_lossy()
            .replace('\\', "/");
        let absolute = file.canonicalize().expect("pack file exists");
        writeln!(
            toml_list,
            "    ({relative:?}, include_str!({:?})),",
            absolute.to_string_lossy()
        )
        .expect("write to string");
        let json_path = out_dir.join(format!("pack-{number}.json"));
        let value = read_toml(&relative, file);
        collect_regexes(&relative, &value, &mut regexes);
        std::fs::write(&json_path, to_json(&relative, &value)).expect("write a JSON pack");
        writeln!(
            json_list,
            "    ({relative:?}, include_str!({:?})),",
            json_path.to_string_lossy()
        )
        .expect("write to string");
    }
    toml_list.push_str("];\n");
    json_list.push_str("];\n");
    std::fs::write(out_dir.join("builtin_packs.rs"), toml_list + &json_list)
        .expect("write builtin_packs.rs");
    std::fs::write(out_dir.join("builtin_regexes.rs"), regex_table(&regexes))
        .expect("write builtin_regexes.rs");
}

fn read_toml(relative: &str, file: &Path) -> toml::Value {
    let text = std::fs::read_to_string(file).expect("read a pack file");
    toml::from_str(&text)
        .unwrap_or_else(|error| panic!("packs/{relative} is not valid TOML: {error}"))
}

/// The TOML file's data as JSON. TOML dates and non-finite numbers have no
/// JSON form and no place in a pack: they stop the build.
fn to_json(relative: &str, value: &toml::Value) -> String {
    check_json_compatible(relative, value);
    serde_json::to_string(value).expect("TOML data converts to JSON")
}

/// Adds the required literals of every `regex` of the pack's rules, by source;
/// a regex that does not parse stops the build.
fn collect_regexes(
    relative: &str,
    pack: &toml::Value,
    regexes: &mut BTreeMap<String, Option<Vec<Vec<u8>>>>,
) {
    let rules = pack.get("rule").and_then(toml::Value::as_array);
    let sources = rules
        .into_iter()
        .flatten()
        .filter_map(|rule| rule.get("regex")?.as_array())
        .flatten()
        .filter_map(toml::Value::as_str);
    for source in sources {
        let literals = required::regex_literals(source)
            .unwrap_or_else(|error| panic!("packs/{relative}: bad regex `{source}`: {error}"));
        regexes.insert(source.to_string(), literals);
    }
}

/// The generated table of required literals (sorted by source, for a binary
/// search) and the non-ASCII characters that fold to ASCII letters.
fn regex_table(regexes: &BTreeMap<String, Option<Vec<Vec<u8>>>>) -> String {
    let mut out = String::from("/// Required literals of every built-in rule regex, sorted by source (`None`: no required literal).\npub const REGEX_LITERALS: &[(&str, Option<&[&str]>)] = &[\n");
    for (source, literals) in regexes {
        let literals = match literals {
            Some(set) => {
                let set: Vec<&str> = set
                    .iter()
                    .map(|literal| std::str::from_utf8(literal).expect("literals are ASCII"))
                    .collect();
                format!("Some(&{set:?})")
            }
            None => "None".to_string(),
        };
        writeln!(out, "    ({source:?}, {literals}),").expect("write to string");
    }
    writeln!(
        out,
        "];\n/// Non-ASCII characters that match an ASCII letter case-insensitively.\npub const ASCII_FOLDS: &[char] = &{:?};",
        required::ascii_folds()
    )
    .expect("write to string");
    out
}

fn check_json_compatible(relative: &str, value: &toml::Value) {
    match value {
        toml::Value::Datetime(_) => panic!("packs/{relative}: a pack holds no dates"),
        toml::Value::Float(number) if !number.is_finite() => {
            panic!("packs/{relative}: a pack holds no infinite or NaN numbers")
        }
        toml::Value::Array(items) => items
            .iter()
            .for_each(|item| check_json_compatible(relative, item)),
        toml::Value::Table(table) => table
            .values()
            .for_each(|item| check_json_compatible(relative, item)),
        _ => {}
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
}
