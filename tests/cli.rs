//! The command line: help, plans, exit codes and refusals that cost nothing.

use crate::harness::*;

#[test]
fn no_arguments_prints_help_and_the_exit_codes() {
    let o = run(&[]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("genesis") && err.contains("demo"), "{err}");
    let help = stdout(&run(&["--help"]));
    assert!(
        help.contains("Exit codes:") && help.contains("4  a medium"),
        "{help}"
    );
}

#[test]
fn plan_init_writes_a_valid_example_and_never_overwrites() {
    let dir = tempdir();
    let p = dir.path().join("p.toml");
    let p = p.to_str().unwrap();
    assert_exit(&run(&["plan", "init", p]), 0);
    let first = std::fs::read(p).unwrap();
    // plan check looks at the media as they are: here, the example's, as
    // directories of one disk, which only a rehearsal may use.
    for m in ["backup-1", "backup-2", "export", "shares"] {
        std::fs::create_dir(dir.path().join(m)).unwrap();
    }
    let check = run(&["plan", "check", p]);
    assert_exit(&check, 4);
    assert!(stderr(&check).contains("same device"), "{}", stderr(&check));
    let text = String::from_utf8(first.clone()).unwrap();
    std::fs::write(
        p,
        text.replace("# allow_same_device = true", "allow_same_device = true"),
    )
    .unwrap();
    let check = run(&["plan", "check", p]);
    assert_exit(&check, 0);
    assert!(
        stdout(&check).contains("ed25519 certify-only"),
        "{}",
        stdout(&check)
    );

    std::fs::write(p, "changed").unwrap();
    let again = run(&["plan", "init", p]);
    assert_exit(&again, 4);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(p).unwrap(), b"changed");
    assert!(first.starts_with(b"# keyceremony plan"));
}

#[test]
fn a_plan_with_an_unknown_key_is_refused_naming_it() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[("[subkeys]", "[subkeys]\nencyption = true")]);
    let o = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_exit(&o, 3);
    let err = stderr(&o);
    assert!(err.contains("unknown field `encyption`"), "{err}");
    assert!(err.contains("Hint:"), "{err}");
}

/// A user ID or a name that differs from another only by a character that
/// shows as nothing (a soft hyphen, a Hangul filler, a tag, a variation
/// selector, a private-use character) would look the same to the people
/// comparing them: refused by `plan check`, naming the character, with
/// nothing of it reaching the terminal raw.
#[test]
fn invisible_characters_in_user_ids_and_names_are_refused_naming_them() {
    let dir = tempdir();
    for (from, to, named) in [
        (
            "Example Release Signing <release@example.org>",
            "Release Sign\\u00ADing <release@corp.example>",
            "U+00AD",
        ),
        (
            "Example Release Signing <release@example.org>",
            "Release\\u3164Signing <release@corp.example>",
            "U+3164",
        ),
        (
            "Example Release Signing <release@example.org>",
            "Release Signing\\uFE0F <release@corp.example>",
            "U+FE0F",
        ),
        (
            "operator = \"Release Engineer\"",
            "operator = \"Ada\\U000E0041\"",
            "U+E0041",
        ),
        (
            "operator = \"Release Engineer\"",
            "operator = \"Ada\\u001b[2J\"",
            "U+001B (escape",
        ),
    ] {
        let plan = write_plan(dir.path(), &[(from, to)]);
        let o = run(&["plan", "check", plan.to_str().unwrap()]);
        assert_exit(&o, 3);
        assert!(stderr(&o).contains(named), "{to}: {}", stderr(&o));
        assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
        assert!(
            !stderr(&o).contains("\\\\u"),
            "escaped twice: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_missing_plan_says_how_to_make_one() {
    let o = run(&["genesis", "--plan", "/nonexistent/plan.toml"]);
    assert_exit(&o, 3);
    assert!(stderr(&o).contains("plan init"), "{}", stderr(&o));
}

#[test]
fn a_missing_medium_stops_before_any_key_exists() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    std::fs::remove_dir(dir.path().join("backup-2")).unwrap();
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    let err = stderr(&o);
    assert!(err.contains("backup-2 is not there: mount it"), "{err}");
    assert!(!dir.path().join("passphrase.txt").exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("export"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn an_existing_passphrase_file_is_never_overwritten() {
    let dir = tempdir();
    let plan = write_plan(dir.path(), &[]);
    std::fs::write(dir.path().join("passphrase.txt"), "keep me").unwrap();
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("passphrase.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn demo_runs_on_a_fresh_directory_and_refuses_to_repeat_there() {
    let dir = tempdir();
    let d = dir.path().join("demo");
    let o = run(&["demo", d.to_str().unwrap()]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("Genesis complete") && out.contains("Primary fingerprint"),
        "{out}"
    );
    assert!(bundle(&d.join("export")).join("cert.asc").exists());
    let again = run(&["demo", d.to_str().unwrap()]);
    assert_exit(&again, 4);
    assert!(
        stderr(&again).contains("already holds a demo"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn passphrase_can_go_to_a_file_descriptor() {
    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[("deliver_to = \"passphrase.txt\"", "deliver_to = \"fd:3\"")],
    );
    let script = format!(
        "exec \"$0\" genesis --plan '{}' 3>'{}'",
        plan.display(),
        dir.path().join("from-fd").display()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_keyceremony")])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let words = std::fs::read_to_string(dir.path().join("from-fd")).unwrap();
    assert_eq!(words.split_whitespace().count(), 24);
    keyceremony::passphrase::Passphrase::from_words(&words).unwrap();
    assert!(!stdout(&o).contains(words.trim()) && !stderr(&o).contains(words.trim()));
    assert!(stdout(&o).contains("file descriptor 3"));
}

/// A descriptor the operator did not hand over is refused with the plan,
/// before anything exists, whatever the process itself has open by then:
/// `fd:7` once found the file the pre-flight keeps open on a medium, and the
/// passphrase went into it. With 7 open, the same plan runs, and the
/// passphrase reaches what 7 is.
#[test]
fn a_closed_file_descriptor_loses_nothing() {
    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[("deliver_to = \"passphrase.txt\"", "deliver_to = \"fd:7\"")],
    );
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 3);
    assert!(
        stderr(&o).contains("file descriptor 7 is not open"),
        "{}",
        stderr(&o)
    );
    for m in ["backup-1", "backup-2", "export", "shares"] {
        assert!(names_in(&dir.path().join(m)).is_empty(), "{m} written");
    }
    let script = format!(
        "exec \"$0\" genesis --plan '{}' 7>'{}'",
        plan.display(),
        dir.path().join("from-fd-7").display()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_keyceremony")])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let words = std::fs::read_to_string(dir.path().join("from-fd-7")).unwrap();
    keyceremony::passphrase::Passphrase::from_words(&words).unwrap();
}

/// Every example in every command's `--help` is a command line the binary
/// takes: each is split as a shell would and parsed by the binary's own
/// parser, so that a flag renamed or dropped fails here, not in an
/// operator's hands. (Placeholders such as DIR, SHARES... and BUNDLE parse
/// as the paths they stand for; running the examples is what the flows'
/// own tests do.)
#[test]
fn every_example_in_the_help_is_a_command_line_the_binary_takes() {
    use clap::{CommandFactory, Parser};
    fn examples(cmd: &clap::Command, out: &mut Vec<String>) {
        for text in [cmd.get_after_help(), cmd.get_after_long_help()]
            .into_iter()
            .flatten()
        {
            for line in text.to_string().lines() {
                if let Some(rest) = line.trim_start().strip_prefix("keyceremony ") {
                    out.push(rest.to_owned());
                }
            }
        }
        for sub in cmd.get_subcommands() {
            examples(sub, out);
        }
    }
    /// A shell's split, for what the examples use: single quotes, and
    /// nothing after an unquoted `(` (a remark) or a redirection (`4>`).
    fn split(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let (mut quoted, mut any) = (false, false);
        for c in line.chars() {
            match c {
                '\'' => {
                    quoted = !quoted;
                    any = true;
                }
                ' ' if !quoted => {
                    if any {
                        words.push(std::mem::take(&mut word));
                        any = false;
                    }
                }
                '(' if !quoted && !any => break,
                c => {
                    word.push(c);
                    any = true;
                }
            }
        }
        if any {
            words.push(word);
        }
        // A redirection (`4> password.txt`) is the shell's, not ours.
        if let Some(at) = words.iter().position(|w| {
            w.trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with('>')
        }) {
            words.truncate(at);
        }
        words
    }
    let mut all = Vec::new();
    examples(&keyceremony::cli::Cli::command(), &mut all);
    assert!(all.len() >= 30, "examples found: {all:#?}");
    let mut wrong = Vec::new();
    for example in &all {
        let mut argv = vec!["keyceremony".to_owned()];
        argv.extend(split(example));
        if let Err(e) = keyceremony::cli::Cli::try_parse_from(&argv) {
            wrong.push(format!("keyceremony {example}\n  {}", e.kind()));
        }
    }
    assert!(
        wrong.is_empty(),
        "examples the binary refuses:\n{}",
        wrong.join("\n")
    );
}

/// The live image's sessions start below a shell that ignores SIGINT and
/// SIGQUIT (a background job without job control), and the ignore is
/// inherited by everything after it: `live-exec` gives the command it runs
/// both signals at their defaults (Ctrl-C in the operator's shell ends what
/// runs there). The boot test presses Ctrl-C in the image's shell too.
#[test]
fn live_exec_runs_its_command_with_interrupts_at_their_defaults() {
    let ignored = |o: &std::process::Output| {
        let s = stdout(o);
        let mask = s
            .lines()
            .find_map(|l| l.strip_prefix("SigIgn:"))
            .map(|m| u64::from_str_radix(m.trim(), 16).unwrap())
            .unwrap_or_else(|| panic!("{s}"));
        mask & 0b110 // SIGINT (2) and SIGQUIT (3)
    };
    let script = "trap '' INT QUIT; grep SigIgn /proc/self/status";
    let o = tool("sh").args(["-c", script]).output().unwrap();
    assert_eq!(
        ignored(&o),
        0b110,
        "the shell did not ignore them: this test tests nothing"
    );
    let o = tool("sh")
        .args([
            "-c",
            "trap '' INT QUIT; exec \"$0\" live-exec sh -c 'grep SigIgn /proc/self/status'",
            env!("CARGO_BIN_EXE_keyceremony"),
        ])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert_eq!(ignored(&o), 0, "{}", stdout(&o));
}
