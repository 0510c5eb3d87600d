//! OpenPGP cards for real, without hardware: Nitrokey's opcard (an OpenPGP
//! card implementation) runs as a virtual card on a vpcd reader slot, and
//! keyceremony, GnuPG and scdaemon talk to it through the real pcscd.
//!
//! vpcd offers two slots (ports 35963 and 35964), so three cards are done as
//! an operator with two readers would: two at once, then one swapped in.
//! What a physical YubiKey adds (touch, attestation, firmware quirks, EUCLEAK
//! on old firmware) is in docs/tokens.md with a manual test procedure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::harness::*;

/// `keyceremony card prove` with a cert and a PIN file (both as given to the binary).
fn card_prove(serial: &str, cert: &str, pins: &str) -> std::process::Output {
    run(&[
        "card", "prove", "--serial", serial, "--cert", cert, "--pins", pins,
    ])
}

fn provision_args<'a>(c: &'a Ceremony, sheets: &'a [PathBuf], extra: &[&'a str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "card".into(),
        "provision".into(),
        "--backup".into(),
        c.backups[0].display().to_string(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v.extend(sheets.iter().map(|p| p.display().to_string()));
    v
}

#[test]
fn three_cards_each_proven_and_gpg_signs_with_any_of_them() {
    let _slots = slots();
    let dir = tempdir();
    let states = dir.path();
    let a = VirtualCard::insert(0, "0000A001", &states.join("a"));
    let b = VirtualCard::insert(1, "0000A002", &states.join("b"));

    let plan = write_plan(
        dir.path(),
        &[
            ("count = 0", "count = 3"),
            (
                "# pins_deliver_to = \"card-pins.txt\"",
                "pins_deliver_to = \"card-pins.txt\"",
            ),
            ("encryption = false", "encryption = true"),
            ("authentication = false", "authentication = true"),
            ("# cardholder", "cardholder"),
            ("# url", "url"),
            ("touch = \"off\"", "touch = \"on\""),
            ("wait_seconds = 120", "wait_seconds = 60"),
        ],
    );
    // Two readers, three cards: when genesis asks for the third, the operator
    // takes out card A (done) and puts in card C.
    let mut child = bin()
        .args([
            "genesis",
            "--plan",
            plan.to_str().unwrap(),
            "--output-format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout_pipe = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stdout_pipe), &mut out).unwrap();
        out
    });
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut line, mut seen) = (String::new(), String::new());
    let mut a = Some(a);
    let mut swapped = None;
    while err.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.contains("insert card 3 of 3") {
            let pulled = a.take().unwrap().pull();
            swapped = Some((
                pulled,
                VirtualCard::insert(0, "0000A003", &states.join("c")),
            ));
        }
        line.clear();
    }
    let status = child.wait().unwrap();
    let out = reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "{seen}\n{out}");
    let ((a_serial, a_state), c) = swapped.expect("genesis never asked for the third card");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cards = report["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 3);
    for (i, serial) in [(0, "0000A001"), (1, "0000A002"), (2, "0000A003")] {
        let p = &cards[i]["provisioned"];
        assert_eq!(p["serial"], serial, "{report:#}");
        assert!(p["proof"]
            .as_str()
            .unwrap()
            .contains("verified against the cert"));
        assert_eq!(
            p["touch"].as_array().unwrap().len(),
            3,
            "touch set on every slot"
        );
    }
    let export = bundle(&dir.path().join("export"));
    let pins = dir.path().join("card-pins.txt");
    let t = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    assert_eq!(t.matches("\"card.provisioned\"").count(), 3);
    let pin_text = std::fs::read_to_string(&pins).unwrap();
    assert!(
        !t.contains(&pin_text[10..18]) && !seen.contains(&pin_text[10..18]),
        "a PIN leaked"
    );

    // Every slot of a provisioned card holds the cert's subkeys.
    let st = status_json("0000A003");
    let subkeys: Vec<&str> = report["keys"].as_array().unwrap()[1..]
        .iter()
        .map(|k| k["fingerprint"].as_str().unwrap())
        .collect();
    for slot in ["signing", "decryption", "authentication"] {
        assert!(
            subkeys.contains(&st[slot].as_str().unwrap()),
            "{slot}: {st:#}"
        );
    }

    // Each card proves itself again, and GnuPG signs with each, alone in the reader.
    let cert = export.join("cert.asc");
    let (b_serial, b_state) = b.pull();
    let mut present = Some(c);
    for (serial, state) in [
        (None, None),
        (Some(b_serial), Some(b_state)),
        (Some(a_serial), Some(a_state)),
    ] {
        if let (Some(serial), Some(state)) = (serial, state) {
            drop(present.take().map(VirtualCard::pull));
            present = Some(VirtualCard::insert(0, &serial, &state));
        }
        let card = present.as_ref().unwrap();
        let o = card_prove(&card.serial, cert.to_str().unwrap(), pins.to_str().unwrap());
        assert_exit(&o, 0);
        // A GnuPG home of its own for each card: `gpgconf --kill scdaemon`
        // returns before the agent has let its scdaemon go, and the next
        // command then finds a broken pipe ("error getting version from
        // 'scdaemon'"). A new home has a new agent and scdaemon.
        let (gpg, user_pin) = card_gpg(&cert, &pins);
        let status = gpg.run(&["--card-status"]);
        assert_exit(&status, 0);
        let text = stdout(&status);
        assert!(
            text.contains(&format!("Serial number ....: {}", card.serial)),
            "{text}"
        );
        assert!(
            text.contains("Name of cardholder: Release Signing"),
            "{text}"
        );
        let msg = dir.path().join(format!("msg-{}", card.serial));
        let sig = sign_with_card(&gpg, &user_pin, &msg);
        let verifier = Gpg::new();
        verifier.ok(&["--import", cert.to_str().unwrap()]);
        let v = verifier.run(&["--verify", &sig, msg.to_str().unwrap()]);
        assert!(stderr(&v).contains("Good signature"), "{}", stderr(&v));
        let s = tool("sq")
            .args([
                "verify",
                "--signer-cert",
                cert.to_str().unwrap(),
                "--detached",
                &sig,
                msg.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_exit(&s, 0);
    }
}

/// A GnuPG home whose scdaemon uses pcscd, with `cert` imported; and the user
/// PIN from the PIN file.
fn card_gpg(cert: &Path, pins: &Path) -> (Gpg, String) {
    let gpg = Gpg::with_cards();
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    let user_pin = std::fs::read_to_string(pins)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("user-pin: ").map(str::to_owned))
        .unwrap();
    (gpg, user_pin)
}

/// gpg (through scdaemon and pcscd) signs `msg` with the card in the reader;
/// returns the signature's path. scdaemon is stopped after, since it keeps
/// the reader open and a card could not be swapped.
fn sign_with_card(gpg: &Gpg, user_pin: &str, msg: &Path) -> String {
    std::fs::write(msg, b"signed on a card\n").unwrap();
    gpg.ok(&[
        "--passphrase",
        user_pin,
        "--armor",
        "--detach-sign",
        msg.to_str().unwrap(),
    ]);
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(gpg.home.path())
        .args(["--kill", "scdaemon"])
        .output();
    format!("{}.asc", msg.display())
}

/// Provisions a fresh card with the shared ed25519 ceremony's key and new PINs.
fn provisioned_card(dir: &Path, serial: &str) -> (VirtualCard, PathBuf) {
    let c = ed25519();
    let card = VirtualCard::insert(0, serial, &dir.join(serial));
    let pins = dir.join(format!("{serial}.pins"));
    let sheets = [c.sheet(2), c.sheet(4), c.sheet(5)];
    let pins_s = pins.display().to_string();
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &["--serial", serial, "--new-pins-to", &pins_s],
    ));
    assert_exit(&o, 0);
    (card, pins)
}

#[test]
fn a_wrong_pin_reports_tries_left_and_the_last_try_is_never_spent() {
    let _slots = slots();
    let dir = tempdir();
    let (card, pins) = provisioned_card(dir.path(), "0000B001");
    let c = ed25519();
    let good = std::fs::read_to_string(&pins).unwrap();
    let wrong = dir.path().join("wrong.pins");
    std::fs::write(&wrong, "user-pin: 99999999\nadmin-pin: 99999999\n").unwrap();
    let prove = |p: &Path| {
        card_prove(
            &card.serial,
            c.cert().to_str().unwrap(),
            p.to_str().unwrap(),
        )
    };

    let o = prove(&wrong);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("wrong user PIN; 2 tries left"),
        "{}",
        stderr(&o)
    );
    let o = prove(&wrong);
    assert!(
        stderr(&o).contains("wrong user PIN; 1 tries left"),
        "{}",
        stderr(&o)
    );
    // Now one try is left: not even the right PIN is tried.
    let o = prove(&pins);
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("will not spend the last one"),
        "{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains(&good[10..18]),
        "a PIN in an error message"
    );
    assert_eq!(status_json(&card.serial)["user_pin_tries"], 1);
}

#[test]
fn a_card_with_keys_is_left_alone_unless_its_reset_is_confirmed() {
    let _slots = slots();
    let dir = tempdir();
    let (card, _pins) = provisioned_card(dir.path(), "0000C001");
    let before = status_json(&card.serial);
    let c = ed25519();
    let sheets = [c.sheet(1), c.sheet(2), c.sheet(3)];
    let newpins = dir.path().join("again.pins").display().to_string();
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &["--serial", "0000C001", "--new-pins-to", &newpins],
    ));
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("card 0000C001 already holds keys (signing"),
        "{}",
        stderr(&o)
    );
    assert_eq!(status_json(&card.serial)["signing"], before["signing"]);

    let newpins2 = dir.path().join("again2.pins").display().to_string();
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &[
            "--serial",
            "0000C001",
            "--new-pins-to",
            &newpins2,
            "--reset",
            "0000C001",
        ],
    ));
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("verified against the cert"));
}

#[test]
fn a_card_pulled_out_mid_provisioning_ends_that_step_and_resumes() {
    let _slots = slots();
    let dir = tempdir();
    let c = ed25519();
    let card = VirtualCard::insert(0, "0000D001", &dir.path().join("d"));
    let sheets = [c.sheet(1), c.sheet(4), c.sheet(5)];
    let pins = dir.path().join("d.pins").display().to_string();
    let mut child = bin()
        .args(provision_args(
            c,
            &sheets,
            &["--serial", "0000D001", "--new-pins-to", &pins],
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut card = Some(card);
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.contains("setting the PINs") {
            // Pull the card as the keys are about to go on.
            if let Some(c) = card.as_mut() {
                c.kill();
            }
        }
        line.clear();
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(8), "{seen}");
    assert!(
        seen.contains("card 0000D001 was removed or stopped answering during"),
        "{seen}"
    );
    assert!(
        seen.contains("run `keyceremony card provision` again"),
        "{seen}"
    );
    let state = card.as_ref().unwrap().state.clone();
    drop(card);

    // Put it back and resume: its PINs may have changed, so the reset is confirmed.
    let _back = VirtualCard::insert(0, "0000D001", &state);
    let pins2 = dir.path().join("d2.pins").display().to_string();
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &[
            "--serial",
            "0000D001",
            "--new-pins-to",
            &pins2,
            "--reset",
            "0000D001",
        ],
    ));
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("verified against the cert"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn an_empty_reader_gets_a_clear_message_and_costs_nothing() {
    let _slots = slots();
    pcscd();
    let o = run(&["card", "status", "0000BEEF"]);
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("no OpenPGP card 0000BEEF is in any reader: insert it"),
        "{}",
        stderr(&o)
    );
    let c = ed25519();
    let sheets = [c.sheet(1), c.sheet(2), c.sheet(3)];
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &["--new-pins-to", "/nonexistent/never"],
    ));
    assert_exit(&o, 4);
    assert!(stderr(&o).contains("is in any reader"), "{}", stderr(&o));
}

/// What the live image prints at boot to show a reader is seen: vpcd's
/// readers, empty and with a card, read from pcscd's states without
/// touching the card. A physical reader adds only its own name.
#[test]
fn card_readers_names_each_reader_and_whether_a_card_is_in_it() {
    let _slots = slots();
    pcscd();
    let dir = tempdir();
    let _card = VirtualCard::insert(0, "0000C0DE", &dir.path().join("c"));
    let o = run(&["card", "readers"]);
    assert_exit(&o, 0);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().any(|l| l.ends_with("(card present)"))
            && lines.iter().any(|l| l.ends_with("(empty)")),
        "{text}"
    );
    let o = run(&["card", "readers", "--output-format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let present: Vec<bool> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["card_present"].as_bool().unwrap())
        .collect();
    assert_eq!(present.iter().filter(|&&p| p).count(), 1, "{json}");
}

#[test]
fn a_card_that_lacks_the_algorithm_says_so_and_takes_rsa() {
    let _slots = slots();
    let dir = tempdir();
    let card =
        VirtualCard::insert_with(0, "0000E001", &dir.path().join("e"), &["--rsa-only", "yes"]);
    let ed = ed25519();
    let sheets = [ed.sheet(1), ed.sheet(2), ed.sheet(3)];
    let pins = dir.path().join("e.pins").display().to_string();
    let o = run_owned(&provision_args(
        ed,
        &sheets,
        &["--serial", "0000E001", "--new-pins-to", &pins],
    ));
    assert_exit(&o, 8);
    assert!(
        stderr(&o).contains("card 0000E001: it does not take the Signing key's algorithm"),
        "{}",
        stderr(&o)
    );
    // The same card takes the RSA 4096 profile's subkeys, and signs with them.
    let rsa = rsa4096();
    let sheets = [rsa.sheet(2), rsa.sheet(3), rsa.sheet(4)];
    let pins2 = dir.path().join("e2.pins").display().to_string();
    let o = run_owned(&provision_args(
        rsa,
        &sheets,
        &[
            "--serial",
            "0000E001",
            "--new-pins-to",
            &pins2,
            "--reset",
            "0000E001",
        ],
    ));
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("verified against the cert"),
        "{}",
        stdout(&o)
    );
    drop(card);
}

#[test]
fn kdf_hashes_the_pins_and_gpg_still_signs_with_the_card() {
    // opcard stores the KDF-DO without touching the PINs, as SmartPGP does;
    // a YubiKey resets the PINs to the DO's initial hashes. The provisioning
    // hashes the PINs itself first, so both end alike (src/tokens/openpgp_card/kdf.rs).
    let _slots = slots();
    let dir = tempdir();
    let c = ed25519();
    let serial = "0000D001";
    let card = VirtualCard::insert(0, serial, &dir.path().join(serial));
    let pins = dir.path().join("kdf.pins");
    let pins_s = pins.display().to_string();
    let sheets = [c.sheet(1), c.sheet(3), c.sheet(5)];
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &["--serial", serial, "--new-pins-to", &pins_s, "--kdf"],
    ));
    assert_exit(&o, 0);
    assert!(stderr(&o).contains("setting up KDF"), "{}", stderr(&o));
    let st = status_json(serial);
    assert_eq!(st["kdf"], true, "{st:#}");
    assert_eq!(st["user_pin_tries"], 3, "{st:#}");
    assert_eq!(st["admin_pin_tries"], 3, "{st:#}");
    // openpgp-card hashes the PIN with the card's KDF-DO: the proof works.
    let cert = c.cert();
    let prove = card_prove(serial, cert.to_str().unwrap(), &pins_s);
    assert_exit(&prove, 0);

    // GnuPG hashes PINs with its own KDF code: it sees KDF on and signs.
    let (gpg, user_pin) = card_gpg(&cert, &pins);
    let status = gpg.run(&["--card-status"]);
    assert!(
        stdout(&status).contains("KDF setting ......: on"),
        "{}",
        stdout(&status)
    );
    let msg = dir.path().join("msg");
    let sig = sign_with_card(&gpg, &user_pin, &msg);
    let v = gpg.run(&["--verify", &sig, msg.to_str().unwrap()]);
    assert!(stderr(&v).contains("Good signature"), "{}", stderr(&v));
    drop(card);
}

/// Another PC/SC client polling the readers (the TUI's pre-flight, `card list`
/// in a second terminal) used to reset the card with every disconnect, and a
/// reset landing between two of the provisioning's commands broke it half-way
/// ("Unexpected status for reset", "removed during setting the PINs"). Now
/// listing leaves cards as they are and provisioning holds its card alone.
#[test]
fn provisioning_succeeds_while_another_program_polls_the_cards() {
    let _slots = slots();
    let dir = tempdir();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let polls = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                run(&["card", "list"]);
                n += 1;
            }
            n
        })
    };
    let (card, pins) = provisioned_card(dir.path(), "0000F001");
    let c = ed25519();
    let sheets = [c.sheet(1), c.sheet(2), c.sheet(3)];
    let pins2 = dir.path().join("f2.pins").display().to_string();
    // Again with a factory reset: the path that failed most often.
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &[
            "--serial",
            &card.serial,
            "--new-pins-to",
            &pins2,
            "--reset",
            &card.serial,
        ],
    ));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let n = polls.join().unwrap();
    assert_exit(&o, 0);
    assert!(n > 3, "the poller ran {n} times only");
    assert!(pins.exists());
    let st = status_json(&card.serial);
    assert_eq!(st["user_pin_tries"], 3, "{st:#}");
}

/// gpg's scdaemon keeps a card open once it has seen it. Writing or signing
/// needs the card alone: keyceremony waits a bounded time, then says who
/// holds the card and how to let it go, without sending a PIN; once scdaemon
/// is gone it goes on.
#[test]
fn a_card_held_by_scdaemon_is_named_and_costs_no_pin_try() {
    let _slots = slots();
    let dir = tempdir();
    let (card, pins) = provisioned_card(dir.path(), "0000F002");
    let cert = ed25519().cert();
    let (gpg, _) = card_gpg(&cert, &pins);
    let status = gpg.run(&["--card-status"]);
    assert_exit(&status, 0);
    let prove = || card_prove(&card.serial, cert.to_str().unwrap(), pins.to_str().unwrap());
    let o = prove();
    assert_exit(&o, 4);
    assert!(
        stderr(&o).contains("card 0000F002 in Virtual PCD")
            && stderr(&o).contains("in use by another program")
            && stderr(&o).contains("gpgconf --kill scdaemon"),
        "{}",
        stderr(&o)
    );
    drop(gpg); // stops its agent and scdaemon
    let o = prove();
    assert_exit(&o, 0);
    assert_eq!(status_json(&card.serial)["user_pin_tries"], 3);
}

/// Sends raw APDUs to the card in vpcd's reader `slot`, as another tool
/// (gpg --change-pin, a previous owner) would have; returns each status word.
fn apdus(slot: usize, commands: &[&[u8]]) -> Vec<[u8; 2]> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let card = ctx
        .connect(
            &reader_name(&ctx, slot),
            pcsc::ShareMode::Shared,
            pcsc::Protocols::ANY,
        )
        .unwrap();
    let mut out = Vec::new();
    for cmd in commands {
        let mut buf = [0u8; 512];
        let r = card.transmit(cmd, &mut buf).unwrap();
        out.push([r[r.len() - 2], r[r.len() - 1]]);
    }
    let _ = card.disconnect(pcsc::Disposition::LeaveCard);
    out
}

/// Issue 11: an empty card whose user PIN is not the factory one, with one
/// try left. Provisioning used to present the factory user PIN to change it,
/// spending that last try and blocking the card; now the user PIN is set
/// with the admin PIN's authority and gets its full counter back.
#[test]
fn issue11_a_changed_user_pin_with_one_try_left_is_never_tried() {
    let _slots = slots();
    let dir = tempdir();
    let card = VirtualCard::insert(0, "0000F003", &dir.path().join("f3"));
    let select: &[u8] = &[
        0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00,
    ];
    // CHANGE REFERENCE DATA PW1 123456 -> 654321, then two wrong VERIFYs.
    let change: &[u8] = &[
        0x00, 0x24, 0x00, 0x81, 0x0C, b'1', b'2', b'3', b'4', b'5', b'6', b'6', b'5', b'4', b'3',
        b'2', b'1',
    ];
    let wrong: &[u8] = &[
        0x00, 0x20, 0x00, 0x81, 0x06, b'0', b'0', b'0', b'0', b'0', b'0',
    ];
    let sw = apdus(0, &[select, change, wrong, wrong]);
    assert_eq!(sw[..2], [[0x90, 0x00], [0x90, 0x00]], "{sw:02x?}");
    assert_eq!(status_json(&card.serial)["user_pin_tries"], 1);

    let c = ed25519();
    let sheets = [c.sheet(2), c.sheet(4), c.sheet(5)];
    let pins = dir.path().join("f3.pins").display().to_string();
    let o = run_owned(&provision_args(
        c,
        &sheets,
        &["--serial", &card.serial, "--new-pins-to", &pins],
    ));
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("verified against the cert"),
        "{}",
        stdout(&o)
    );
    assert_eq!(status_json(&card.serial)["user_pin_tries"], 3);
}

/// Renew leaves the card as it is (same key material) and proves it: the
/// card signs a challenge that verifies against the renewed cert, recorded in
/// the transcript; gpg then signs with the card and the signature verifies
/// against the renewed cert alone. A physical YubiKey adds touch, if set.
#[test]
fn a_renew_proves_the_card_against_the_renewed_cert_and_gpg_signs_with_it() {
    let _slots = slots();
    pcscd();
    let dir = tempdir();
    let (card, pins) = provisioned_card(dir.path(), "0000B00D");
    let c = ed25519();
    let media = dir.path().join("renew");
    let plan = write_plan(&media, &[]);
    let o = run(&[
        "renew",
        "--plan",
        plan.to_str().unwrap(),
        "--backup",
        c.backups[0].to_str().unwrap(),
        "--card-pins",
        pins.to_str().unwrap(),
        c.sheet(1).to_str().unwrap(),
        c.sheet(3).to_str().unwrap(),
        c.sheet(5).to_str().unwrap(),
    ]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("Card 0000B00D: "), "{}", stdout(&o));
    let export = bundle(&media.join("export"));
    let transcript = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    assert!(transcript.contains("\"event\":\"card.proven\""));
    let cert = export.join("cert.asc");
    let (gpg, user_pin) = card_gpg(&cert, &pins);
    let msg = dir.path().join("release.txt");
    let sig = sign_with_card(&gpg, &user_pin, &msg);
    let verifier = Gpg::new();
    verifier.ok(&["--import", cert.to_str().unwrap()]);
    verifier.ok(&["--verify", &sig, msg.to_str().unwrap()]);
    drop(card);
}

/// A lost card, both choices, on a key whose genesis provisioned it: the
/// subkeys it held are read from that ceremony's transcript; `--keep`
/// records the loss and changes no key; `--rotate` replaces each subkey the
/// card held (the old ones revoked as superseded, as gpg sees). What a
/// physical card adds: nothing, since the card is gone.
#[test]
fn a_lost_card_is_recorded_and_its_subkeys_kept_or_rotated() {
    let _slots = slots();
    pcscd();
    let dir = tempdir();
    let lost_card = VirtualCard::insert(0, "0000D00D", &dir.path().join("d"));
    let remaining = VirtualCard::insert(1, "0000D00E", &dir.path().join("e"));
    let plan = write_plan(
        dir.path(),
        &[
            ("count = 0", "count = 2"),
            (
                "# pins_deliver_to = \"card-pins.txt\"",
                "pins_deliver_to = \"card-pins.txt\"",
            ),
            ("encryption = false", "encryption = true"),
            ("wait_seconds = 120", "wait_seconds = 30"),
        ],
    );
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 0);
    drop(lost_card);
    let genesis_pins = dir.path().join("card-pins.txt");
    let backup = bundle(&dir.path().join("backup-1"));
    let shares = bundle(&dir.path().join("shares"));
    let lost = |decision: &[&str]| {
        let mut args: Vec<String> = ["lost-card", "--serial", "0000D00D"]
            .iter()
            .chain(decision)
            .chain(&["--output-format", "json", "--plan"])
            .map(|a| a.to_string())
            .collect();
        args.push(plan.display().to_string());
        // The newest backup of the key, as an operator opens it.
        let newest = crate::harness::bundles(&dir.path().join("backup-1"))
            .pop()
            .unwrap();
        args.push("--backup".into());
        args.push(newest.display().to_string());
        args.extend(
            ["share-1-of-5.txt", "share-2-of-5.txt", "share-3-of-5.txt"]
                .iter()
                .map(|f| shares.join(f).display().to_string()),
        );
        run_owned(&args)
    };
    let exports = || {
        let mut e: Vec<PathBuf> = std::fs::read_dir(dir.path().join("export"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        e.sort();
        e
    };
    let subs = |cert: &Path| {
        let gpg = Gpg::new();
        gpg.ok(&["--import", cert.to_str().unwrap()]);
        gpg.colons("--list-keys", "sub")
            .into_iter()
            .map(|r| (r[1].clone(), r[4].clone()))
            .collect::<Vec<_>>()
    };
    let before = subs(&exports()[0].join("cert.asc"));

    // Another serial is not this key's card: refused before anything is written.
    let o = run(&[
        "lost-card",
        "--serial",
        "0000FFFF",
        "--keep",
        "--plan",
        plan.to_str().unwrap(),
        "--backup",
        backup.to_str().unwrap(),
    ]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("0000D00D"), "{}", stderr(&o));

    let o = lost(&["--keep"]);
    assert_exit(&o, 0);
    let kept = exports().pop().unwrap();
    let t = std::fs::read_to_string(kept.join("transcript.jsonl")).unwrap();
    assert!(
        t.contains("\"event\":\"card.lost\"") && t.contains("\"decision\":\"keep\""),
        "{t}"
    );
    assert_eq!(subs(&kept.join("cert.asc")), before);

    // Rotate: the new subkeys go onto the remaining card (it holds the old
    // ones, so it is reset without the plan naming it) and a replacement,
    // and both keep the ceremony's PINs.
    let replacement = VirtualCard::insert(0, "0000D00F", &dir.path().join("f"));
    let o = lost(&["--rotate", "--card-pins", genesis_pins.to_str().unwrap()]);
    assert_exit(&o, 0);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let new_cert = exports().pop().unwrap().join("cert.asc");
    let after = subs(&new_cert);
    assert_eq!(after.len(), before.len() * 2, "{after:?}");
    for (_, old) in &before {
        let now = after.iter().find(|(_, id)| id == old).unwrap();
        assert_eq!(
            now.0, "r",
            "subkey {old} the card held is revoked: {after:?}"
        );
    }
    assert_eq!(
        after.iter().filter(|(v, _)| v != "r").count(),
        before.len(),
        "{after:?}"
    );
    let new_signing = after
        .iter()
        .find(|(v, id)| v != "r" && !before.iter().any(|(_, b)| b == id))
        .map(|(_, id)| id.clone())
        .unwrap();
    let cards = report["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2, "{report}");
    let mut serials = Vec::new();
    for c in cards {
        let p = &c["provisioned"];
        assert!(p.is_object(), "every card is provisioned: {report}");
        assert!(
            p["signing"].as_str().unwrap().ends_with(&new_signing),
            "{report}"
        );
        assert_eq!(p["reset"], p["serial"] == "0000D00E", "{report}");
        serials.push(p["serial"].as_str().unwrap().to_owned());
    }
    serials.sort();
    assert_eq!(serials, ["0000D00E", "0000D00F"]);
    // The kept user PIN opens each card, which signs a challenge that
    // verifies against the new cert.
    for serial in ["0000D00E", "0000D00F"] {
        let o = card_prove(
            serial,
            new_cert.to_str().unwrap(),
            genesis_pins.to_str().unwrap(),
        );
        assert_exit(&o, 0);
    }
    drop((remaining, replacement));
}

/// A signing-subkey rotation puts the new subkey on the plan's card within
/// the ceremony: the card, provisioned with the old subkey, is reset for it
/// without the plan naming it, keeps its PINs (`--card-pins`), and gpg signs
/// with it: the signature verifies against the rotated cert and is made by
/// the new subkey, not the revoked one.
#[test]
fn after_a_subkey_rotation_gpg_signs_with_the_new_subkey_on_a_card() {
    let _slots = slots();
    pcscd();
    let dir = tempdir();
    let c = ed25519();
    let (card, pins) = provisioned_card(dir.path(), "0000E0E0");
    let media = dir.path().join("rotate");
    let plan = write_plan(&media, &[("count = 0", "count = 1")]);
    let sheets = [c.sheet(1), c.sheet(2), c.sheet(4)];
    let mut args: Vec<String> = ["subkey", "rotate", "--output-format", "json", "--plan"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(plan.display().to_string());
    args.push("--card-pins".into());
    args.push(pins.display().to_string());
    args.push("--backup".into());
    args.push(c.backups[1].display().to_string());
    args.extend(sheets.iter().map(|p| p.display().to_string()));
    let o = run_owned(&args);
    assert_exit(&o, 0);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let provisioned = &report["cards"][0]["provisioned"];
    assert_eq!(provisioned["serial"], "0000E0E0", "{report}");
    assert_eq!(provisioned["reset"], true, "{report}");
    assert_eq!(provisioned["signing"], report["added"][0], "{report}");
    assert!(
        provisioned["proof"].as_str().unwrap().contains("signature"),
        "{report}"
    );
    let cert = bundle(&media.join("export")).join("cert.asc");

    let (gpg, user_pin) = card_gpg(&cert, &pins);
    let msg = dir.path().join("release.txt");
    let sig = sign_with_card(&gpg, &user_pin, &msg);
    let verifier = Gpg::new();
    verifier.ok(&["--import", cert.to_str().unwrap()]);
    let v = verifier.ok(&["--status-fd", "1", "--verify", &sig, msg.to_str().unwrap()]);
    let status = stdout(&v);
    assert!(status.contains("GOODSIG"), "{status}");
    // The revoked signing subkey's key id is not the one that signed.
    let revoked: Vec<String> = verifier
        .colons("--list-keys", "sub")
        .into_iter()
        .filter(|r| r[1] == "r")
        .map(|r| r[4].clone())
        .collect();
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert!(!status.contains(&revoked[0]), "{status}");
    drop(card);
}

/// The online side with the key on a token: skopeo signs an image through
/// gpgme, gpg-agent and scdaemon with the signing subkey on a virtual card
/// (the user PIN from --sign-passphrase-file, as a CI signer would give
/// it), and enforces a policy whose keyPath is the bundle's keyring. What a
/// physical YubiKey adds: touch, if its policy asks for it, which a signing
/// job must then wait for.
#[test]
fn skopeo_signs_on_a_card_and_the_bundles_keyring_accepts_it() {
    let _slots = slots();
    pcscd();
    let dir = tempdir();
    let c = ed25519();
    let (card, pins) = provisioned_card(dir.path(), "0000C5C5");
    let (gpg, user_pin) = card_gpg(&c.cert(), &pins);
    // As on any new signing machine: gpg learns the card, so that gpgme
    // (which skopeo signs through) finds the secret key on it.
    gpg.ok(&["--card-status"]);
    let pin_file = dir.path().join("user-pin");
    std::fs::write(&pin_file, &user_pin).unwrap();
    let src = dir.path().join("oci");
    crate::harness::oci_image(&src, "signed on a card\n");
    let images = dir.path().join("images");
    std::fs::create_dir_all(&images).unwrap();
    let signed = images.join("app");
    let o = tool("skopeo")
        .env("GNUPGHOME", gpg.home.path())
        .args(["copy", "--quiet", "--sign-by", &c.fingerprint])
        .arg("--sign-passphrase-file")
        .arg(&pin_file)
        .args(["--sign-identity", "example.org/app:v1"])
        .arg(format!("oci:{}:v1", src.display()))
        .arg(format!("dir:{}", signed.display()))
        .output()
        .unwrap();
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(gpg.home.path())
        .args(["--kill", "scdaemon"])
        .output();
    assert_exit(&o, 0);
    let policy = dir.path().join("policy.json");
    let requirement = serde_json::json!({
        "default": [{ "type": "reject" }],
        "transports": { "dir": { images.to_str().unwrap(): [{
            "type": "signedBy",
            "keyType": "GPGKeys",
            "keyPath": c.export.join("keyring.gpg"),
            "signedIdentity": { "type": "exactRepository", "dockerRepository": "example.org/app" }
        }] } }
    });
    std::fs::write(&policy, requirement.to_string()).unwrap();
    let o = crate::harness::skopeo_accepts(&policy, &signed, &dir.path().join("out"));
    assert_exit(&o, 0);
    drop(card);
}
