//! A virtual YubiKey PIV token (tests/virtual-piv) in a vpcd slot.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use super::*;

pub fn virtual_piv_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| harness_bin("virtual-piv"))
}

pub fn piv_present(serial: u32) -> bool {
    run(&["piv", "status", &serial.to_string()])
        .status
        .success()
}

/// A virtual PIV token, fresh from the factory, in vpcd's reader `slot`;
/// dropping it pulls it out.
pub struct VirtualPiv {
    pub child: Child,
    pub slot: usize,
}

impl VirtualPiv {
    pub fn insert(slot: usize, serial: u32) -> VirtualPiv {
        pcscd();
        let child = Command::new(virtual_piv_bin())
            .args(["--port", &SLOTS[slot].to_string()])
            .args(["--serial", &serial.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut token = VirtualPiv { child, slot };
        let mut line = String::new();
        BufReader::new(token.child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("inserted"), "virtual PIV {serial}: {line:?}");
        wait_for(&format!("YubiKey {serial} to appear"), || {
            piv_present(serial)
        });
        token
    }
}

impl Drop for VirtualPiv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        wait_reader_empty(self.slot);
    }
}

pub fn piv_status(serial: u32) -> serde_json::Value {
    let o = run(&[
        "piv",
        "status",
        &serial.to_string(),
        "--output-format",
        "json",
    ]);
    assert_exit(&o, 0);
    serde_json::from_str(&stdout(&o)).unwrap()
}
