//! Smart cards without hardware: pcscd with vsmartcard's vpcd readers, and
//! virtual cards (tests/virtual-card: Nitrokey's opcard, an OpenPGP card;
//! tests/virtual-piv: a YubiKey's PIV application) that connect to a vpcd
//! slot as a card is put in a reader. keyceremony, gpg's scdaemon,
//! yubico-piv-tool and OpenSC talk to them through the real pcscd.
//!
//! vpcd offers two slots (ports 35963 and 35964); every test that puts a
//! card in one holds `slots()` first.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::*;

pub const SLOTS: [u16; 2] = [35963, 35964];

/// The vpcd slots, held while a test has cards in them.
pub struct Slots(#[allow(dead_code)] std::fs::File);

/// Takes the vpcd slots: every card test shares them, and so does every
/// test run on the machine (vpcd's ports are machine-wide: a second `cargo
/// test` beside CI's once put its virtual PIV card in the port a card test
/// was waiting on, which then never saw its card). A lock file, not a mutex:
/// `flock` serialises threads and processes alike, and a test that panics
/// lets go as its file closes.
pub fn slots() -> Slots {
    let path = std::env::temp_dir().join("keyceremony-tests-vpcd-slots.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("locking {}: {e}", path.display()));
    Slots(file)
}

pub fn virtual_card_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| harness_bin("virtual-card"))
}

/// Starts pcscd (with vpcd's readers) unless one answers already.
pub fn pcscd() {
    static UP: OnceLock<()> = OnceLock::new();
    UP.get_or_init(|| {
        let answering = || {
            run(&["card", "list", "--output-format", "json"])
                .status
                .success()
        };
        if !answering() {
            // A daemon that stays up: with --auto-exit it would leave while the
            // virtual card is still being built. It reads vpcd's reader config.
            let o = tool("pcscd").output().unwrap();
            assert!(o.status.success(), "pcscd: {}", stderr(&o));
        }
        wait_for("pcscd", answering);
    });
}

pub fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        if start.elapsed() > Duration::from_secs(20) {
            let seen = run(&["card", "list"]);
            panic!(
                "timed out waiting for {what}; cards seen:\n{}{}",
                stdout(&seen),
                stderr(&seen)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The PC/SC name of vpcd's reader `slot` ("Virtual PCD 00 00", "... 00 01").
pub fn reader_name(ctx: &pcsc::Context, slot: usize) -> std::ffi::CString {
    let mut names: Vec<std::ffi::CString> = ctx
        .list_readers_owned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.to_string_lossy().starts_with("Virtual PCD"))
        .collect();
    names.sort();
    assert!(names.len() > slot, "vpcd readers: {names:?}");
    names.swap_remove(slot)
}

/// Waits until pcscd reports vpcd's reader `slot` empty. The reader's state
/// is what tells that vpcd dropped the card's connection; a card connecting
/// to the slot before then would first be reported on the old, dead socket.
/// Blocks on PC/SC's own event wait (SCardGetStatusChange): no fixed sleep.
pub fn wait_reader_empty(slot: usize) {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = reader_name(&ctx, slot);
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match ctx.get_status_change(left, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => panic!("waiting on reader {slot}: {e}"),
        }
        if states[0].event_state().contains(pcsc::State::EMPTY) {
            return;
        }
        assert!(
            !left.is_zero(),
            "reader {slot} still holds a card: {:?}",
            states[0].event_state()
        );
        states[0].sync_current_state();
    }
}

pub fn card_present(serial: &str) -> bool {
    run(&["card", "status", serial]).status.success()
}

/// A virtual card in a vpcd slot; dropping it pulls it out.
pub struct VirtualCard {
    pub child: Child,
    pub slot: usize,
    pub serial: String,
    pub state: PathBuf,
    pub pulled: bool,
}

impl VirtualCard {
    pub fn insert(slot: usize, serial: &str, state: &Path) -> VirtualCard {
        VirtualCard::insert_with(slot, serial, state, &[])
    }

    pub fn insert_with(slot: usize, serial: &str, state: &Path, extra: &[&str]) -> VirtualCard {
        let bin = virtual_card_bin();
        pcscd();
        let child = Command::new(bin)
            .args(extra)
            .args([
                "--port",
                &SLOTS[slot].to_string(),
                "--serial",
                serial,
                "--state",
            ])
            .arg(state)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // Owned at once, so that a failed wait below still pulls the card.
        let mut card = VirtualCard {
            child,
            slot,
            serial: serial.to_owned(),
            state: state.to_owned(),
            pulled: false,
        };
        let mut line = String::new();
        BufReader::new(card.child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.contains("inserted"),
            "virtual card {serial} did not reach vpcd: {line:?}"
        );
        wait_for(&format!("card {serial} to appear"), || card_present(serial));
        card
    }

    /// Pulls the card out: ends its process and waits until the reader is
    /// empty, so that the slot takes the next card.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.pulled {
            wait_reader_empty(self.slot);
            self.pulled = true;
        }
    }

    /// Pulls the card out; returns where its state lives, to put it back later.
    pub fn pull(mut self) -> (String, PathBuf) {
        self.kill();
        (self.serial.clone(), self.state.clone())
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn status_json(serial: &str) -> serde_json::Value {
    let o = run(&["card", "status", serial, "--output-format", "json"]);
    assert_exit(&o, 0);
    serde_json::from_slice(&o.stdout).unwrap()
}
