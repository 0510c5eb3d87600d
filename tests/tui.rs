//! The real binary's terminal UI in tmux: keys sent, screen read back.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::*;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(dir: &std::path::Path, command: &str) -> Tmux {
        let socket = dir.join("tmux.sock").display().to_string();
        let o = tool("tmux")
            .args([
                "-S",
                &socket,
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                command,
            ])
            .output()
            .unwrap();
        assert_exit(&o, 0);
        Tmux { socket }
    }

    fn keys(&self, keys: &str) {
        let o = Command::new("tmux")
            .args(["-S", &self.socket, "send-keys", keys])
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["-S", &self.socket, "capture-pane", "-p"])
            .output()
            .unwrap();
        stdout(&o)
    }

    fn wait_for(&self, text: &str, secs: u64) -> String {
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
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-S", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn a_genesis_runs_through_the_tui_in_tmux() {
    let dir = tempdir();
    let plan = write_plan(
        dir.path(),
        &[("deliver_to = \"passphrase.txt\"", "# no deliver_to")],
    );
    let cmd = format!(
        "{} tui --plan {}",
        env!("CARGO_BIN_EXE_keyceremony"),
        plan.display()
    );
    let t = Tmux::new(dir.path(), &cmd);
    t.wait_for("Welcome: run a key ceremony", 10);
    t.keys("?");
    t.wait_for("help: any key closes", 5);
    t.keys("x");
    t.keys("Enter");
    t.wait_for("Pre-flight", 5);
    t.wait_for("clock:", 10);
    t.keys("Enter");
    let review = t.wait_for("Review the plan", 5);
    assert!(review.contains("Press y to start."), "{review}");
    t.keys("y");
    let done = t.wait_for("Genesis complete", 60);
    assert!(done.contains("Primary fingerprint:"), "{done}");
    t.keys("q");
    // What the TUI made is what the batch CLI makes: gpg reads the exported cert.
    let export = bundle(&dir.path().join("export"));
    let gpg = Gpg::new();
    gpg.ok(&["--import", export.join("cert.asc").to_str().unwrap()]);
    assert_eq!(names_in(&bundle(&dir.path().join("shares"))).len(), 12);
    assert!(!dir.path().join("passphrase.txt").exists());
    let o = run(&[
        "transcript",
        "verify",
        export.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
}
