//! GnuPG homes of their own: a gpg with a fresh GNUPGHOME per use, whose
//! agent (and scdaemon) are stopped when it is dropped.

use std::process::Output;

use super::*;

/// A throwaway GnuPG home; its agent is stopped when dropped.
pub struct Gpg {
    pub home: tempfile::TempDir,
}

impl Gpg {
    /// A home whose agent never starts scdaemon. gpg-agent starts it to look
    /// for cards whenever a secret key is used, and scdaemon opens every
    /// PC/SC reader exclusively: a test signing with gpg beside a card test
    /// took the virtual card from under it ("in use by another program").
    pub fn new() -> Gpg {
        let gpg = Gpg::home();
        std::fs::write(gpg.home.path().join("gpg-agent.conf"), "disable-scdaemon\n").unwrap();
        gpg
    }

    /// A home holding a key of someone else's (Mallory's, ed25519, no
    /// passphrase): what signs the forgeries the tests must see refused.
    pub fn stranger() -> Gpg {
        let gpg = Gpg::new();
        gpg.ok(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Mallory <m@x.test>",
            "ed25519",
            "sign",
            "1y",
        ]);
        gpg
    }

    /// A home for a test that uses a card through gpg: scdaemon talks to
    /// pcscd (not its own CCID driver) and shares the reader.
    pub fn with_cards() -> Gpg {
        let gpg = Gpg::home();
        std::fs::write(
            gpg.home.path().join("scdaemon.conf"),
            "disable-ccid\npcsc-shared\n",
        )
        .unwrap();
        gpg
    }

    pub fn home() -> Gpg {
        let home = tempdir();
        std::fs::set_permissions(
            home.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        Gpg { home }
    }

    pub fn cmd(&self) -> Command {
        let mut c = tool("gpg");
        c.arg("--homedir")
            .arg(self.home.path())
            .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert_exit(&o, 0);
        o
    }

    /// `gpg --with-colons` records of `kind` (pub, sub, fpr, sec, ssb) for every key.
    pub fn colons(&self, list: &str, kind: &str) -> Vec<Vec<String>> {
        let o = self.ok(&["--with-colons", "--fixed-list-mode", list]);
        stdout(&o)
            .lines()
            .filter(|l| l.starts_with(&format!("{kind}:")))
            .map(|l| l.split(':').map(str::to_owned).collect())
            .collect()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--kill", "all"])
            .output();
    }
}

/// A key gpg makes in its own home, exported (armored) to `out`; returns the
/// home, so that the key can be changed further, and the fingerprint.
pub fn gpg_key(uids: &[&str], out: &Path, faked_time: Option<&str>) -> (Gpg, String) {
    let gpg = Gpg::new();
    let mut args = vec!["--passphrase", ""];
    if let Some(t) = faked_time {
        args.extend(["--faked-system-time", t]);
    }
    let mut first = args.clone();
    first.extend(["--quick-gen-key", uids[0], "ed25519", "sign", "1y"]);
    gpg.ok(&first);
    let fpr = gpg.colons("--list-keys", "fpr")[0][9].clone();
    for u in &uids[1..] {
        let mut more = args.clone();
        more.extend(["--quick-add-uid", &fpr, u]);
        gpg.ok(&more);
    }
    export_keys(&gpg, out);
    (gpg, fpr)
}

/// The keys in `gpg`'s home, armored, into `out`.
pub fn export_keys(gpg: &Gpg, out: &Path) {
    let o = gpg.ok(&["--armor", "--export"]);
    std::fs::write(out, &o.stdout).unwrap();
}
