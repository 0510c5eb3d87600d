//! SoftHSM2 as the PKCS#11 token of the cosign key: a config and token
//! directory of its own per test, opensc's pkcs11-tool to look inside.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::*;

pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A SoftHSM2 of its own: a config and token directory under `dir`, one
/// token labelled "release" with user PIN 123456.
pub struct SoftHsm {
    pub conf: PathBuf,
}

impl SoftHsm {
    pub fn new(dir: &Path) -> SoftHsm {
        let tokens = dir.join("hsm-tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let hsm = SoftHsm { conf };
        hsm.add_token("release");
        hsm
    }

    /// Another token (a replacement), with the same PINs.
    pub fn add_token(&self, label: &str) {
        let o = tool("softhsm2-util")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", "123456", "--so-pin", "12345678"])
            .output()
            .unwrap();
        assert_exit(&o, 0);
    }

    pub fn keyceremony(&self, args: &[&str]) -> Output {
        bin()
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }

    pub fn pkcs11_tool(&self, args: &[&str]) -> Output {
        self.pkcs11_tool_on("release", args)
    }

    pub fn pkcs11_tool_on(&self, token: &str, args: &[&str]) -> Output {
        tool("pkcs11-tool")
            .env("SOFTHSM2_CONF", &self.conf)
            .args(["--module", MODULE, "--token-label", token])
            .args(["--login", "--pin", "123456"])
            .args(args)
            .output()
            .unwrap()
    }
}
