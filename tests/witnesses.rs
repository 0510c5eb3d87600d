//! Witnesses who countersign on their own cards (#29): each witness's key
//! made by gpg, its signing subkey put on a virtual OpenPGP card of its own
//! (opcard on vpcd, through the real pcscd), the ceremony's statement
//! signed there by keyceremony, checked by `gpg --verify` with the
//! witness's cert, and required by `verify --witnesses DIR --require N`.
//!
//! vpcd has two slots, so two witnesses' cards are in the readers and the
//! third witness's is not: that witness is absent, and a try for them names
//! the cards that are there. A physical card adds its touch (a witness
//! confirms on the card itself) and PIN pad readers; neither changes what
//! is signed.

use std::path::{Path, PathBuf};

use keyceremony::tokens::openpgp_card::{self, CardPins, ProvisionSpec, Touch};
use sequoia_openpgp::parse::Parse;

use crate::harness::*;

const USER_PIN: &str = "246810";
const ADMIN_PIN: &str = "13572468";

/// A witness: their gpg home (holding their secret key), their public
/// cert, their primary fingerprint.
struct WitnessKey {
    name: &'static str,
    gpg: Gpg,
    fpr: String,
    cert: PathBuf,
}

/// A witness's key as a person makes one with gpg: a certify-only primary
/// and a signing subkey, the subkey to go on their card.
fn witness_key(name: &'static str, email: &str, dir: &Path) -> WitnessKey {
    let gpg = Gpg::new();
    let uid = format!("{name} <{email}>");
    gpg.ok(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        &uid,
        "ed25519",
        "cert",
        "2y",
    ]);
    let fpr = gpg.colons("--list-keys", "fpr")[0][9].clone();
    gpg.ok(&[
        "--passphrase",
        "",
        "--quick-add-key",
        &fpr,
        "ed25519",
        "sign",
        "2y",
    ]);
    let cert = dir.join(format!("{}.asc", name.split(' ').next().unwrap()));
    export_keys(&gpg, &cert);
    WitnessKey {
        name,
        gpg,
        fpr,
        cert,
    }
}

/// Puts the witness's signing subkey on the card in the reader (keyceremony's
/// own card writing: gpg's keytocard asks interactively).
fn onto_card(w: &WitnessKey, serial: &str) {
    let o = w
        .gpg
        .ok(&["--passphrase", "", "--export-secret-keys", &w.fpr]);
    let secret = sequoia_openpgp::Cert::from_bytes(&o.stdout).unwrap();
    // Listed once pcscd has settled the readers (a card put in the other
    // slot just now can make this one's look fail once).
    let listed = || {
        openpgp_card::list_cards()
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.serial == serial)
    };
    wait_for(&format!("card {serial} to be listed"), || {
        listed().is_some()
    });
    let ident = listed().unwrap().ident;
    let pins = CardPins {
        user: USER_PIN.into(),
        admin: ADMIN_PIN.into(),
    };
    let spec = ProvisionSpec {
        reset: vec![],
        cardholder: Some(w.name.into()),
        url: None,
        touch: Touch::Off,
        kdf: false,
        signing_role: None,
    };
    openpgp_card::provision(&ident, &secret, &pins, &spec, &mut |_| {}).unwrap();
}

/// The plan's witness tables: each with a PIN file when `pins` says so.
fn witness_tables(dir: &Path, ws: &[&WitnessKey], pins: &[Option<&str>]) -> String {
    let mut t = String::new();
    for (w, pin) in ws.iter().zip(pins) {
        t.push_str(&format!(
            "\n[[ceremony.witness]]\nname = \"{}\"\ncert = \"{}\"\n",
            w.name,
            w.cert.display()
        ));
        if let Some(pin) = pin {
            let file = dir.join(format!("pin-{}", &w.fpr[..8]));
            std::fs::write(&file, format!("{pin}\n")).unwrap();
            t.push_str(&format!("pin_from = \"{}\"\n", file.display()));
        }
    }
    t
}

/// A directory of pinned witness certs.
fn pinned(dir: &Path, name: &str, ws: &[&WitnessKey]) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir(&d).unwrap();
    for w in ws {
        std::fs::copy(&w.cert, d.join(w.cert.file_name().unwrap())).unwrap();
    }
    d
}

fn verify_with(bundle: &Path, fpr: &str, pins: &Path, n: &str) -> std::process::Output {
    run(&[
        "verify",
        bundle.to_str().unwrap(),
        "--trust",
        fpr,
        "--witnesses",
        pins.to_str().unwrap(),
        "--require",
        n,
    ])
}

/// The transcript's `witnesses.signed` outcomes, by witness name.
fn outcomes(bundle: &Path) -> Vec<(String, String, String)> {
    let t = std::fs::read_to_string(bundle.join("transcript.jsonl")).unwrap();
    let e: serde_json::Value = t
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["event"] == "witnesses.signed")
        .expect("no witnesses.signed event");
    e["data"]["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().to_owned(),
                w["outcome"].as_str().unwrap().to_owned(),
                w["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A compromised ceremony machine, which holds the key: it rewrites a
/// bundle's MANIFEST and signs it with the key's signing subkey (as the
/// ceremony does), so that only the witnesses' signatures can tell.
fn resign_manifest(bundle: &Path, secret_key: &Path, passphrase: &str) {
    let gpg = Gpg::new();
    gpg.ok(&[
        "--passphrase",
        passphrase,
        "--import",
        secret_key.to_str().unwrap(),
    ]);
    let mut names: Vec<String> = std::fs::read_dir(bundle)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "MANIFEST" && n != "MANIFEST.asc")
        .collect();
    names.sort();
    let manifest: String = names
        .iter()
        .map(|n| {
            let bytes = std::fs::read(bundle.join(n)).unwrap();
            format!("{}  {n}\n", keyceremony::media::sha256_hex(&bytes))
        })
        .collect();
    std::fs::write(bundle.join("MANIFEST"), manifest).unwrap();
    let subkey = gpg
        .colons("--list-secret-keys", "fpr")
        .get(1)
        .map(|r| r[9].clone())
        .unwrap();
    let _ = std::fs::remove_file(bundle.join("MANIFEST.asc"));
    gpg.ok(&[
        "--passphrase",
        passphrase,
        "--local-user",
        &format!("{subkey}!"),
        "--armor",
        "--detach-sign",
        "--output",
        bundle.join("MANIFEST.asc").to_str().unwrap(),
        bundle.join("MANIFEST").to_str().unwrap(),
    ]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_genesis_and_a_renew_countersigned_on_the_witnesses_cards() {
    let _slots = slots();
    let dir = tempdir();
    let dir = dir.path();
    let wanda = witness_key("Wanda Witness", "wanda@witness.test", dir);
    let walt = witness_key("Walt Witness", "walt@witness.test", dir);
    let wes = witness_key("Wes Witness", "wes@witness.test", dir);
    let _a = VirtualCard::insert(0, "0000B001", &dir.join("card-a"));
    let b = VirtualCard::insert(1, "0000B002", &dir.join("card-b"));
    onto_card(&wanda, "0000B001");
    onto_card(&walt, "0000B002");

    // Genesis: Wanda and Walt sign with their PINs, at the start (what
    // they saw before anything was made) and at the end; Wes gives none
    // (absent).
    let plan = write_plan(
        dir,
        &[(
            "witnesses = [\"First Witness\", \"Second Witness\"]",
            "witnesses = [\"First Witness\", \"Second Witness\"]\nwitnesses_sign_start = true",
        )],
    );
    let mut text = std::fs::read_to_string(&plan).unwrap();
    text.push_str(&witness_tables(
        dir,
        &[&wanda, &walt, &wes],
        &[Some(USER_PIN), Some(USER_PIN), None],
    ));
    std::fs::write(&plan, &text).unwrap();
    let report = genesis_report(&plan);
    let key = report["fingerprint"].as_str().unwrap().to_owned();
    let export = bundle(&dir.join("export"));
    let got = outcomes(&export);
    assert_eq!(
        got.iter()
            .map(|(n, o, _)| (n.as_str(), o.as_str()))
            .collect::<Vec<_>>(),
        [
            ("Wanda Witness", "signed"),
            ("Walt Witness", "signed"),
            ("Wes Witness", "absent")
        ]
    );
    let statement = export.join("witness-statement.txt");
    let st = std::fs::read_to_string(&statement).unwrap();
    assert!(st.starts_with("keyceremony witness statement 1\n"), "{st}");
    assert!(st.contains(&format!("key: {key}")), "{st}");
    // Each signature, as gpg checks it with nothing but the witness's cert;
    // and every backup holds the same files.
    for w in [&wanda, &walt] {
        let sig = export.join(format!("witness-{}.asc", w.fpr));
        let g = Gpg::new();
        g.ok(&["--import", w.cert.to_str().unwrap()]);
        let v = g.run(&[
            "--verify",
            sig.to_str().unwrap(),
            statement.to_str().unwrap(),
        ]);
        assert_exit(&v, 0);
        assert!(
            stderr(&v).contains(&format!("Good signature from \"{}", w.name)),
            "{}",
            stderr(&v)
        );
        for b in ["backup-1", "backup-2"] {
            let copy = bundle(&dir.join(b)).join(format!("witness-{}.asc", w.fpr));
            assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&sig).unwrap());
        }
    }
    assert!(!export.join(format!("witness-{}.asc", wes.fpr)).exists());
    // The start: its own statement (the plan's hash, the air-gap findings)
    // and signatures, on every medium; recorded before anything was made.
    let start = std::fs::read_to_string(export.join("witness-start-statement.txt")).unwrap();
    assert!(
        start.contains("flow: genesis (start)") && start.contains("the air-gap check found"),
        "{start}"
    );
    for w in [&wanda, &walt] {
        let sig = format!("witness-start-{}.asc", w.fpr);
        let g = Gpg::new();
        g.ok(&["--import", w.cert.to_str().unwrap()]);
        g.ok(&[
            "--verify",
            export.join(&sig).to_str().unwrap(),
            export.join("witness-start-statement.txt").to_str().unwrap(),
        ]);
        assert!(bundle(&dir.join("backup-2")).join(&sig).is_file());
    }
    let transcript = std::fs::read_to_string(export.join("transcript.jsonl")).unwrap();
    let stages: Vec<(usize, String)> = transcript
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["event"] == "witnesses.signed")
                .then(|| (i, v["data"]["stage"].as_str().unwrap().to_owned()))
        })
        .collect();
    let made = transcript
        .lines()
        .position(|l| l.contains("\"keys.generated\""))
        .unwrap();
    assert_eq!(stages.len(), 2, "{stages:?}");
    assert!(stages[0].1 == "start" && stages[0].0 < made, "{stages:?}");
    assert_eq!(stages[1].1, "end");
    let t = run(&[
        "transcript",
        "verify",
        export.join("transcript.jsonl").to_str().unwrap(),
    ]);
    assert_exit(&t, 0);
    assert!(
        stdout(&t).contains(&format!(
            "signed: Wanda Witness {}, Walt Witness {}; absent: Wes Witness",
            wanda.fpr, walt.fpr
        )),
        "{}",
        stdout(&t)
    );

    // The online side: two of the three pinned accepted; three required
    // refused, naming who is missing; a signer not pinned counts for nothing.
    let all = pinned(dir, "pinned-all", &[&wanda, &walt, &wes]);
    let ok = verify_with(&export, &key, &all, "2");
    assert_exit(&ok, 0);
    assert!(
        stdout(&ok).contains("Countersigned by 2 of the pinned witnesses (2 required)"),
        "{}",
        stdout(&ok)
    );
    let three = verify_with(&export, &key, &all, "3");
    assert_exit(&three, 5);
    assert!(
        stderr(&three).contains("missing: Wes Witness"),
        "{}",
        stderr(&three)
    );
    let others = pinned(dir, "pinned-walt-wes", &[&walt, &wes]);
    let not_pinned = verify_with(&export, &key, &others, "2");
    assert_exit(&not_pinned, 5);
    assert!(
        stderr(&not_pinned).contains("countersigned by 1 of the pinned witnesses"),
        "{}",
        stderr(&not_pinned)
    );

    // A renew: Wes's PIN is given, but his card is in no reader: the try
    // names the cards that are there, and he is absent.
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let text = text.replace(
        "name = \"Wes Witness\"",
        &format!(
            "name = \"Wes Witness\"\npin_from = \"{}\"",
            dir.join("pin-wes").display()
        ),
    );
    std::fs::write(dir.join("pin-wes"), format!("{USER_PIN}\n")).unwrap();
    std::fs::write(&plan, &text).unwrap();
    let o = renew(&plan, &backup, &sheets(dir, &[1, 2, 3]), &[]);
    assert_exit(&o, 0);
    let renewed = bundles(&dir.join("export")).pop().unwrap();
    let got = outcomes(&renewed);
    assert_eq!(got[0].1, "signed");
    assert_eq!(got[1].1, "signed");
    assert_eq!(got[2].1, "absent");
    assert!(
        got[2]
            .2
            .contains("no card in the readers holds Wes Witness's signing key")
            && got[2].2.contains("card 0000B001 holds"),
        "{got:?}"
    );
    assert_exit(&verify_with(&renewed, &key, &all, "2"), 0);

    // A compromised ceremony machine puts the genesis's statement and
    // signatures into the renew's bundle (it holds the key, so its MANIFEST
    // verifies): refused, the statement is about another ceremony.
    let passphrase = std::fs::read_to_string(dir.join("passphrase.txt")).unwrap();
    // A copy of the renew's bundle, changed by `edit` and its MANIFEST
    // re-signed with the key, is refused by `verify --require` saying `why`.
    let forged_refused = |name: &str, require: &str, edit: &dyn Fn(&Path), why: &str| {
        let copy = dir.join(name);
        copy_dir(&renewed, &copy);
        edit(&copy);
        resign_manifest(&copy, &backup.join("secret-key.asc"), passphrase.trim());
        let r = verify_with(&copy, &key, &all, require);
        assert_exit(&r, 5);
        assert!(stderr(&r).contains(why), "{name}: {}", stderr(&r));
    };
    forged_refused(
        "replayed",
        "2",
        &|copy| {
            for f in std::fs::read_dir(&export).unwrap() {
                let name = f.unwrap().file_name().to_string_lossy().into_owned();
                if name.starts_with("witness-") {
                    std::fs::copy(export.join(&name), copy.join(&name)).unwrap();
                }
            }
        },
        "the witnesses signed another ceremony",
    );
    // ... or edits the statement to fit: it is not the one the witnesses'
    // round recorded (and their signatures no longer verify).
    forged_refused(
        "forged",
        "1",
        &|copy| {
            let st = std::fs::read_to_string(copy.join("witness-statement.txt")).unwrap();
            std::fs::write(
                copy.join("witness-statement.txt"),
                st.replace("done: the renew", "done: the renew (and nothing else)"),
            )
            .unwrap();
        },
        "is not the statement the transcript's witnesses.signed records",
    );
    // ... or keeps the witnesses' genuine signatures and changes a file
    // they did not see (a bundle good for ten more years): refused, the
    // file is not what the transcript recorded (verify's own check, before
    // the witnesses' one says the same of what they saw).
    forged_refused(
        "stretched",
        "2",
        &|copy| {
            let info = std::fs::read_to_string(copy.join("bundle.json")).unwrap();
            let until = serde_json::from_str::<serde_json::Value>(&info).unwrap()["valid_until"]
                .as_str()
                .unwrap()
                .to_owned();
            let later = format!("2036{}", &until[4..]);
            std::fs::write(copy.join("bundle.json"), info.replace(&until, &later)).unwrap();
        },
        "\"bundle.json\" is not a file its ceremony wrote",
    );
    // The key itself pinned as a witness: refused as a mistake of the pins.
    let with_own = pinned(dir, "pinned-with-own", &[&wanda, &walt]);
    std::fs::copy(export.join("cert.asc"), with_own.join("own.asc")).unwrap();
    let r = verify_with(&renewed, &key, &with_own, "2");
    assert_exit(&r, 2);
    assert!(
        stderr(&r).contains("a key does not witness itself"),
        "{}",
        stderr(&r)
    );

    // Walt's card has one PIN try left (two wrong PINs typed elsewhere):
    // keyceremony does not spend it, and Walt is absent, saying why.
    let walt_cert = sequoia_openpgp::Cert::from_file(&walt.cert).unwrap();
    let ident = openpgp_card::list_cards()
        .unwrap()
        .into_iter()
        .find(|c| c.serial == "0000B002")
        .unwrap()
        .ident;
    for _ in 0..2 {
        assert!(openpgp_card::sign(&ident, &walt_cert, b"x", &"999999".into()).is_err());
    }
    assert_eq!(status_json("0000B002")["user_pin_tries"], 1);
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let o = renew(&plan, &backup, &sheets(dir, &[1, 2, 3]), &[]);
    assert_exit(&o, 0);
    let last = bundles(&dir.join("export")).pop().unwrap();
    let got = outcomes(&last);
    assert_eq!(got[1].1, "absent", "{got:?}");
    assert!(got[1].2.contains("will not spend the last one"), "{got:?}");
    assert_eq!(
        status_json("0000B002")["user_pin_tries"],
        1,
        "the last try is not spent"
    );
    let one = verify_with(&last, &key, &all, "2");
    assert_exit(&one, 5);
    assert!(
        stderr(&one).contains("Walt Witness") && stderr(&one).contains("Wes Witness"),
        "{}",
        stderr(&one)
    );

    // The key does not witness itself: its own cert as a witness's is
    // refused before the backup's key is used for anything.
    let own = format!(
        "{text}\n[[ceremony.witness]]\nname = \"The Key Itself\"\ncert = \"{}\"\n",
        export.join("cert.asc").display()
    );
    std::fs::write(&plan, own).unwrap();
    let before = bundles(&dir.join("export")).len();
    let newest = bundles(&dir.join("backup-1")).pop().unwrap();
    let o = renew(&plan, &newest, &sheets(dir, &[1, 2, 3]), &[]);
    assert_exit(&o, 3);
    assert!(
        stderr(&o).contains("this ceremony's own key"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        bundles(&dir.join("export")).len(),
        before,
        "nothing written"
    );
    drop(b);
}

/// The plan's witnesses are checked before any key exists: a secret key
/// given as a cert, two witnesses with one key, a cert that cannot sign.
#[test]
fn a_plans_witnesses_are_checked_before_anything_is_made() {
    let dir = tempdir();
    let dir = dir.path();
    let wanda = witness_key("Wanda Witness", "wanda@witness.test", dir);
    let plan = write_plan(dir, &[]);
    let base = std::fs::read_to_string(&plan).unwrap();
    let try_plan = |tables: &str| {
        std::fs::write(&plan, format!("{base}{tables}")).unwrap();
        run(&["genesis", "--plan", plan.to_str().unwrap()])
    };
    // Twice the same key.
    let o = try_plan(
        &witness_tables(dir, &[&wanda, &wanda], &[None, None]).replacen(
            "name = \"Wanda Witness\"",
            "name = \"Wanda Again\"",
            1,
        ),
    );
    assert_exit(&o, 3);
    assert!(stderr(&o).contains("are one witness"), "{}", stderr(&o));
    // A secret key where the cert goes.
    let secret = dir.join("wanda-secret.asc");
    let s = wanda.gpg.ok(&[
        "--passphrase",
        "",
        "--armor",
        "--export-secret-keys",
        &wanda.fpr,
    ]);
    std::fs::write(&secret, &s.stdout).unwrap();
    let o = try_plan(&format!(
        "\n[[ceremony.witness]]\nname = \"Wanda\"\ncert = \"{}\"\n",
        secret.display()
    ));
    assert_exit(&o, 3);
    assert!(
        stderr(&o).contains("holds secret key material"),
        "{}",
        stderr(&o)
    );
    // Not a cert at all, and a file that is not a file.
    for bad in [dir.join("plan.toml"), dir.to_path_buf()] {
        let o = try_plan(&format!(
            "\n[[ceremony.witness]]\nname = \"Wanda\"\ncert = \"{}\"\n",
            bad.display()
        ));
        assert_exit(&o, 3);
        assert!(
            stderr(&o).contains("ceremony.witness \"Wanda\""),
            "{}",
            stderr(&o)
        );
    }
    // Nothing was made: no ceremony directory on any medium.
    assert!(std::fs::read_dir(dir.join("export")).map_or(true, |mut d| d.next().is_none()));
}

/// A TUI genesis with three witnesses, at 80x24: Wanda types a wrong PIN
/// (told the tries left), then hers, and signs; Walt declines; Wes says he
/// signs, but his card is in no reader (named), so he is recorded absent.
#[test]
fn a_tui_genesis_with_witnesses_each_at_a_screen_of_their_own() {
    use crate::tui::{hand_over_and_rehearse, tui_plan, Tmux};
    let _slots = slots();
    let dir = tempdir();
    let dir = dir.path();
    let wanda = witness_key("Wanda Witness", "wanda@witness.test", dir);
    let walt = witness_key("Walt Witness", "walt@witness.test", dir);
    let wes = witness_key("Wes Witness", "wes@witness.test", dir);
    let _a = VirtualCard::insert(0, "0000B011", &dir.join("card-a"));
    let _b = VirtualCard::insert(1, "0000B012", &dir.join("card-b"));
    onto_card(&wanda, "0000B011");
    onto_card(&walt, "0000B012");
    let plan = tui_plan(dir, "count = 0");
    let mut text = std::fs::read_to_string(&plan).unwrap();
    text.push_str(&witness_tables(
        dir,
        &[&wanda, &walt, &wes],
        &[None, None, None],
    ));
    std::fs::write(&plan, text).unwrap();
    let t = Tmux::new(
        dir,
        &format!(
            "{} tui --plan {}",
            env!("CARGO_BIN_EXE_keyceremony"),
            plan.display()
        ),
        (80, 24),
    );
    t.wait_for("Welcome: choose a ceremony", 10);
    t.key("g");
    t.wait_for("clock:", 10);
    t.key("Enter");
    t.wait_for("1/3 Identity", 5);
    for next in ["2/3 Custodians", "3/3 Media", "Review the plan"] {
        t.key("PageDown");
        t.wait_for(next, 5);
    }
    t.key("y");
    t.wait_for("Start the genesis?", 5);
    t.key("y");
    hand_over_and_rehearse(&t, &|| bundle(&dir.join("shares")));
    let first = t.wait_for("Witness 1 of 3: Wanda Witness", 60);
    assert!(first.contains("keyceremony witness statement 1"), "{first}");
    assert!(first.contains("s sign"), "{first}");
    t.key("s");
    t.text("111111");
    t.key("Enter");
    let wrong = t.wait_for("wrong user PIN", 30);
    assert!(wrong.contains("2 tries left"), "{wrong}");
    assert!(!wrong.contains("111111"), "{wrong}");
    t.key("s");
    t.text(USER_PIN);
    t.key("Enter");
    t.wait_for("Witness 2 of 3: Walt Witness", 30);
    t.key("d");
    t.wait_for("Witness 3 of 3: Wes Witness", 30);
    t.key("s");
    t.text(USER_PIN);
    t.key("Enter");
    let none = t.wait_for("no card in the readers holds", 30);
    assert!(none.contains("Wes Witness"), "{none}");
    t.key("a");
    t.wait_for("Genesis complete", 60);
    drop(t);
    let export = bundle(&dir.join("export"));
    let got = outcomes(&export);
    assert_eq!(
        got.iter()
            .map(|(n, o, _)| (n.as_str(), o.as_str()))
            .collect::<Vec<_>>(),
        [
            ("Wanda Witness", "signed"),
            ("Walt Witness", "declined"),
            ("Wes Witness", "absent")
        ]
    );
    assert!(got[2].2.contains("card 0000B011 holds"), "{got:?}");
    // The right PIN gave Wanda's card its tries back.
    assert_eq!(status_json("0000B011")["user_pin_tries"], 3);
    let g = Gpg::new();
    g.ok(&["--import", wanda.cert.to_str().unwrap()]);
    let sig = export.join(format!("witness-{}.asc", wanda.fpr));
    g.ok(&[
        "--verify",
        sig.to_str().unwrap(),
        export.join("witness-statement.txt").to_str().unwrap(),
    ]);
    assert!(!export.join(format!("witness-{}.asc", walt.fpr)).exists());
}
