//! The real binary's terminal UI in tmux: keys sent, screen read back.
//!
//! The genesis tests walk every screen an operator sees, accepting the plan's
//! values, reading each share off the screen's sheet files and typing them
//! back with the fewest keys the completion allows; every key sent is counted,
//! which is the number docs/operator-guide.md gives. The outputs are then
//! checked as the batch tests check theirs: gpg imports the cert, the
//! transcript verifies, a restore through the TUI opens the backup.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use keyceremony::shares::{complete, sheet, Completion};

use crate::harness::*;

pub(crate) struct Tmux {
    socket: String,
    /// Keys of substance sent so far (each letter, digit, Enter, y...),
    /// but for the shares typed back.
    presses: std::cell::Cell<usize>,
    /// Keys that typed shares back.
    share_keys: std::cell::Cell<usize>,
}

impl Tmux {
    pub(crate) fn new(dir: &Path, command: &str, size: (u16, u16)) -> Tmux {
        // A socket per session: a server still going away must not take the next.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = dir.join(format!("tmux-{n}.sock")).display().to_string();
        // The TUI keeps its draft plan under the test's directory, not the
        // user's home.
        let command = format!(
            "env XDG_STATE_HOME={} {command}",
            dir.join("state").display()
        );
        let o = tool("tmux")
            .args(["-S", &socket, "new-session", "-d", "-x"])
            .arg(size.0.to_string())
            .arg("-y")
            .arg(size.1.to_string())
            .arg(&command)
            .output()
            .unwrap();
        assert_exit(&o, 0);
        Tmux {
            socket,
            presses: std::cell::Cell::new(0),
            share_keys: std::cell::Cell::new(0),
        }
    }

    /// As `new`, with the TUI in mount and network namespaces of its own
    /// (no interface but a loopback that is down: an air-gapped machine)
    /// where `setup` (shell, run as root) has mounted what it needs first:
    /// what it sees as plugged-in sticks. Returns `None` where namespaces
    /// need root.
    fn in_namespace(dir: &Path, setup: &str, command: &str, size: (u16, u16)) -> Option<Tmux> {
        let socket = dir.join("tmux-ns.sock").display().to_string();
        let script = format!(
            "{setup} || exit 99; exec tmux -S '{socket}' new-session -d -x {} -y {} \"env XDG_STATE_HOME={} {command}\"",
            size.0,
            size.1,
            dir.join("state").display()
        );
        let o = tool("unshare")
            .args(["-m", "-n", "sh", "-c", &script])
            .output()
            .unwrap();
        if o.status.code() == Some(99) {
            return None;
        }
        assert_exit(&o, 0);
        Some(Tmux {
            socket,
            presses: std::cell::Cell::new(0),
            share_keys: std::cell::Cell::new(0),
        })
    }

    pub(crate) fn send(&self, args: &[&str]) {
        let o = Command::new("tmux")
            .args(["-S", &self.socket, "send-keys"])
            .args(args)
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }

    /// One named key (Enter, Escape, F1) or one character.
    pub(crate) fn key(&self, key: &str) {
        self.send(&[key]);
        self.presses.set(self.presses.get() + 1);
    }

    /// A key that tries something out (help, a deliberate mistake): not
    /// counted, since a ceremony does not need it.
    pub(crate) fn aside(&self, key: &str) {
        self.send(&[key]);
    }

    /// Text the operator brings (a user ID, people's names): typed, but not
    /// counted among the keys a ceremony takes.
    pub(crate) fn aside_text(&self, text: &str) {
        self.send(&["-l", text]);
    }

    /// Copies `path` as the TUI sees it (in its mount namespace, if it has
    /// one) to `to` on the host: the tmux server's namespace is the TUI's.
    fn copy_out(&self, path: &Path, to: &Path) {
        let o = Command::new("tmux")
            .args(["-S", &self.socket, "display-message", "-p", "#{pid}"])
            .output()
            .unwrap();
        assert_exit(&o, 0);
        let _ = std::fs::remove_dir_all(to);
        let o = tool("nsenter")
            .args(["-t", stdout(&o).trim(), "-m", "cp", "-r"])
            .arg(path)
            .arg(to)
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }

    /// Runs `args` (as root) in the TUI's mount namespace: a stick
    /// plugged in while it runs.
    fn in_its_namespace(&self, args: &[&str]) {
        let o = Command::new("tmux")
            .args(["-S", &self.socket, "display-message", "-p", "#{pid}"])
            .output()
            .unwrap();
        assert_exit(&o, 0);
        let o = tool("nsenter")
            .args(["-t", stdout(&o).trim(), "-m"])
            .args(args)
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }

    /// Text typed character by character.
    pub(crate) fn text(&self, text: &str) {
        self.send(&["-l", text]);
        self.presses.set(self.presses.get() + text.chars().count());
    }

    pub(crate) fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["-S", &self.socket, "capture-pane", "-p"])
            .output()
            .unwrap();
        format!("{}{}", stdout(&o), stderr(&o))
    }

    /// Waits until `text` is off the screen (a popup closed).
    pub(crate) fn wait_gone(&self, text: &str, secs: u64) {
        let start = Instant::now();
        while self.screen().contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "{text:?} stayed; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn wait_for(&self, text: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "waited for {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Enter until `next` shows: a form whose fields are all kept as they are.
    fn enter_until(&self, next: &str) {
        for _ in 0..12 {
            self.key("Enter");
            std::thread::sleep(Duration::from_millis(150));
            if self.screen().contains(next) {
                return;
            }
        }
        panic!("never reached {next:?}:\n{}", self.screen());
    }

    /// Types a share's words with the fewest keys: letters until they name
    /// the word, then a space (Enter after the last word).
    fn type_share(&self, words: &str) {
        let all: Vec<&str> = words.split_whitespace().collect();
        for (i, w) in all.iter().enumerate() {
            let mut typed = String::new();
            for c in w.chars() {
                typed.push(c);
                if complete(&typed) == Completion::Word(w_static(w)) {
                    break;
                }
            }
            if i + 1 < all.len() {
                typed.push(' ');
            }
            self.send(&["-l", &typed]);
            self.share_keys
                .set(self.share_keys.get() + typed.chars().count());
        }
        self.key("Enter");
    }
}

fn w_static(w: &str) -> &'static str {
    let list = bip39::Language::English.word_list();
    list.iter().find(|x| **x == w).copied().unwrap()
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-S", &self.socket, "kill-server"])
            .output();
    }
}

/// The words of share `i` of `n` as written on the shares medium.
fn share_words(shares: &Path, i: u8, n: u8) -> String {
    let text = std::fs::read_to_string(shares.join(format!("share-{i}-of-{n}.txt"))).unwrap();
    sheet::words_from_text(&text).to_string()
}

/// A 2-of-3, 12-word plan with `cards` cards; the passphrase is not delivered whole.
pub(crate) fn tui_plan(dir: &Path, cards: &str) -> PathBuf {
    write_plan(
        dir,
        &[
            ("deliver_to = \"passphrase.txt\"", "# no deliver_to"),
            ("words = 24", "words = 12"),
            ("threshold = 3", "threshold = 2"),
            ("count = 5", "count = 3"),
            ("count = 0", cards),
        ],
    )
}

/// Walks a genesis through every screen; returns the keys pressed and the fingerprint.
fn genesis_in_tui(t: &Tmux, dir: &Path, with_card: bool) -> (usize, String) {
    // With a card, the identity form is walked field by field (Enter), as an
    // operator checking each value would; otherwise each page is taken whole.
    t.wait_for("Welcome: choose a ceremony", 10);
    t.aside("F1");
    t.wait_for("help: any key closes", 5);
    t.aside("x");
    t.key("g");
    t.wait_for("Pre-flight", 5);
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for("1/3 Identity", 5);
    if with_card {
        t.enter_until("2/3 Custodians");
    } else {
        t.key("PageDown");
        t.wait_for("2/3 Custodians", 5);
    }
    t.key("PageDown");
    t.wait_for("3/3 Media", 5);
    t.key("PageDown");
    t.wait_for("Review the plan", 5);
    assert!(t.screen().contains("Press y to start."), "{}", t.screen());
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    hand_over_and_rehearse(t, &|| bundle(&dir.join("shares")));
    if with_card {
        t.wait_for("User PIN", 30);
        for pin in ["123456", "123456", "12345678", "12345678"] {
            t.text(pin);
            t.key("Enter");
        }
    }
    let done = t.wait_for("Genesis complete", 120);
    let fingerprint = done
        .lines()
        .find_map(|l| l.split("Primary fingerprint: ").nth(1))
        // Grouped as gpg prints it: ten groups of four hex digits.
        .map(|f| f.split_whitespace().take(10).collect::<String>())
        .unwrap_or_else(|| panic!("{done}"));
    assert_eq!(fingerprint.len(), 40, "{done}");
    (t.presses.get() + t.share_keys.get(), fingerprint)
}

/// The secret part of a ceremony that makes a passphrase (genesis,
/// reshare): the room made ready, the passphrase shown once, each of the 3
/// shares handed to its custodian, then the rehearsal with shares 3 and 1
/// typed back from `shares()` (one wrong word caught first).
pub(crate) fn hand_over_and_rehearse(t: &Tmux, shares: &dyn Fn() -> PathBuf) {
    let names = ["Custodian 1", "Custodian 2", "Custodian 3"];
    hand_over_and_rehearse_as(t, shares, 12, &names);
}

/// As `hand_over_and_rehearse`, with a passphrase of `words` words and the
/// custodians' `names`.
fn hand_over_and_rehearse_as(
    t: &Tmux,
    shares: &dyn Fn() -> PathBuf,
    words: usize,
    names: &[&str; 3],
) {
    t.wait_for("Press y when the room is ready", 30);
    t.key("y");
    let shown = t.wait_for(&format!("The passphrase, {words} words"), 5);
    assert!(shown.contains(&format!(" {words} ")), "{shown}");
    t.key("Enter");
    for (i, name) in (1..=3).zip(names) {
        t.wait_for(&format!("Share {i} of 3 is for {name}"), 10);
        t.key("y");
        let s = t.wait_for(&format!("Share {i} of 3 for {name}"), 5);
        let words = share_words(&shares(), i, 3);
        let first = words.split_whitespace().next().unwrap();
        assert!(s.contains(&format!("  1 {first}")), "{s}");
        t.key("Enter");
    }
    let shares = shares();
    t.wait_for("Restore rehearsal: share 1 of the 2", 10);
    t.send(&["-l", "zoox"]);
    t.wait_for("word 1: no BIP39 word starts with \"zoox\"", 5);
    for _ in 0..3 {
        t.aside("BSpace");
    }
    t.type_share(&share_words(&shares, 3, 3));
    t.wait_for("Restore rehearsal: share 2 of the 2", 5);
    t.type_share(&share_words(&shares, 1, 3));
}

fn check_genesis_outputs(dir: &Path) {
    let export = bundle(&dir.join("export"));
    let gpg = Gpg::new();
    gpg.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    assert_eq!(names_in(&bundle(&dir.join("shares"))).len(), 8);
    assert!(!dir.join("passphrase.txt").exists());
    let transcript = export.join("transcript.jsonl");
    assert_exit(
        &run(&["transcript", "verify", transcript.to_str().unwrap()]),
        0,
    );
    let text = std::fs::read_to_string(&transcript).unwrap();
    assert!(text.contains("\"shown_on_screen\":true"), "{text}");
}

/// `keyceremony tui --plan` on a 2-of-3 plan with `cards`, in a terminal of `size`.
fn tui_with_plan(dir: &Path, cards: &str, size: (u16, u16)) -> Tmux {
    let plan = tui_plan(dir, cards);
    let cmd = format!(
        "{} tui --plan {}",
        env!("CARGO_BIN_EXE_keyceremony"),
        plan.display()
    );
    Tmux::new(dir, &cmd, size)
}

/// From the welcome screen to a genesis's media page, the first two forms
/// taken as the plan has them.
fn to_media(t: &Tmux) {
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key("g");
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for("1/3 Identity", 5);
    t.key("PageDown");
    t.wait_for("2/3 Custodians", 5);
    t.key("PageDown");
    t.wait_for("3/3 Media", 5);
}

/// As `to_media`, and the media page taken too: on to the review.
/// On the media page: down to the cosign key's choice and round to `tier`.
fn choose_cosign_tier(t: &Tmux, tier: &str) {
    for _ in 0..10 {
        t.key("Down");
    }
    let at = ["none", "pkcs11", "file", "piv"]
        .iter()
        .position(|x| *x == tier)
        .unwrap();
    for _ in 0..at {
        t.key("Space");
    }
    t.wait_for(&format!("< {tier} >"), 5);
}

fn to_review(t: &Tmux) {
    to_media(t);
    t.key("PageDown");
}

/// From the welcome screen to the restore form, naming the backup.
fn start_restore(t: &Tmux, backup: &Path) {
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key("r");
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for("Restore: the backup and the shares", 5);
    t.text(backup.to_str().unwrap());
    t.key("Enter");
}

#[test]
fn a_genesis_then_a_restore_run_through_the_tui_in_tmux() {
    let dir = tempdir();
    let t = tui_with_plan(dir.path(), "count = 0", (80, 24));
    let (presses, fingerprint) = genesis_in_tui(&t, dir.path(), false);
    eprintln!("keys pressed for a 2-of-3 genesis without cards: {presses}");
    t.key("q");
    check_genesis_outputs(dir.path());
    drop(t);

    // `keyceremony` with no command opens the TUI; restore with typed shares.
    let backup = bundle(&dir.path().join("backup-2"));
    let shares = bundle(&dir.path().join("shares"));
    let t = Tmux::new(dir.path(), env!("CARGO_BIN_EXE_keyceremony"), (80, 24));
    start_restore(&t, &backup);
    t.key("Enter");
    t.key("Enter");
    t.wait_for("Restore: share 1 of the 2", 5);
    t.type_share(&share_words(&shares, 2, 3));
    t.wait_for("Restore: share 2 of the 2", 5);
    // Esc with a share typed asks first, naming what would be lost; any key
    // but y keeps it (about 90 keys of typing) and goes on as typed (Right:
    // nothing to move to yet).
    t.aside("Escape");
    let asked = t.wait_for("discard the 1 share and 0 words typed", 5);
    assert!(asked.contains("y discards them"), "{asked}");
    t.aside("Right");
    t.wait_gone("y discards them", 5);
    t.wait_for("Restore: share 2 of the 2", 5);
    t.type_share(&share_words(&shares, 3, 3));
    let open = t.wait_for("The backup is open.", 30);
    // The fingerprint is grouped on screen, as gpg prints it.
    assert!(open.replace(' ', "").contains(&fingerprint), "{open}");
    t.key("q");
}

#[test]
fn a_genesis_with_a_virtual_card_and_a_restore_that_replaces_it() {
    // What a physical YubiKey adds (touch, attestation) is in docs/tokens.md.
    let _slots = slots();
    let dir = tempdir();
    let card = VirtualCard::insert(0, "0000A001", &dir.path().join("card-1"));
    let t = tui_with_plan(dir.path(), "count = 1", (120, 40));
    let (presses, _) = genesis_in_tui(&t, dir.path(), true);
    eprintln!("keys pressed for a 2-of-3 genesis with one card: {presses}");
    let done = t.screen();
    assert!(done.contains("Card 1:     serial 0000A001"), "{done}");
    t.key("q");
    check_genesis_outputs(dir.path());
    let status = status_json("0000A001");
    assert!(status["signing"].is_string(), "{status}");
    let signing = status["signing"].as_str().unwrap().to_owned();
    drop(t);
    drop(card);

    // The card is "lost": a restore from share files provisions a new one.
    let replacement = VirtualCard::insert(1, "0000A002", &dir.path().join("card-2"));
    let backup = bundle(&dir.path().join("backup-1"));
    let shares = bundle(&dir.path().join("shares"));
    let cmd = format!("{} tui", env!("CARGO_BIN_EXE_keyceremony"));
    let t = Tmux::new(dir.path(), &cmd, (80, 24));
    start_restore(&t, &backup);
    let files = format!(
        "{}; {}",
        shares.join("share-1-of-3.txt").display(),
        shares.join("share-2-of-3.txt").display()
    );
    t.text(&files);
    t.key("Enter");
    t.key("Enter");
    t.wait_for("The backup is open.", 30);
    t.key("p");
    t.wait_for("PINs for the replacement card", 5);
    for pin in ["654321", "654321", "87654321", "87654321"] {
        t.text(pin);
        t.key("Enter");
    }
    t.wait_for("0000A002", 20);
    t.key("Enter");
    let finished = t.wait_for("Card done:", 60);
    assert!(finished.contains("0000A002"), "{finished}");
    t.key("q");
    let status = status_json("0000A002");
    assert_eq!(
        status["signing"].as_str(),
        Some(signing.as_str()),
        "{status}"
    );
    drop(replacement);
}

/// A ceremony on an existing key through the TUI, of a key made by a batch
/// genesis: `choose` on the welcome screen, share files 2 and 3 named on the
/// form, the flow's own page and the media page taken as they come, the
/// confirmation, the engine, the finished screen. Returns that screen and
/// the newest export's transcript, after checking a second export exists.
fn on_existing_key(
    choose: &str,
    titles: [&str; 5],
    page_text: &dyn Fn(&Path) -> String,
) -> (String, String) {
    let [source, page, media, review, confirm] = titles;
    let dir = tempdir();
    let typed_on_page = page_text(dir.path());
    let plan = tui_plan(dir.path(), "count = 0");
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 0);
    let backup = bundle(&dir.path().join("backup-2"));
    let shares = bundle(&dir.path().join("shares"));
    let cmd = format!(
        "{} tui --plan {}",
        env!("CARGO_BIN_EXE_keyceremony"),
        plan.display()
    );
    let t = Tmux::new(dir.path(), &cmd, (80, 24));
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key(choose);
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for(source, 5);
    t.text(backup.to_str().unwrap());
    t.key("Enter");
    t.text(&format!(
        "{};{}",
        shares.join("share-2-of-3.txt").display(),
        shares.join("share-3-of-3.txt").display()
    ));
    t.key("Enter");
    t.key("Enter");
    t.wait_for(page, 10);
    if !typed_on_page.is_empty() {
        t.text(&typed_on_page);
    }
    t.key("PageDown");
    t.wait_for(media, 5);
    t.key("PageDown");
    t.wait_for(review, 5);
    t.key("y");
    t.wait_for(confirm, 5);
    t.key("y");
    let done = t.wait_for("Ceremony finished", 60);
    t.key("q");
    drop(t);
    let mut exports: Vec<_> = std::fs::read_dir(dir.path().join("export"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    exports.sort();
    assert_eq!(exports.len(), 2, "{exports:?}");
    let transcript = std::fs::read_to_string(exports[1].join("transcript.jsonl")).unwrap();
    (done, transcript)
}

#[test]
fn a_renew_runs_through_the_tui_in_tmux() {
    let (_, transcript) = on_existing_key(
        "n",
        [
            "Renew: the backup to renew and the shares",
            "Renew 1/2",
            "Renew 2/2",
            "Review the renew",
            "Start the renew?",
        ],
        &|_| String::new(),
    );
    assert!(
        transcript
            .lines()
            .next()
            .unwrap()
            .contains("\"flow\":\"renew\"")
            && transcript.contains("\"event\":\"ceremony.complete\""),
        "{transcript}"
    );
}

/// The subkey change page taken as it comes: rotate the signing subkey,
/// revoking the old one.
#[test]
fn a_subkey_rotation_runs_through_the_tui_in_tmux() {
    let (done, transcript) = on_existing_key(
        "s",
        [
            "Subkeys: the backup holding the key",
            "Subkeys 1/2",
            "Subkeys 2/2",
            "Review the subkey change",
            "the subkey change (rotate the",
        ],
        &|_| String::new(),
    );
    assert!(done.contains("added"), "{done}");
    assert!(
        transcript.contains("\"flow\":\"subkey-rotate\"")
            && transcript.contains("\"event\":\"subkeys.changed\""),
        "{transcript}"
    );
}

/// A certification through the TUI: the cert file (a key gpg made) typed on
/// the certify page, the rest as it comes; gpg then sees our certification.
#[test]
fn a_certification_runs_through_the_tui_in_tmux() {
    let (done, transcript) = on_existing_key(
        "c",
        [
            "Certify: the backup holding our key",
            "Certify 1/2",
            "Certify 2/2",
            "Review the certification",
            "the certification of",
        ],
        &|dir| {
            let theirs = dir.join("theirs.asc");
            gpg_key(&["Dev <dev@example.org>"], &theirs, None);
            theirs.display().to_string()
        },
    );
    assert!(done.contains("Certified:"), "{done}");
    assert!(
        transcript.contains("\"flow\":\"certify\"")
            && transcript.contains("\"event\":\"certification.made\"")
            && transcript.contains("Dev <dev@example.org>"),
        "{transcript}"
    );
}

/// The history screen: two ceremonies made in batch, checked in the TUI
/// from the export medium; then one transcript changed is named.
#[test]
fn the_history_screen_checks_the_transcripts_on_a_medium() {
    let dir = tempdir();
    let plan = tui_plan(dir.path(), "count = 0");
    assert_exit(&run(&["genesis", "--plan", plan.to_str().unwrap()]), 0);
    let backup = bundle(&dir.path().join("backup-1"));
    let shares = bundle(&dir.path().join("shares"));
    let o = run(&[
        "renew",
        "--plan",
        plan.to_str().unwrap(),
        "--backup",
        backup.to_str().unwrap(),
        shares.join("share-1-of-3.txt").to_str().unwrap(),
        shares.join("share-3-of-3.txt").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    let export = dir.path().join("export");
    let check = || {
        let cmd = format!(
            "{} tui --plan {}",
            env!("CARGO_BIN_EXE_keyceremony"),
            plan.display()
        );
        let t = Tmux::new(dir.path(), &cmd, (100, 30));
        t.wait_for("Welcome: choose a ceremony", 10);
        t.key("h");
        t.wait_for("History: check", 5);
        // The field starts with the plan's export medium.
        t.key("PageDown");
        // "Ceremony finished", or "Ceremony stopped" when the history breaks.
        let screen = t.wait_for("  Ceremony ", 10);
        t.key("q");
        screen
    };
    let screen = check();
    assert!(screen.contains("History intact: 2 ceremonies"), "{screen}");
    assert!(
        screen.contains("genesis") && screen.contains("renew"),
        "{screen}"
    );

    let mut dirs: Vec<_> = std::fs::read_dir(&export)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let first = dirs[0].join("transcript.jsonl");
    let t = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, t.replacen("\"genesis\"", "\"genesys\"", 1)).unwrap();
    let screen = check();
    // The message wraps inside the box: read it as one line.
    let flat = screen
        .replace(['|', '\n'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("do not hold as one history"), "{screen}");
    assert!(flat.contains("transcript line 2"), "{screen}");
}

/// A batch genesis of a 2-of-3 plan in `dir`, then the TUI on the same plan
/// with `choose` pressed on the welcome screen, the pre-flight passed, and
/// on the page titled `source` the newest backup and share files 1 and 2
/// given: the start of every TUI ceremony on an existing key that makes new
/// secrets. Returns the TUI and the plan.
fn tui_on_key_after_genesis(dir: &Path, choose: &str, source: &str) -> (Tmux, PathBuf) {
    let plan = tui_plan(dir, "count = 0");
    assert_exit(&run(&["genesis", "--plan", plan.to_str().unwrap()]), 0);
    let newest = |medium: &str| crate::harness::bundles(&dir.join(medium)).pop().unwrap();
    let shares = newest("shares");
    let cmd = format!(
        "{} tui --plan {}",
        env!("CARGO_BIN_EXE_keyceremony"),
        plan.display()
    );
    let t = Tmux::new(dir, &cmd, (100, 30));
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key(choose);
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for(source, 5);
    t.text(newest("backup-1").to_str().unwrap());
    t.key("Enter");
    t.text(&format!(
        "{};{}",
        shares.join("share-1-of-3.txt").display(),
        shares.join("share-2-of-3.txt").display()
    ));
    t.key("Enter");
    t.key("Enter");
    (t, plan)
}

/// New custodians through the TUI: the old set's shares 1 and 2 named, the
/// new set taken from the Custodians page, the passphrase shown and the new
/// shares handed over and typed back as in a genesis. Afterwards only the
/// new shares open the new backup, and the old backups are listed to destroy.
#[test]
fn a_reshare_runs_through_the_tui_in_tmux() {
    let dir = tempdir();
    let dir = dir.path();
    let newest = |medium: &str| crate::harness::bundles(&dir.join(medium)).pop().unwrap();
    let (t, _) = tui_on_key_after_genesis(dir, "k", "New custodians: the backup and k shares");
    let old_backup = crate::harness::bundles(&dir.join("backup-1")).remove(0);
    let old_shares = crate::harness::bundles(&dir.join("shares")).remove(0);
    t.wait_for("New custodians 1/2", 10);
    t.key("PageDown");
    t.wait_for("New custodians 2/2", 5);
    t.key("PageDown");
    t.wait_for("Review the reshare", 5);
    t.key("y");
    t.wait_for("Start the reshare", 5);
    t.key("y");
    hand_over_and_rehearse(&t, &|| newest("shares"));
    let done = t.wait_for("Reshare complete", 60);
    assert!(done.contains("Destroy these backups"), "{done}");
    t.key("q");
    drop(t);

    let new_backup = newest("backup-1");
    let new_shares = newest("shares");
    assert_ne!(new_backup, old_backup);
    let restore = |backup: &Path, shares: &Path| {
        run(&[
            "restore",
            "--backup",
            backup.to_str().unwrap(),
            shares.join("share-1-of-3.txt").to_str().unwrap(),
            shares.join("share-3-of-3.txt").to_str().unwrap(),
        ])
    };
    assert_exit(&restore(&new_backup, &new_shares), 0);
    assert_ne!(restore(&new_backup, &old_shares).status.code(), Some(0));
}

/// A rotation through the TUI: the old key's backup and shares 1 and 2,
/// the reason, the new key's genesis pages as they come, the secrets handed
/// over and typed back; then the bundle leads from the old fingerprint to
/// the new key.
#[test]
fn a_rotation_runs_through_the_tui_in_tmux() {
    let dir = tempdir();
    let dir = dir.path();
    let (t, _) = tui_on_key_after_genesis(dir, "o", "Rotate: the old key's backup");
    let newest = |medium: &str| crate::harness::bundles(&dir.join(medium)).pop().unwrap();
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(newest("export").join("bundle.json")).unwrap())
            .unwrap();
    let old_fpr = info["key"].as_str().unwrap().to_owned();
    t.wait_for("Rotate 1/4", 10);
    t.text("tmux rotation");
    t.key("PageDown");
    t.wait_for("Rotate 2/4", 5);
    t.key("PageDown");
    t.wait_for("Rotate 3/4", 5);
    t.key("PageDown");
    t.wait_for("Rotate 4/4", 5);
    t.key("PageDown");
    t.wait_for("Review the new key and the rotation", 5);
    t.key("y");
    t.wait_for("the rotation to a new key", 5);
    t.key("y");
    hand_over_and_rehearse(&t, &|| newest("shares"));
    t.wait_for("Rotation complete", 60);
    t.key("q");
    drop(t);
    let o = run(&[
        "verify",
        newest("export").to_str().unwrap(),
        "--trust",
        &old_fpr,
    ]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("Rotation followed"), "{}", stdout(&o));
    assert!(stdout(&o).contains("tmux rotation"), "{}", stdout(&o));
}

/// A genesis whose backup medium disappears before it starts stops with
/// what to do; `b` goes back to the review with every value kept, and once
/// the medium is back the same genesis runs to the end without retyping.
#[test]
fn a_genesis_that_fails_on_a_medium_is_completed_by_going_back() {
    let dir = tempdir();
    let dir = dir.path();
    let t = tui_with_plan(dir, "count = 0", (100, 30));
    to_review(&t);
    t.wait_for("Review the plan", 5);
    // The stick is pulled between the review and the start.
    std::fs::remove_dir_all(dir.join("backup-2")).unwrap();
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    let stopped = t.wait_for("Ceremony stopped", 30);
    assert!(stopped.contains("backup-2"), "{stopped}");
    let before = t.presses.get();
    std::fs::create_dir(dir.join("backup-2")).unwrap();
    t.key("b");
    t.wait_for("Review the plan", 5);
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    // Back and started again in three keys: no form retyped.
    assert_eq!(t.presses.get() - before, 3);
    hand_over_and_rehearse(&t, &|| bundle(&dir.join("shares")));
    t.wait_for("Genesis complete", 120);
    t.key("q");
    drop(t);
    assert!(bundle(&dir.join("backup-2"))
        .join("secret-key.asc")
        .exists());
}

/// The picker's entries on screen, each entry's first line from its
/// marker on: "> /path ..." (selected) or "  /path ...". The list is a box
/// inside the page's box: the marker follows a border.
fn picker_entries(screen: &str) -> Vec<String> {
    screen
        .lines()
        .map(|l| l.replace('│', "|"))
        .filter_map(|l| {
            let at = l.find("|> /").or_else(|| l.find("|  /"))?;
            Some(l[at + 1..].to_owned())
        })
        .collect()
}

/// #28's newcomer: a 2-of-3 genesis from nothing at 80x24, as an operator
/// who has never seen the tool meets it: bare `keyceremony`, no plan, three
/// sticks mounted (each a tmpfs of its own in a private mount namespace, so
/// three devices) and the fourth mounted only once the media page is open;
/// the example's placeholder user ID typed first (its own hint's) and
/// corrected where it is refused; a network that is up (a veth pair in a
/// network namespace of its own) and its override found from the review's
/// refusal; every medium picked from the list by a letter. Counts every key
/// but the characters of the user ID and names and the shares typed back:
/// at most 40 (docs/operator-guide.md). A physical stick adds its label
/// (here the picker says "no label") and a udev event (here a mount).
#[test]
fn a_newcomers_genesis_from_nothing_at_80x24_with_the_detours() {
    let dir = tempdir();
    let dir = dir.path();
    let tag = format!("kc-test-{}", std::process::id());
    let sticks: Vec<String> = ["1-backup", "2-backup", "3-export", "4-sheets"]
        .iter()
        .map(|s| format!("/media/{tag}-{s}"))
        .collect();
    /// The mount points on the host, empty, removed however the test ends.
    struct MountPoints(Vec<String>);
    impl Drop for MountPoints {
        fn drop(&mut self) {
            for s in &self.0 {
                let _ = std::fs::remove_dir(s);
            }
        }
    }
    let _points = MountPoints(sticks.clone());
    // sysfs again, so that /sys/class/net shows this namespace's
    // interfaces: a veth pair, both ends up (a cable plugged in).
    let mut setup = String::from(
        "mount -t sysfs sysfs /sys && ip link add kc0 type veth peer name kc1 && ip link set kc0 up && ip link set kc1 up",
    );
    for s in &sticks {
        std::fs::create_dir_all(s).unwrap();
    }
    for s in &sticks[..3] {
        setup.push_str(&format!(" && mount -t tmpfs -o size=4m tmpfs {s}"));
    }
    // When the TUI ends, the sticks are copied out of the namespace.
    let out = dir.join("sticks");
    let cmd = format!(
        "sh -c '{}; mkdir -p {out}; cp -r {} {out}/'",
        env!("CARGO_BIN_EXE_keyceremony"),
        sticks.join(" "),
        out = out.display()
    );
    let Some(t) = Tmux::in_namespace(dir, &setup, &cmd, (80, 24)) else {
        panic!("this test needs root to mount sticks in a namespace (CI runs as root)");
    };
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key("g");
    t.wait_for("interface kc0", 10);
    t.key("Enter");
    t.wait_for("1/3 Identity", 5);
    // The example plan's identity, typed as it stands: refused on this page.
    t.aside_text("Release Test <release@example.org>");
    let refused = t.wait_for("placeholders", 5);
    assert!(refused.contains("Ctrl-U clears"), "{refused}");
    t.key("C-u");
    // Typed, not counted: the user ID and the names of the people.
    t.aside_text("Acme Release Signing <release@acme.test>");
    t.key("Down");
    t.aside_text("Olga Operator");
    t.key("Down");
    t.aside_text("Wanda Witness; Walt Witness");
    t.key("PageDown");
    t.wait_for("2/3 Custodians", 5);
    t.key("BSpace");
    t.text("2");
    t.key("Down");
    t.key("BSpace");
    t.text("3");
    t.key("Down");
    t.aside_text("Alice; Bob; Carol");
    t.key("PageDown");
    t.wait_for("3/3 Media", 5);
    t.key("F2");
    // Each stick by a letter, from wherever the selection is (other media
    // of the machine may be listed, and at 80 columns an entry takes two
    // lines): the arrow keys until the marked entry is the stick.
    let pick = |t: &Tmux, stick: &str, letter: &str| {
        let start = Instant::now();
        loop {
            let screen = t.wait_for("b backup, e export, s sheets", 5);
            // Each entry's first line: "> /path" (selected) or "  /path".
            let entries = picker_entries(&screen);
            let target = entries
                .iter()
                .position(|e| e.contains(&format!("{stick} ")));
            let selected = entries.iter().position(|e| e.starts_with("> "));
            match (target, selected) {
                (Some(t0), Some(s0)) if t0 == s0 => break,
                (Some(t0), Some(s0)) => {
                    t.key(if t0 > s0 { "Down" } else { "Up" });
                    // The next screen shows the moved marker.
                    let next = &entries[if t0 > s0 { s0 + 1 } else { s0 - 1 }];
                    let moved = format!("> {}", next.trim_start());
                    t.wait_for(&moved, 5);
                }
                // Not listed yet (a rescan under way) or scrolled out of view.
                _ => {
                    assert!(
                        start.elapsed() < Duration::from_secs(10),
                        "{stick} not listed: {screen}"
                    );
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        t.key(letter);
        // The list moves on to the next entry by itself (not past the
        // last): the next look must see that, not the screen before.
        let start = Instant::now();
        loop {
            let screen = t.screen();
            let entries = picker_entries(&screen);
            let marked = entries.iter().find(|e| e.starts_with("> "));
            let last = entries
                .last()
                .is_some_and(|l| l.contains(&format!("{stick} ")));
            if last || marked.is_some_and(|l| !l.contains(&format!("{stick} "))) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "the list did not move on: {screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    for (stick, letter) in sticks[..3].iter().zip(["b", "b", "e"]) {
        pick(&t, stick, letter);
    }
    // The fourth stick is plugged in now: mounted in the TUI's namespace,
    // and `r` in the open list looks again.
    let list = t.screen();
    assert!(!list.contains(&sticks[3]), "{list}");
    t.in_its_namespace(&["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", &sticks[3]]);
    t.key("r");
    pick(&t, &sticks[3], "s");
    // The list closes before the next key: a terminal reads Escape
    // followed at once by PageDown's escape sequence as one key.
    t.key("Escape");
    t.wait_gone("b backup, e export, s sheets", 5);
    t.key("PageDown");
    // The review refuses the network and names the override; Esc puts
    // the cursor on it.
    let refusal = t.wait_for("network interface is up", 5);
    assert!(refusal.contains("Esc goes to Allow"), "{refusal}");
    t.key("Escape");
    let media = t.wait_for("3/3 Media", 5);
    assert!(media.contains("> Allow network"), "{media}");
    t.key("Space");
    t.key("PageDown");
    let review = t.wait_for("Press y to start.", 5);
    assert!(review.contains("split 2 of 3"), "{review}");
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    let shares = PathBuf::from(&sticks[3]);
    let names = ["Alice", "Bob", "Carol"];
    // The sheets are read where the TUI wrote them, through its namespace.
    let copy = dir.join("sheets-seen");
    let read_sheets = || {
        t.copy_out(&shares, &copy);
        bundle(&copy)
    };
    hand_over_and_rehearse_as(&t, &read_sheets, 24, &names);
    t.wait_for("Genesis complete", 120);
    let keys = t.presses.get();
    eprintln!(
        "keys for a newcomer's 2-of-3 genesis from nothing at 80x24: {keys}, and {} typing two shares back",
        t.share_keys.get()
    );
    assert!(keys <= 40, "{keys}");
    t.key("q");
    let copied = out.join(format!("{tag}-3-export"));
    let start = Instant::now();
    while !copied.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sticks never copied out"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(t);
    let backup = bundle(&out.join(format!("{tag}-1-backup")));
    let export = bundle(&copied);
    let gpg = Gpg::new();
    gpg.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    let listed = stdout(&gpg.ok(&["--list-keys", "--with-colons"]));
    assert!(
        listed.contains("Acme Release Signing <release@acme.test>"),
        "{listed}"
    );
    assert!(!listed.contains("example.org"), "{listed}");
    assert_exit(
        &run(&[
            "transcript",
            "verify",
            export.join("transcript.jsonl").to_str().unwrap(),
        ]),
        0,
    );
    let sheets = bundle(&out.join(format!("{tag}-4-sheets")));
    for b in [backup, bundle(&out.join(format!("{tag}-2-backup")))] {
        let restored = run(&[
            "restore",
            "--backup",
            b.to_str().unwrap(),
            sheets.join("share-1-of-3.txt").to_str().unwrap(),
            sheets.join("share-3-of-3.txt").to_str().unwrap(),
        ]);
        assert_exit(&restored, 0);
    }
}

/// #28: a Ctrl-C in the middle of page 2, values typed on both pages, and
/// a restart: every value typed is back in the forms (the draft is saved
/// as each value is typed, not when a page is left).
#[test]
fn a_ctrl_c_in_the_middle_of_a_page_and_a_restart_bring_every_value_back() {
    let dir = tempdir();
    let dir = dir.path();
    let cmd = format!("{} tui", env!("CARGO_BIN_EXE_keyceremony"));
    let t = Tmux::new(dir, &cmd, (80, 24));
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key("g");
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for("1/3 Identity", 5);
    t.text("Drafted Key <drafted@acme.test>");
    t.key("Down");
    t.text("Olga Operator");
    t.key("PageDown");
    t.wait_for("2/3 Custodians", 5);
    t.key("BSpace");
    t.text("2");
    t.key("Down");
    t.key("BSpace");
    t.text("3");
    t.key("Down");
    // Two names of three: the page could not be left like this.
    t.text("Alice; Bob");
    t.wait_for("Alice; Bob_", 5);
    t.key("C-c");
    let asked = t.wait_for("The values typed are kept", 5);
    assert!(asked.contains("y quits"), "{asked}");
    t.key("y");
    t.wait_gone("2/3 Custodians", 10);
    let draft = dir.join("state/keyceremony/draft-forms.toml");
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(text.contains("Alice; Bob"), "{text}");

    let t = Tmux::new(dir, &cmd, (80, 24));
    let welcome = t.wait_for("Continue the forms as an earlier run left them", 10);
    assert!(welcome.contains("  d  "), "{welcome}");
    t.key("d");
    let loaded = t.wait_for("are in the forms", 5);
    assert!(loaded.contains("5 values"), "{loaded}");
    t.key("g");
    t.wait_for("clock:", 10);
    t.key("Enter");
    let identity = t.wait_for("1/3 Identity", 5);
    assert!(
        identity.contains("Drafted Key <drafted@acme.test>") && identity.contains("Olga Operator"),
        "{identity}"
    );
    t.key("PageDown");
    let custodians = t.wait_for("2/3 Custodians", 5);
    let value = |label: &str| {
        let line = custodians
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label}: {custodians}"));
        let value = line.split(label).nth(1).unwrap();
        value
            .trim_end_matches(['|', '│', ' '])
            .trim_end_matches('_')
            .trim()
            .to_owned()
    };
    assert_eq!(value("Threshold k"), "2", "{custodians}");
    assert_eq!(value("Shares n"), "3", "{custodians}");
    assert_eq!(value("Custodian names"), "Alice; Bob", "{custodians}");
    assert!(
        custodians.contains("2 names for 3 shares"),
        "the half-typed page is checked as typed: {custodians}"
    );
}

/// A genesis in the TUI whose plan puts the cosign key into an HSM
/// (SoftHSM2): no PIN file, the TUI asks for the token's user PIN, masked,
/// before any key exists; the key is made in the token and bound on the
/// export. A physical HSM adds a PIN counter that locks (docs/tokens.md).
#[test]
fn a_genesis_in_the_tui_asks_for_the_hsm_pin_and_puts_the_cosign_key_there() {
    let dir = tempdir();
    let dir = dir.path();
    let hsm = SoftHsm::new(dir);
    let plan = write_plan(
        dir,
        &[
            ("deliver_to = \"passphrase.txt\"", "# no deliver_to"),
            ("words = 24", "words = 12"),
            ("threshold = 3", "threshold = 2"),
            ("count = 5", "count = 3"),
        ],
    );
    let cmd = format!(
        "env SOFTHSM2_CONF={} {} tui --plan {}",
        hsm.conf.display(),
        env!("CARGO_BIN_EXE_keyceremony"),
        plan.display()
    );
    let t = Tmux::new(dir, &cmd, (100, 30));
    to_media(&t);
    choose_cosign_tier(&t, "pkcs11");
    t.key("Down");
    t.key("C-u");
    t.text(MODULE);
    t.key("Down");
    t.text("release");
    // Made inside the token: the media page's last field.
    for _ in 0..3 {
        t.key("Down");
    }
    t.key("Space");
    t.key("PageDown");
    let review = t.wait_for("Review the plan", 5);
    assert!(review.contains("cosign:     token \"release\""), "{review}");
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    t.wait_for("type its user PIN", 30);
    t.text("123456");
    let masked = t.wait_for("User PIN: ******_", 5);
    assert!(!masked.contains("123456"), "{masked}");
    t.key("Enter");
    hand_over_and_rehearse(&t, &|| bundle(&dir.join("shares")));
    let done = t.wait_for("Genesis complete", 120);
    assert!(
        done.contains("pkcs11:token=release;object=cosign"),
        "{done}"
    );
    t.key("q");
    drop(t);
    let export = bundle(&dir.join("export"));
    assert!(export.join("cosign.pub").exists() && export.join("cosign.json").exists());
    let listed = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
    assert!(
        stdout(&listed).contains("never extractable, local"),
        "{}",
        stdout(&listed)
    );
    let transcript = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    assert!(transcript.contains("cosign.placed") && !transcript.contains("123456"));
}

/// A genesis in the TUI that puts the cosign key on two YubiKeys (virtual
/// PIV cards): the media page chooses `piv`, names the serials and where the
/// tokens' new PINs go; both tokens end with the key in slot 9c and the
/// PINs are in that file only. A physical YubiKey adds the touch the
/// screen asks for with a touch policy (docs/tokens.md).
#[test]
fn a_genesis_in_the_tui_puts_the_cosign_key_on_two_yubikeys() {
    let _slots = crate::harness::slots();
    let dir = tempdir();
    let dir = dir.path();
    let _tokens = (
        VirtualPiv::insert(0, 55_555_555),
        VirtualPiv::insert(1, 66_666_666),
    );
    let plan = tui_plan(dir, "count = 0");
    let cmd = format!(
        "{} tui --plan {}",
        env!("CARGO_BIN_EXE_keyceremony"),
        plan.display()
    );
    let t = Tmux::new(dir, &cmd, (100, 30));
    to_media(&t);
    choose_cosign_tier(&t, "piv");
    for _ in 0..3 {
        t.key("Down");
    }
    t.text("55555555; 66666666");
    t.key("Down");
    t.text("piv-pins.txt");
    t.key("PageDown");
    let review = t.wait_for("Review the plan", 5);
    assert!(
        review.contains("YubiKey PIV slot 9c on 55555555, 66666666"),
        "{review}"
    );
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    hand_over_and_rehearse(&t, &|| bundle(&dir.join("shares")));
    let done = t.wait_for("Genesis complete", 120);
    assert!(done.contains("pkcs11:id=%02;type=private"), "{done}");
    t.key("q");
    drop(t);
    let export = bundle(&dir.join("export"));
    let statement = crate::harness::statement(&export);
    for serial in [55_555_555, 66_666_666] {
        let s = piv_status(serial);
        assert_eq!(
            s["signature_slot"]["public_key_sha256"], statement["cosign_public_key_sha256"],
            "{s:#}"
        );
    }
    let pins = std::fs::read_to_string(dir.join("piv-pins.txt")).unwrap();
    assert!(
        pins.starts_with("YubiKey PIV (serial 55555555, 66666666):\npin: "),
        "{pins}"
    );
}

/// The live image's serial console reports no size (0x0): the TUI draws at
/// 80x24 instead of a blank screen. And when it ends, the screen is wiped
/// before the alternate screen is left: the Linux console has none, so what
/// was drawn last (a passphrase, a share) would stay on the display.
#[test]
fn a_terminal_of_no_size_gets_a_screen_and_the_screen_is_wiped_at_the_end() {
    // A pseudo-terminal as a serial line gives one: no size set.
    let script = r#"
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]])
out = b''
def pump(until, t):
    global out
    end = time.time() + t
    while time.time() < end and until not in out:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                return
            if not d:
                return
            out += d
pump(b'Welcome: choose a ceremony', 30)
os.write(fd, b'q')
pump(b'\x1b[?1049l', 30)
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
"#;
    let o = tool("python3")
        .args(["-c", script, env!("CARGO_BIN_EXE_keyceremony")])
        .output()
        .unwrap();
    let out = o.stdout;
    let find = |what: &[u8]| out.windows(what.len()).rposition(|w| w == what);
    assert!(
        find(b"Welcome: choose a ceremony").is_some(),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let wipe = find(b"\x1b[H\x1b[2J\x1b[3J").expect("the screen is wiped");
    let leave = find(b"\x1b[?1049l").expect("the alternate screen is left");
    assert!(wipe < leave, "wiped after leaving the alternate screen");
    let last_text = find(b"Welcome").unwrap();
    assert!(last_text < wipe, "drawn after the wipe");
}

/// A renew from a TUI started without a plan (`keyceremony` alone, as
/// docs/operator-guide.md offers): the key's user IDs are the key's own, so
/// the renew's pages need none (they used to be refused for the example's
/// empty user IDs, and the renew could not be started at all).
#[test]
fn a_renew_runs_from_a_tui_started_without_a_plan() {
    let dir = tempdir();
    let dir = dir.path();
    let plan = tui_plan(dir, "count = 0");
    assert_exit(&run(&["genesis", "--plan", plan.to_str().unwrap()]), 0);
    let backup = bundle(&dir.join("backup-2"));
    let shares = bundle(&dir.join("shares"));
    let cmd = format!("{} tui", env!("CARGO_BIN_EXE_keyceremony"));
    let t = Tmux::new(dir, &cmd, (80, 24));
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key("n");
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for("Renew: the backup", 5);
    t.aside_text(backup.to_str().unwrap());
    t.key("Enter");
    t.aside_text(&format!(
        "{};{}",
        shares.join("share-2-of-3.txt").display(),
        shares.join("share-3-of-3.txt").display()
    ));
    t.key("PageDown");
    t.wait_for("Renew 1/2", 10);
    // The operator, the one field a plan would have filled.
    t.key("Down");
    t.key("Down");
    t.aside_text("Olga Operator");
    t.key("PageDown");
    t.wait_for("Renew 2/2", 5);
    for (field, value) in [
        (
            "Backup media",
            format!(
                "{}; {}",
                dir.join("backup-1").display(),
                dir.join("backup-2").display()
            ),
        ),
        ("Export medium", dir.join("export").display().to_string()),
        ("Share sheets to", dir.join("shares").display().to_string()),
    ] {
        t.wait_for(&format!("> {field}"), 5);
        t.aside_text(&value);
        t.key("Down");
    }
    // This machine has a network and one disk: the rehearsal's overrides.
    for _ in 0..5 {
        t.key("Down");
    }
    t.wait_for("> Allow network", 5);
    t.key("Space");
    t.key("Down");
    t.key("Space");
    t.key("PageDown");
    let review = t.wait_for("Review the renew", 10);
    assert!(review.contains("Press y to start"), "{review}");
    t.key("y");
    t.wait_for("Start the renew", 5);
    t.key("y");
    let done = t.wait_for("Ceremony finished", 60);
    assert!(done.contains("Renew complete"), "{done}");
    drop(t);
    assert_eq!(bundles(&dir.join("export")).len(), 2);
}
