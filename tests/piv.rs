//! The cosign key on YubiKey PIV, for real, without hardware: our virtual
//! PIV card (tests/virtual-piv, the PIV application of a YubiKey 5.4.3 as
//! Yubico documents it) in vpcd's readers, keyceremony talking to it through
//! the `yubikey` crate and pcscd as it does to a YubiKey, and the peers
//! checking what it left: `yubico-piv-tool -a status`, OpenSC's PKCS#11
//! module signing through `pkcs11-tool`, openssl and sigstore verifying that
//! signature with the exported cosign.pub.
//!
//! What a physical YubiKey adds (docs/tokens.md): touch, attestation, the
//! AES-192 management key of firmware 5.7, and Yubico's own PKCS#11 module
//! (ykcs11) in the exported URI.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::harness::*;

const OPENSC: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

fn reader(slot: usize) -> String {
    format!("Virtual PCD 00 0{slot}")
}

/// The PIN a ceremony handed over for the PIV tokens.
fn handed_over_pin(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("pin: "))
        .unwrap_or_else(|| panic!("no PIN in {text}"))
        .to_owned()
}

/// OpenSC's PKCS#11 module signs with the key in slot 9c (id 02) of the
/// token in reader `slot`, as cosign would through a `pkcs11:` URI; openssl
/// and sigstore verify the signature with `public`.
fn opensc_signs_for(slot: usize, pin: &str, public: &Path, dir: &Path) {
    let (data, digest) = payload(dir, &format!("payload-{slot}"));
    let sig = dir.join(format!("payload-{slot}.sig"));
    let o = tool("pkcs11-tool")
        .args(["--module", OPENSC, "--slot-description", &reader(slot)])
        .args([
            "--login", "--pin", pin, "--sign", "--id", "02", "-m", "ECDSA",
        ])
        .args(["--signature-format", "openssl", "-i"])
        .arg(&digest)
        .arg("-o")
        .arg(&sig)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    assert!(openssl_verifies(public, &data, &sig));
    assert_exit(&peer(&[Path::new("verify"), public, &data, &sig]), 0);
}

/// `yubico-piv-tool -a status` on reader `slot`: its text.
fn yubico_status(slot: usize) -> String {
    let o = tool("yubico-piv-tool")
        .args(["-r", &reader(slot), "-a", "status"])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    stdout(&o)
}

fn piv_plan(dir: &Path, serials: &[u32]) -> PathBuf {
    piv_plan_with(dir, serials, "")
}

/// A plan whose cosign key goes on `serials`, with `more` [cosign] lines.
fn piv_plan_with(dir: &Path, serials: &[u32], more: &str) -> PathBuf {
    let list: Vec<String> = serials.iter().map(u32::to_string).collect();
    write_plan(
        dir,
        &[(
            "tier = \"none\"",
            &format!(
                "tier = \"piv\"\npiv_serials = [{}]\npins_deliver_to = \"piv-pins.txt\"\ncsr_subject = \"CN=Release Signing,O=Acme\"\n{more}",
                list.join(", ")
            ),
        )],
    )
}

fn openssl(args: &[&str], dir: &Path) {
    let o = tool("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert_exit(&o, 0);
}

/// A CA (openssl) answers the genesis's cosign.csr; a renew whose plan
/// names the answer puts it into slot 9c of both tokens (yubico-piv-tool
/// shows its issuer) and carries it as cosign.crt, which openssl chains to
/// the CA and `verify` accepts. The CA's own certificate, for another key,
/// is refused before anything is written.
fn ca_issued_certificate_goes_into_both_tokens(dir: &Path, pin: &str) {
    let export = bundle(&dir.join("export"));
    let csr = export.join("cosign.csr").display().to_string();
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ca.key",
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Acme Code Signing CA",
            "-days",
            "30",
            "-out",
            "ca.pem",
        ],
        dir,
    );
    std::fs::write(dir.join("ext.cnf"), "extendedKeyUsage=codeSigning\n").unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "20",
            "-extfile",
            "ext.cnf",
            "-out",
            "issued.pem",
        ],
        dir,
    );
    let chain = [
        std::fs::read(dir.join("issued.pem")).unwrap(),
        std::fs::read(dir.join("ca.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("chain.pem"), &chain).unwrap();
    std::fs::write(dir.join("pin.txt"), format!("{pin}\n")).unwrap();
    let sheets = bundle(&dir.join("shares"));
    let shares: Vec<PathBuf> = [1, 2, 4]
        .iter()
        .map(|i| sheets.join(format!("share-{i}-of-5.txt")))
        .collect();
    let renew = |cert: &str| {
        let plan = piv_plan_with(
            dir,
            &[11_111_111, 22_222_222],
            &format!("certificate = \"{cert}\"\npin_from = \"pin.txt\""),
        );
        crate::harness::renew(&plan, &newest(&dir.join("backup-1")), &shares, &[])
    };
    let before = std::fs::read_dir(dir.join("export")).unwrap().count();
    let o = renew("ca.pem");
    assert_exit(&o, 6);
    assert!(stderr(&o).contains("is for another key"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_dir(dir.join("export")).unwrap().count(),
        before
    );

    let o = renew("chain.pem");
    assert_exit(&o, 0);
    let renewed = newest(&dir.join("export"));
    assert_eq!(std::fs::read(renewed.join("cosign.crt")).unwrap(), chain);
    let o = tool("openssl")
        .args(["verify", "-CAfile", "ca.pem"])
        .arg(renewed.join("cosign.crt"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let fpr = statement(&renewed)["key"].as_str().unwrap().to_owned();
    assert_exit(
        &run(&["verify", renewed.to_str().unwrap(), "--trust", &fpr]),
        0,
    );
    for slot in [0, 1] {
        let text = yubico_status(slot);
        assert!(text.contains("Acme Code Signing CA"), "{text}");
    }
}

/// The Done-when of #16 for PIV: a genesis puts the same key on two tokens,
/// each proven; both sign through OpenSC what cosign.pub verifies (openssl,
/// sigstore); yubico-piv-tool sees the key; cosign.pub and the signed
/// binding are on the export medium. Taken-over tokens are not taken again.
/// A lost token is replaced from a backup.
#[test]
fn the_piv_tier_puts_one_key_on_two_yubikeys_and_a_backup_replaces_a_lost_one() {
    let _slots = slots();
    let dir = tempdir();
    let dir = dir.path();
    let (a, b) = (
        VirtualPiv::insert(0, 11_111_111),
        VirtualPiv::insert(1, 22_222_222),
    );
    let o = run(&["piv", "list"]);
    assert_exit(&o, 0);
    for serial in ["11111111", "22222222"] {
        assert!(
            stdout(&o).contains(&format!("YubiKey {serial} (firmware 5.4.3)")),
            "{}",
            stdout(&o)
        );
    }
    assert!(stdout(&o).contains("factory PINs"), "{}", stdout(&o));

    let plan = piv_plan(dir, &[11_111_111, 22_222_222]);
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 0);
    let export = bundle(&dir.join("export"));
    let st = statement(&export);
    assert_eq!(st["tier"], "piv");
    let public = export.join("cosign.pub");
    gpg_checks_the_binding(&export);
    let transcript = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    let placed = transcript
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "cosign.placed")
        .unwrap_or_else(|| panic!("no cosign.placed in {transcript}"));
    let tokens = placed["data"]["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2, "{placed:#}");
    let pins_file = dir.join("piv-pins.txt");
    let pin = handed_over_pin(&pins_file);
    assert!(!transcript.contains(&pin) && !stdout(&o).contains(&pin) && !stderr(&o).contains(&pin));

    for (slot, serial) in [(0, 11_111_111u32), (1, 22_222_222)] {
        let s = piv_status(serial);
        assert_eq!(s["factory_pins"], false, "{s:#}");
        assert_eq!(
            s["management_key"], "random, kept on the token under the PIN",
            "{s:#}"
        );
        let slot9c = &s["signature_slot"];
        assert_eq!(
            slot9c["public_key_sha256"], st["cosign_public_key_sha256"],
            "{s:#}"
        );
        assert_eq!(slot9c["origin"], "imported");
        assert_eq!(slot9c["pin_policy"], "Always");
        let text = yubico_status(slot);
        assert!(text.contains("Slot 9c:"), "{text}");
        assert!(text.contains("ECCP256"), "{text}");
        opensc_signs_for(slot, &pin, &public, dir);
    }
    // #27: cosign's own signature format on a real registry, made by the
    // YubiKey's slot 9c through PKCS#11 (as `cosign sign --key pkcs11:...`
    // would), read back and verified by sigstore's crate with cosign.pub.
    let registry = Registry::start();
    let image = dir.join("oci-app");
    oci_image(&image, "release\n");
    let app = format!("{}/app:v1", registry.host());
    let sigs = dir.join("sigs");
    std::fs::create_dir_all(&sigs).unwrap();
    push(&image, &app, None, &sigs, None);
    let signer = pkcs11_signer(
        [
            "--module",
            OPENSC,
            "--slot-description",
            &reader(0),
            "--login",
            "--pin",
            &pin,
            "--id",
            "02",
        ]
        .map(str::to_owned)
        .to_vec(),
        Vec::new(),
    );
    cosign_sign(&app, &signer);
    assert_exit(&cosign_verify(&app, &public), 0);

    // Taken over: a second ceremony stops before any key exists.
    let again = dir.join("again");
    std::fs::create_dir_all(&again).unwrap();
    let plan = piv_plan(&again, &[11_111_111]);
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("not in its factory state"),
        "{}",
        stderr(&o)
    );
    assert!(!again.join("backup-1").read_dir().unwrap().any(|_| true));

    ca_issued_certificate_goes_into_both_tokens(dir, &pin);

    // Token 22222222 is lost; a fresh one takes the key from a backup.
    drop(b);
    let c = VirtualPiv::insert(1, 33_333_333);
    let sheets = bundle(&dir.join("shares"));
    let backup = newest(&dir.join("backup-1"));
    let new_pins = dir.join("replacement-pins.txt");
    let mut args: Vec<String> = ["piv", "provision", "--serial", "33333333", "--backup"]
        .map(String::from)
        .to_vec();
    args.push(backup.display().to_string());
    args.extend(["--pins-to".into(), new_pins.display().to_string()]);
    for i in [1, 2, 4] {
        args.push(
            sheets
                .join(format!("share-{i}-of-5.txt"))
                .display()
                .to_string(),
        );
    }
    let o = run_owned(&args);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("YubiKey 33333333 holds the cosign key"),
        "{}",
        stdout(&o)
    );
    let s = piv_status(33_333_333);
    assert_eq!(
        s["signature_slot"]["public_key_sha256"],
        st["cosign_public_key_sha256"]
    );
    opensc_signs_for(1, &handed_over_pin(&new_pins), &public, dir);

    // Token 11111111 is lost too: its replacement takes its siblings' PIN
    // sheet, so that one PIN serves all. A sheet that is not one is refused
    // before anything is asked or written.
    drop(a);
    let d = VirtualPiv::insert(0, 77_777_777);
    let with_sheet = |sheet: &Path| {
        let mut a = args.clone();
        let at = a.iter().position(|x| x == "--pins-to").unwrap();
        a.splice(
            at..at + 2,
            ["--pins-from".to_owned(), sheet.display().to_string()],
        );
        a[3] = "77777777".into();
        run_owned(&a)
    };
    let o = with_sheet(&dir.join("plan.toml"));
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("is larger than any PIN sheet keyceremony writes"),
        "{}",
        stderr(&o)
    );
    let not_a_sheet = dir.join("card-pins.txt");
    std::fs::write(&not_a_sheet, "user-pin: 12345678\nadmin-pin: 87654321\n").unwrap();
    let o = with_sheet(&not_a_sheet);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("is not a PIV PIN sheet"),
        "{}",
        stderr(&o)
    );
    assert_eq!(piv_status(77_777_777)["factory_pins"], true);
    let o = with_sheet(&pins_file);
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("its new PIN and PUK are those on"),
        "{}",
        stdout(&o)
    );
    opensc_signs_for(0, &pin, &public, dir);
    drop((c, d));
}

/// A token whose PIN has one try left is refused before anything is sent,
/// and keeps that try; so is one that is not in its factory state.
#[test]
fn a_piv_token_with_one_try_left_is_never_tried() {
    let _slots = slots();
    let dir = tempdir();
    let dir = dir.path();
    let _t = VirtualPiv::insert(0, 44_444_444);
    for _ in 0..2 {
        let o = tool("yubico-piv-tool")
            .args(["-r", &reader(0), "-a", "verify-pin", "-P", "000000"])
            .output()
            .unwrap();
        assert!(!o.status.success());
    }
    assert_eq!(piv_status(44_444_444)["pin_tries_left"], 1);
    let plan = piv_plan(dir, &[44_444_444]);
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("has 1 tries left; keyceremony will not spend the last one"),
        "{}",
        stderr(&o)
    );
    assert_eq!(piv_status(44_444_444)["pin_tries_left"], 1);
    assert!(!dir.join("piv-pins.txt").exists());
}

/// What `piv` says with no token: which serials it sees, and what to do.
#[test]
fn a_missing_piv_token_is_named() {
    let _slots = slots();
    pcscd();
    let o: Output = run(&["piv", "status", "99999999"]);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("no YubiKey with serial 99999999 in a reader"),
        "{}",
        stderr(&o)
    );
}
