//! Compiles every pack file under `packs/` into the library, so that a new
//! provider is a new TOML file and nothing else.
//!
//! The TOML files stay the source of truth (and are embedded as they are),
//! but the engine loads each one from a JSON copy made here: the same data,
//! checked by the same `serde` types at start, read several times faster than
//! TOML.

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
        std::fs::write(&json_path, toml_to_json(&relative, file)).expect("write a JSON pack");
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
}

/// The TOML file's data as JSON. TOML dates and non-finite numbers have no
/// JSON form and no place in a pack: they stop the build.
fn toml_to_json(relative: &str, file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("read a pack file");
    let value: toml::Value = toml::from_str(&text)
        .unwrap_or_else(|error| panic!("packs/{relative} is not valid TOML: {error}"));
    check_json_compatible(relative, &value);
    serde_json::to_string(&value).expect("TOML data converts to JSON")
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
