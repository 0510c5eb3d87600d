//! The repository's own promises: README's two set-up commands stay true on
//! a fresh Debian machine (a new user met a build that failed because the
//! run command's package list lacked libpcsclite-dev while CI installed it);
//! dist/ holds what the binary generates; the live image's packages are
//! pinned; and the folder map holds: every command found by its name, and
//! the layers' dependency rule (docs/architecture.md).

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The packages README's run command installs.
fn readme_run_packages() -> BTreeSet<String> {
    let readme = read("README.md");
    let line = readme
        .lines()
        .find(|l| l.starts_with("apt-get update && apt-get install") && l.contains("demo"))
        .expect("README's run command (apt-get install ... cargo run ... demo)");
    let install = line.split("&&").nth(1).unwrap();
    install
        .split_whitespace()
        .skip_while(|w| *w != "install")
        .skip(1)
        .filter(|w| !w.starts_with('-'))
        .map(str::to_owned)
        .collect()
}

/// The words of a bash array `name=( ... )` in .ci/run, comments dropped.
fn ci_array(name: &str) -> Vec<String> {
    let ci = read(".ci/run");
    let start = ci
        .find(&format!("\n{name}=("))
        .unwrap_or_else(|| panic!(".ci/run has no {name}=( array"));
    let body = &ci[start + name.len() + 3..];
    let body = &body[..body.find("\n)").unwrap()];
    body.lines()
        .map(|l| l.split('#').next().unwrap())
        .flat_map(str::split_whitespace)
        .map(str::to_owned)
        .collect()
}

#[test]
fn readme_run_command_installs_what_ci_installs_for_the_build() {
    let readme = readme_run_packages();
    let build: BTreeSet<String> = ci_array("build_packages").into_iter().collect();
    assert_eq!(
        readme, build,
        "README's run command and .ci/run's build_packages differ"
    );
    assert!(
        ci_array("packages").contains(&"\"${build_packages[@]}\"".to_owned()),
        ".ci/run installs build_packages"
    );
}

#[test]
fn every_native_library_the_build_links_has_its_debian_package_listed() {
    // A -sys crate links a C library: its -dev package must be in README's
    // run command. Crates for other platforms, or that link nothing, are named.
    let known: &[(&str, Option<&str>)] = &[
        ("nettle-sys", Some("nettle-dev")),
        ("pcsc-sys", Some("libpcsclite-dev")),
        ("clang-sys", Some("libclang-dev")),
        ("linux-raw-sys", None),
        // Loads the PKCS#11 module the plan names at run time (dlopen).
        ("cryptoki-sys", None),
        ("core-foundation-sys", None),
        ("js-sys", None),
        ("windows-sys", None),
    ];
    let lock = read("Cargo.lock");
    let readme = readme_run_packages();
    for name in lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"'))
        .filter(|n| n.ends_with("-sys"))
    {
        let Some((_, package)) = known.iter().find(|(k, _)| *k == name) else {
            panic!(
                "{name} is new in Cargo.lock: add the Debian package it needs to README's \
                 run command and .ci/run's build_packages, then name it in this test"
            );
        };
        if let Some(package) = package {
            assert!(
                readme.contains(*package),
                "{name} needs {package}, which README's run command does not install"
            );
        }
    }
}

#[test]
fn ci_runs_the_test_command_readme_gives() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let start = readme.find("The test command itself is\n`").unwrap() + 28;
    let command = &readme[start..start + readme[start..].find('`').unwrap()];
    let last = ci.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert_eq!(
        last, command,
        ".ci/run's last line is README's test command"
    );
}

/// The live image is made of pinned packages only: every package
/// `live-image/packages` names is in the lock (the kernel's meta package as
/// the versioned image it points to), each with a version and a SHA-256,
/// and nothing is pinned twice.
#[test]
fn every_live_image_package_is_pinned_with_a_hash() {
    let names: Vec<String> = read("live-image/packages")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert!(names.len() > 5, "{names:?}");
    let lock = read("live-image/packages.lock");
    let mut pinned = BTreeSet::new();
    for line in lock.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 3, "name version sha256: {line}");
        assert!(
            f[2].len() == 64 && f[2].bytes().all(|b| b.is_ascii_hexdigit()),
            "not a SHA-256: {line}"
        );
        assert!(pinned.insert(f[0].to_owned()), "pinned twice: {line}");
    }
    for n in &names {
        let found = if n == "linux-image-amd64" {
            pinned.iter().any(|p| p.starts_with("linux-image-6"))
        } else {
            pinned.contains(n)
        };
        assert!(found, "live-image/packages names {n}; run live-image/lock");
    }
}

/// The man pages and completions in `dist/` are what the binary generates
/// from its own argument definitions: a new flag or command without a
/// refreshed `dist/` fails here (`keyceremony generate-docs dist` refreshes it).
#[test]
fn dist_holds_the_man_pages_and_completions_the_binary_generates() {
    let tmp = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_keyceremony"))
        .arg("generate-docs")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    for sub in ["man", "completions"] {
        let names = |d: &std::path::Path| {
            let mut v: Vec<String> = std::fs::read_dir(d.join(sub))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let fresh = names(tmp.path());
        assert!(fresh.iter().any(|n| n.contains("renew")) || sub == "completions");
        assert_eq!(
            names(&root),
            fresh,
            "dist/{sub}: run `keyceremony generate-docs dist`"
        );
        for n in &fresh {
            let a = std::fs::read(tmp.path().join(sub).join(n)).unwrap();
            let b = std::fs::read(root.join(sub).join(n)).unwrap();
            assert!(
                a == b,
                "dist/{sub}/{n} is stale: run `keyceremony generate-docs dist`"
            );
        }
    }
    // bash loads the completion and binds it to the command.
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p keyceremony",
            root.join("completions/keyceremony.bash").display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("-F _keyceremony keyceremony"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The first segments a path continues with after `crate::` (or a
/// `super::` chain): one name, each name of a `{a, b::{c, d}}` group at its
/// top level, or `*` for a glob.
fn heads(rest: &str) -> Vec<String> {
    let ident = |t: &str| -> String {
        t.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '*')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident(rest)];
    };
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                out.push(ident(&group[start..i]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(ident(&group[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

/// The crate's top-level modules each `.rs` file under `src/DIR` imports:
/// `crate::m`, the names in a `crate::{a, b::c}` group, and `super::m` where
/// the `super`s climb to the crate's root.
fn imports_under(dir: &str) -> Vec<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    // A layer is a directory of modules, or one file.
    let mut stack = vec![src.join(dir), src.join(format!("{dir}.rs"))];
    while let Some(p) = stack.pop() {
        if !p.exists() {
            continue;
        }
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let file = p.display().to_string();
        // How deep the file's module is: src/online/mod.rs is one down,
        // src/online/verify.rs two.
        let rel = p.strip_prefix(&src).unwrap();
        let depth = rel.components().count() - usize::from(rel.ends_with("mod.rs"));
        for (i, _) in text.match_indices("crate::") {
            for m in heads(&text[i + 7..]) {
                found.push((file.clone(), m));
            }
        }
        for (i, _) in text.match_indices("super::") {
            // Only the start of a chain.
            if text[..i].ends_with("super::") {
                continue;
            }
            let mut rest = &text[i..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            // A glob through `super` is left out: inside an inline module
            // (`mod tests { use super::*; }`) it names the file's own module.
            if ups >= depth {
                for m in heads(rest).into_iter().filter(|m| m != "*") {
                    found.push((file.clone(), m));
                }
            }
        }
        // A module brought in by path or text escapes the checks above.
        for hidden in ["#[path", "include!("] {
            assert!(
                !text.contains(hidden),
                "{file} uses {hidden}: the layering test cannot follow it"
            );
        }
    }
    found
}

/// The import reader sees every form an upward import can take.
#[test]
fn the_import_reader_sees_groups_nested_groups_and_globs() {
    assert_eq!(heads("media::safe::Dir;"), ["media"]);
    assert_eq!(heads("{media::{a, b}, tui::X};"), ["media", "tui"]);
    assert_eq!(
        heads("{\n    openpgp,\n    commands::{Exit, Failure},\n};"),
        ["openpgp", "commands"]
    );
    assert_eq!(heads("*;"), ["*"]);
}

/// Arrows point down (docs/architecture.md), row by row: the front ends
/// above the engine, the engine above the plan and the tokens, those above
/// the online side, and that above the formats and files. Each row imports
/// nothing of the rows above it.
#[test]
fn lower_layers_import_nothing_above_them() {
    let front = ["tui", "commands", "cli", "exit"];
    let engine = ["ceremony"];
    let middle = ["plan", "tokens", "airgap", "harden"];
    let rows: [(&[&str], Vec<&str>); 4] = [
        (&["ceremony"], front.to_vec()),
        (
            &["plan", "tokens", "airgap", "harden"],
            [&front[..], &engine[..]].concat(),
        ),
        (&["online"], [&front[..], &engine[..], &middle[..]].concat()),
        (
            &[
                "media",
                "openpgp",
                "cosign",
                "transcript",
                "shares",
                "passphrase",
                "text",
            ],
            [&front[..], &engine[..], &middle[..], &["online"][..]].concat(),
        ),
    ];
    for (layers, above) in rows {
        for layer in layers {
            for (file, m) in imports_under(layer) {
                // Within a row: the plan describes the tokens in its own
                // types, and the tokens know nothing of the plan.
                let sideways =
                    (*layer == "plan" && m == "tokens") || (*layer == "tokens" && m == "plan");
                assert!(
                    !above.contains(&m.as_str()) && !sideways && m != "*",
                    "{file} imports crate::{m}: {layer} sits below it (docs/architecture.md)"
                );
            }
        }
    }
    // The argument parser is the front end's alone.
    for layer in [
        "tokens",
        "plan",
        "ceremony",
        "online",
        "airgap",
        "harden",
        "media",
        "openpgp",
        "cosign",
        "transcript",
        "shares",
        "passphrase",
        "text",
    ] {
        for (file, text) in sources_under(layer) {
            assert!(
                !text.contains("clap::"),
                "{file} uses clap: only src/cli knows the argument parser"
            );
        }
    }
}

/// Every command is found by its name: `src/cli/NAME.rs` holds its
/// arguments and `src/commands/NAME.rs` its glue (a few share a file, named
/// here).
#[test]
fn every_command_has_its_files_by_its_name() {
    use clap::CommandFactory;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // Commands whose files carry another name, and why.
    let shared = [
        ("airgap-check", "airgap"), // the air-gap module's name
        ("generate-docs", "mod"),   // hidden: the build's, not the operator's
        ("live-exec", "mod"),       // hidden: the live image's init's
    ];
    for cmd in keyceremony::cli::Cli::command().get_subcommands() {
        let name = cmd.get_name();
        let file = shared
            .iter()
            .find(|(c, _)| *c == name)
            .map_or(name.replace('-', "_"), |(_, f)| f.to_string());
        for dir in ["cli", "commands"] {
            let path = root.join(dir).join(format!("{file}.rs"));
            assert!(
                path.exists(),
                "`keyceremony {name}` has no {}: every command is found by its name",
                path.display()
            );
        }
    }
}

/// The text of each `.rs` file under `src/DIR` (or `src/DIR.rs`).
fn sources_under(dir: &str) -> Vec<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.join(dir), src.join(format!("{dir}.rs"))];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") && p.exists() {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    out
}
