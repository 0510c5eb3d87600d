//! Two-person release signing (issue 30): signing roles on separate cards,
//! and policies that need a signature from each.
//!
//! The key is made with the default role ("release") and a named one
//! ("approve"), each its own signing subkey on its own virtual OpenPGP card
//! (opcard on vpcd, through pcscd). Images are pushed to Debian's
//! docker-registry on 127.0.0.1 and signed by skopeo through gpg and
//! scdaemon with the cards, the second person's signature added with
//! `skopeo standalone-sign` into the lookaside (signature-2), as
//! docs/two-person.md tells; a node installs the bundle and pulls with the
//! system's policy, as podman or CRI-O would. What a physical YubiKey adds:
//! touch on each signature (the plan's cards.touch) and a person holding it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

/// The example plan's edits for the approve role on `approve_cards` cards,
/// the default role on `release_cards`, and `scope` required of both roles.
fn two_person_edits(
    release_cards: usize,
    approve_cards: usize,
    online: &str,
    two_person: &str,
) -> Vec<(String, String)> {
    vec![
        ("count = 0".into(), format!("count = {release_cards}")),
        (
            "# pins_deliver_to = \"card-pins.txt\"".into(),
            "pins_deliver_to = \"card-pins.txt\"".into(),
        ),
        ("wait_seconds = 120".into(), "wait_seconds = 30".into()),
        (
            "# [[subkeys.role]]\n# name = \"approve\"\n# cards = 1".into(),
            format!("[[subkeys.role]]\nname = \"approve\"\ncards = {approve_cards}"),
        ),
        ("scopes = []".into(), online.into()),
        (
            "# two_person = [\"registry.example.org/team\"]".into(),
            format!("two_person = [\"{two_person}\"]"),
        ),
    ]
}

fn as_edits(e: &[(String, String)]) -> Vec<(&str, &str)> {
    e.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// The example plan with `two_person_edits`.
fn two_person_plan(
    dir: &Path,
    release_cards: usize,
    approve_cards: usize,
    online: &str,
    two_person: &str,
) -> PathBuf {
    let e = two_person_edits(release_cards, approve_cards, online, two_person);
    write_plan(dir, &as_edits(&e))
}

/// `o` exited with `code` and its error says `what`.
fn exits_saying(o: &std::process::Output, code: i32, what: &str) {
    assert_exit(o, code);
    assert!(stderr(o).contains(what), "{}", stderr(o));
}

/// The command `args` with three of the genesis's share sheets after them.
fn with_shares(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(
        sheets(dir, &[1, 2, 3])
            .iter()
            .map(|p| p.display().to_string()),
    );
    run_owned(&all)
}

/// One person's gpg: a home whose scdaemon reaches the card in the reader
/// (stubs made by --card-status), whose pinentry answers the card's user
/// PIN as the person would type it.
fn card_holder(dir: &Path, cert: &Path, pins: &Path, name: &str) -> Gpg {
    let gpg = Gpg::with_cards();
    let user_pin = std::fs::read_to_string(pins)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("user-pin: ").map(str::to_owned))
        .unwrap();
    let pinentry = dir.join(format!("pinentry-{name}"));
    std::fs::write(
        &pinentry,
        format!(
            "#!/bin/sh\necho 'OK ready'\nwhile IFS= read -r l; do case \"$l\" in GETPIN*) echo 'D {user_pin}'; echo OK;; BYE*) echo OK; exit 0;; *) echo OK;; esac; done\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &pinentry,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(
        gpg.home.path().join("gpg-agent.conf"),
        format!("pinentry-program {}\n", pinentry.display()),
    )
    .unwrap();
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    gpg.ok(&["--card-status"]);
    gpg
}

/// scdaemon keeps the reader open: stopped after each person signs, so
/// that cards can be swapped.
fn done_signing(gpg: &Gpg) {
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(gpg.home.path())
        .args(["--kill", "scdaemon"])
        .output();
}

/// The second person's signature on an image already pushed (and signed
/// once): `skopeo standalone-sign` over the registry's manifest, written as
/// the lookaside's signature-2, as docs/two-person.md has it.
fn add_signature(gpg: &Gpg, fpr: &str, reference: &str, sigs: &Path) {
    let work = tempdir();
    let manifest = work.path().join("manifest.json");
    let bytes = manifest_of(reference);
    std::fs::write(&manifest, &bytes).unwrap();
    let digest = keyceremony::media::sha256_hex(&bytes);
    let (repo, _) = reference
        .split_once('/')
        .unwrap()
        .1
        .split_once(':')
        .unwrap();
    let at = sigs.join(format!("{repo}@sha256={digest}"));
    assert!(
        at.join("signature-1").exists(),
        "the first signature is in the lookaside"
    );
    let o = tool("skopeo")
        .env("GNUPGHOME", gpg.home.path())
        .arg("standalone-sign")
        .arg(&manifest)
        .args([reference, fpr, "-o"])
        .arg(at.join("signature-2"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    // The check docs/two-person.md gives before upload: made by `fpr`.
    let o = tool("skopeo")
        .env("GNUPGHOME", gpg.home.path())
        .arg("standalone-verify")
        .arg(&manifest)
        .args([reference, fpr])
        .arg(at.join("signature-2"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
}

/// The release and approve roles on their own cards, through a registry: one
/// role's signature is not enough, nor two of one role, one of each is; a
/// lost approve card rotated leaves the release card working and the old
/// approve signature refused; gpg and sq show each role's subkey.
#[test]
fn a_two_person_scope_needs_a_signature_from_each_role_through_a_lost_card() {
    let _slots = slots();
    pcscd();
    let registry = Registry::start();
    let host = registry.host();
    let dir = tempdir();
    let dir = dir.path();
    let (sigs, online) = lookaside(dir, &host);
    let plan = two_person_plan(dir, 1, 1, &online, &host);

    // Card A takes the default role (first in reader order), B approve.
    let a = VirtualCard::insert(0, "0000B001", &dir.join("a"));
    let b = VirtualCard::insert(1, "0000B002", &dir.join("b"));
    let report = genesis_report(&plan);
    let cards = report["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2, "{report:#}");
    assert_eq!(cards[0]["provisioned"]["serial"], "0000B001");
    assert!(cards[0]["provisioned"].get("signing_role").is_none());
    assert_eq!(cards[1]["provisioned"]["serial"], "0000B002");
    assert_eq!(cards[1]["provisioned"]["signing_role"], "approve");
    let signing = |role: Option<&str>| -> Vec<String> {
        report["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["role"] == "signing" && k["signing_role"].as_str() == role)
            .map(|k| k["fingerprint"].as_str().unwrap().to_owned())
            .collect()
    };
    let (release_fpr, approve_fpr) = (
        signing(None)[0].clone(),
        signing(Some("approve"))[0].clone(),
    );
    assert_ne!(release_fpr, approve_fpr);
    assert_eq!(status_json("0000B001")["signing"], release_fpr.as_str());
    assert_eq!(status_json("0000B002")["signing"], approve_fpr.as_str());

    let first = bundles(&dir.join("export")).pop().unwrap();
    let cert = first.join("cert.asc");
    let pins = dir.join("card-pins.txt");
    // gpg and sq show each role on its subkey's binding.
    let gpg = Gpg::new();
    gpg.ok(&["--import", cert.to_str().unwrap()]);
    let listing = stdout(&gpg.ok(&[
        "--list-sigs",
        "--list-options",
        "show-notations",
        &approve_fpr,
    ]));
    assert!(
        listing.contains("signing-role@keyceremony.invalid=approve"),
        "{listing}"
    );
    // sq's packet dump: each subkey with its binding, the approve one's
    // naming its role, the release one's no role.
    let o = tool("sq")
        .args(["packet", "dump"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let dump = stdout(&o);
    let section = |fpr: &str| {
        dump.split("Public-Subkey Packet")
            .find(|s| s.contains(fpr))
            .unwrap_or_else(|| panic!("{fpr} not in {dump}"))
            .to_owned()
    };
    let approve_binding = section(&approve_fpr);
    assert!(
        approve_binding.contains("signing-role@keyceremony.invalid")
            && approve_binding.contains("approve"),
        "{approve_binding}"
    );
    assert!(!section(&release_fpr).contains("signing-role@"), "{dump}");
    // The bundle: a keyring per role, each with its role's subkey only.
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("bundle.json")).unwrap()).unwrap();
    assert_eq!(info["signing_roles"], serde_json::json!(["approve"]));
    assert_eq!(info["two_person"], serde_json::json!([host]));

    // A second release card, C, from the backup (the default role).
    let (_, b_state) = b.pull();
    let c = VirtualCard::insert(1, "0000B003", &dir.join("c"));
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let o = with_shares(
        dir,
        &[
            "card",
            "provision",
            "--serial",
            "0000B003",
            "--pins",
            pins.to_str().unwrap(),
            "--backup",
            backup.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);

    // gpg's scdaemon is given one card at a time, as a person signs with
    // theirs, in the first reader (GnuPG 2.2's scdaemon uses only that one).
    let (_, c_state) = c.pull();

    // Images: signed by release only; by two release cards; by one of each.
    let image = |name: &str| {
        let src = dir.join(format!("oci-{name}"));
        oci_image(&src, &format!("release {name}\n"));
        src
    };
    let release_a = card_holder(dir, &cert, &pins, "a");
    let one = format!("{host}/app:release-only");
    let same = format!("{host}/app:two-release-cards");
    let both = format!("{host}/app:both");
    for r in [&one, &same, &both] {
        push(
            &image(r.rsplit(':').next().unwrap()),
            r,
            Some((&release_a, &release_fpr)),
            &sigs,
            None,
        );
    }
    done_signing(&release_a);
    let (_, a_state) = a.pull();
    let c = VirtualCard::insert(0, "0000B003", &c_state);
    let release_c = card_holder(dir, &cert, &pins, "c");
    add_signature(&release_c, &release_fpr, &same, &sigs);
    done_signing(&release_c);
    drop(c);
    let b = VirtualCard::insert(0, "0000B002", &b_state);
    let approve_b = card_holder(dir, &cert, &pins, "b");
    add_signature(&approve_b, &approve_fpr, &both, &sigs);
    done_signing(&approve_b);

    let state = dir.join("node-state.json");
    let s = state.to_str().unwrap();
    let (install, pulls, err) = node(&first, &["--state", s], &[&one, &same, &both]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(code(&pulls, &both), 0, "one signature of each role: {err}");
    assert_ne!(
        code(&pulls, &one),
        0,
        "the release role alone passed: {err}"
    );
    assert_ne!(code(&pulls, &same), 0, "two release cards passed: {err}");

    // Card B is lost: only the approve role is rotated; its new subkey
    // goes onto card D, and card A, in the other reader, is left alone.
    drop(b);
    let a = VirtualCard::insert(0, "0000B001", &a_state);
    let d = VirtualCard::insert(1, "0000B004", &dir.join("d"));
    let o = with_shares(
        dir,
        &[
            "lost-card",
            "--serial",
            "0000B002",
            "--rotate",
            "--card-pins",
            pins.to_str().unwrap(),
            "--output-format",
            "json",
            "--plan",
            plan.to_str().unwrap(),
            "--backup",
            backup.to_str().unwrap(),
        ],
    );
    exits_saying(
        &o,
        0,
        "card 0000B001 holds the release role's subkey: left alone",
    );
    let lost: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let added = lost["added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "the approve subkey only: {lost:#}");
    let new_approve = added[0].as_str().unwrap().to_owned();
    let cards = lost["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 1, "{lost:#}");
    assert_eq!(cards[0]["provisioned"]["serial"], "0000B004");
    assert_eq!(status_json("0000B004")["signing"], new_approve.as_str());
    assert_eq!(
        status_json("0000B001")["signing"],
        release_fpr.as_str(),
        "the release card kept its subkey"
    );
    let second = bundles(&dir.join("export")).pop().unwrap();
    let new_cert = second.join("cert.asc");

    // The release card still signs; with the new approve card, accepted.
    let (_, d_state) = d.pull();
    let after = format!("{host}/app:after-the-loss");
    let release_a = card_holder(dir, &new_cert, &pins, "a2");
    push(
        &image("after-the-loss"),
        &after,
        Some((&release_a, &release_fpr)),
        &sigs,
        None,
    );
    done_signing(&release_a);
    drop(a);
    let d = VirtualCard::insert(0, "0000B004", &d_state);
    let approve_d = card_holder(dir, &new_cert, &pins, "d");
    add_signature(&approve_d, &new_approve, &after, &sigs);
    done_signing(&approve_d);
    drop(d);
    let (install, pulls, err) = node(&second, &["--state", s], &[&both, &after]);
    assert_eq!(install, 0, "{err}");
    assert_eq!(
        code(&pulls, &after),
        0,
        "release card and new approve card: {err}"
    );
    assert_ne!(
        code(&pulls, &both),
        0,
        "the lost card's approve signature still passed: {err}"
    );
}

/// The online side holds the roles it saw: a later bundle that stops
/// requiring two people is refused by the state, and a keyring holding
/// another role's subkey is refused whoever signed the bundle.
#[test]
fn a_bundle_that_drops_two_person_signing_or_mixes_roles_is_refused() {
    let dir = tempdir();
    let dir = dir.path();
    let scope = "registry.example.org/team";
    let online = format!("scopes = [\"{scope}\"]");
    let plan = two_person_plan(dir, 0, 0, &online, scope);
    let o = run(&["genesis", "--plan", plan.to_str().unwrap()]);
    assert_exit(&o, 0);
    let first = bundles(&dir.join("export")).pop().unwrap();
    let fragment: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.join("containers-policy.json")).unwrap())
            .unwrap();
    let reqs = fragment["transports"]["docker"][scope].as_array().unwrap();
    let paths: Vec<&str> = reqs
        .iter()
        .map(|r| r["keyPath"].as_str().unwrap())
        .collect();
    let fpr = fingerprint(&first);
    assert_eq!(
        paths,
        [
            format!("/etc/pki/containers/keyceremony-{fpr}.gpg"),
            format!("/etc/pki/containers/keyceremony-{fpr}-role-approve.gpg"),
        ],
        "{fragment:#}"
    );
    let state = dir.join("state.json");
    let s = state.to_str().unwrap();
    assert_exit(&verify(&first, &["--state", s]), 0);

    // Installed: both keyrings, each its role's subkey alone, as gpg reads them.
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let o = run(&[
        "install",
        first.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--trust",
        &fpr,
    ]);
    assert_exit(&o, 0);
    let keys_in = |name: String| {
        let g = Gpg::new();
        g.ok(&[
            "--import",
            root.join("etc/pki/containers").join(name).to_str().unwrap(),
        ]);
        g.colons("--list-keys", "fpr")
            .into_iter()
            .map(|r| r[9].clone())
            .collect::<Vec<_>>()
    };
    let release = keys_in(format!("keyceremony-{fpr}.gpg"));
    let approve = keys_in(format!("keyceremony-{fpr}-role-approve.gpg"));
    assert_eq!((release.len(), approve.len()), (1, 1));
    assert_ne!(release, approve);

    // A renew whose plan no longer names the scope as two-person would make
    // a bundle every node that saw this one refuses: the ceremony refuses it
    // before writing anything.
    let one_person = plan.with_file_name("one-person.toml");
    std::fs::write(
        &one_person,
        std::fs::read_to_string(&plan)
            .unwrap()
            .replace(&format!("two_person = [\"{scope}\"]"), ""),
    )
    .unwrap();
    let backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let o = renew(&one_person, &backup, &sheets(dir, &[1, 2, 3]), &[]);
    exits_saying(&o, 2, "required two people's signatures");
    // A mistyped role would be required by every node for good: refused.
    let o = subkey(
        &["subkey", "rotate", "--signing-role", "aprove"],
        &plan,
        &backup,
        &sheets(dir, &[1, 2, 3]),
    );
    exits_saying(&o, 2, "has no signing role \"aprove\"");
    assert_eq!(
        bundles(&dir.join("export")).len(),
        1,
        "nothing was exported"
    );

    // A bundle that continues the accepted one but drops two-person
    // signing, signed with the key (its holder, careless or hostile): the
    // node's state refuses it.
    let accepted = std::fs::read(first.join("bundle.json")).unwrap();
    let dropped = altered(&first, &dir.join("dropped"), "bundle.json", |b| {
        let mut info: serde_json::Value = serde_json::from_slice(b).unwrap();
        let digest = keyceremony::media::sha256_hex(&accepted);
        let o = info.as_object_mut().unwrap();
        o.remove("two_person");
        o.insert("sequence".into(), 2.into());
        o.insert("previous_bundle_sha256".into(), digest.clone().into());
        o.insert("ancestors".into(), serde_json::json!([digest]));
        *b = serde_json::to_vec_pretty(&info).unwrap();
    });
    resign(dir, &dropped);
    let o = verify(&dropped, &["--state", s]);
    exits_saying(&o, 5, "no longer requires two people's signatures");
    // Without a state, with the policy fragment forged to match, it is
    // still not the bundle the ceremony wrote: the transcript, which only
    // the primary signs, records another bundle.json (a release card
    // alone signs a MANIFEST, not a transcript).
    let policy = dropped.join("containers-policy.json");
    let mut fragment: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&policy).unwrap()).unwrap();
    fragment["transports"]["docker"][scope]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    std::fs::write(&policy, serde_json::to_vec_pretty(&fragment).unwrap()).unwrap();
    resign(dir, &dropped);
    let o = verify(&dropped, &["--trust", &fpr]);
    exits_saying(&o, 5, "\"bundle.json\" is not a file its ceremony wrote");

    // keyring.gpg replaced by the approve role's keyring and the bundle
    // signed again with the key itself: one role would count as the other.
    let mixed = altered(&first, &dir.join("mixed"), "keyring.gpg", |b| {
        *b = std::fs::read(first.join("keyring-approve.gpg")).unwrap()
    });
    resign(dir, &mixed);
    let o = verify(&mixed, &["--trust", &fpr]);
    exits_saying(&o, 5, "of the approve role, not of the release role");

    // The MANIFEST signed by the approve role's subkey: one person's card
    // does not speak for a ceremony.
    let approve_fpr = approve[0].clone();
    let by_approver = altered(&first, &dir.join("by-approver"), "MANIFEST", |_| {});
    resign_by(dir, &by_approver, "passphrase.txt", Some(&approve_fpr));
    let o = verify(&by_approver, &["--trust", &fpr]);
    exits_saying(&o, 5, "the approve role's subkey");

    // A plan with a one-person scope inside the two-person one is refused
    // before anything is made (containers would apply only its rule).
    let nested = plan.with_file_name("nested.toml");
    std::fs::write(
        &nested,
        std::fs::read_to_string(&plan).unwrap().replace(
            &format!("scopes = [\"{scope}\"]"),
            &format!("scopes = [\"{scope}\", \"{scope}/app\"]"),
        ),
    )
    .unwrap();
    let o = run(&["plan", "check", nested.to_str().unwrap()]);
    exits_saying(&o, 3, "most specific scope");

    // A rotation of the primary: the new key has the plan's roles, and
    // while the transition lasts each role's installed keyring holds the
    // old key's subkey of that role beside the new one's.
    let old_backup = bundles(&dir.join("backup-1")).pop().unwrap();
    let e = two_person_edits(0, 0, &online, scope);
    let (_, report) = rotate_edited(dir, &old_backup, &as_edits(&e));
    let new_fpr = report["fingerprint"].as_str().unwrap().to_owned();
    let rotated = bundles(&dir.join("export")).pop().unwrap();
    let o = run(&[
        "install",
        rotated.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--state",
        s,
    ]);
    assert_exit(&o, 0);
    let both = keys_in(format!("keyceremony-{new_fpr}-role-approve.gpg"));
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        both.contains(&approve[0]),
        "the old key's approve subkey: {both:?}"
    );
    assert!(
        !both.iter().any(|k| release.contains(k)),
        "no release subkey in the approve keyring: {both:?}"
    );
}
