//! Every string the TUI shows as chrome: each screen's one-line purpose, the
//! keys it takes (always on the bottom line) and its help. Kept in one place so
//! the wording stays consistent with the glossary and docs/operator-guide.md.

use super::app::{App, CardStage, Flow, Prompt, Screen};

/// The media pages' keys: F2 opens the list of mounted media.
const MEDIA_KEYS: &str =
    "type  Enter next  Space choose  F2 pick medium  PgDn done  Esc back  F1 help";

/// The backup-and-shares pages' keys: F2 picks from the mounted media.
const SOURCE_KEYS: &str =
    "type  Enter next  Up/Down move  F2 pick  PgDn page done  Esc back  F1 help";

/// The purpose line and the keys line of the screen as it stands.
pub fn header(app: &App) -> (&'static str, &'static str) {
    match app.screen {
        Screen::Welcome => (
            "Welcome: choose a ceremony",
            "g r n s c k o h  the ceremony, as listed   ? help   q quit",
        ),
        Screen::Preflight => (
            "Pre-flight: air gap, cards and media",
            "Enter continue  r rescan  m mount sticks  PgUp/PgDn scroll  Esc back  ? help",
        ),
        Screen::Identity => (
            "1/3 Identity and profile of the new key",
            "type  Enter next  Up/Down  Space choose  PgDn page done  Esc back  F1 help",
        ),
        Screen::Custodians if app.flow == Flow::Reshare => (
            "New custodians 1/2: the new share set",
            "type  Enter next  Up/Down move  PgDn page done  Esc back  F1 help",
        ),
        Screen::Media if app.flow == Flow::Reshare => (
            "New custodians 2/2: where the new backups, shares and cert go",
            MEDIA_KEYS,
        ),
        Screen::Certify => (
            "Certify 1/2: the cert, the certification, and who is here",
            "type  Enter next  Up/Down  Space choose  PgDn page done  Esc back  F1 help",
        ),
        Screen::Media if app.flow == Flow::Certify => (
            "Certify 2/2: where the new backups and the certified cert go",
            MEDIA_KEYS,
        ),
        Screen::Rotate => (
            "Rotate 1/4: why the primary is replaced, and the transition",
            "type  Enter next  Up/Down move  PgDn page done  Esc back  F1 help",
        ),
        Screen::RestoreSource if app.flow == Flow::Rotate => (
            "Rotate: the old key's backup and k of its shares",
            SOURCE_KEYS,
        ),
        Screen::Review if app.blocker().is_some() => (
            "Review: this cannot start yet, the reason is below",
            "Esc back to fix it   ? help",
        ),
        Screen::Review if app.flow == Flow::Rotate => (
            "Review the new key and the rotation before anything is written",
            "y start   Esc back   ? help",
        ),
        Screen::History => (
            "History: check a key's transcripts from its genesis",
            "type  Enter next  Up/Down move  PgDn check  Esc back  F1 help",
        ),
        Screen::Custodians => (
            "2/3 Custodians and shares",
            "type  Enter next  Up/Down move  PgDn page done  Esc back  F1 help",
        ),
        Screen::Media if app.flow == Flow::Subkey => {
            ("Subkeys 2/2: where the new backups and cert go", MEDIA_KEYS)
        }
        Screen::Subkey => (
            "Subkeys 1/2: the change, and who is here",
            "type  Enter next  Up/Down  Space choose  PgDn page done  Esc back  F1 help",
        ),
        Screen::Media if app.flow == Flow::Renew => (
            "Renew 2/2: where the renewed backups and cert go",
            MEDIA_KEYS,
        ),
        Screen::Renew => (
            "Renew 1/2: the new expiry, and who is here",
            "type  Enter next  Up/Down move  PgDn page done  Esc back  F1 help",
        ),
        Screen::Media => ("3/3 Media and cards", MEDIA_KEYS),
        Screen::Review if app.flow == Flow::Subkey => (
            "Review the subkey change before anything is written",
            "y start   Esc back   ? help",
        ),
        Screen::Review if app.flow == Flow::Certify => (
            "Review the certification before anything is signed",
            "y start   Esc back   ? help",
        ),
        Screen::Review if app.flow == Flow::Reshare => (
            "Review the reshare before anything is written",
            "y start   Esc back   ? help",
        ),
        Screen::Review if app.flow == Flow::Renew => (
            "Review the renew before anything is written",
            "y start   Esc back   ? help",
        ),
        Screen::Review => (
            "Review the plan before any key exists",
            "y start   Esc back   ? help",
        ),
        Screen::Running => match &app.prompt {
            None => (
                "Ceremony in progress: do not remove any medium",
                "please wait   PgUp/PgDn log   ? help",
            ),
            Some(Prompt::Passphrase {
                revealed: false, ..
            }) => (
                "The passphrase: shown once",
                "y no camera, no copy: show it   ? help",
            ),
            Some(Prompt::Passphrase { .. }) => (
                "The passphrase: shown once",
                "Enter done (the screen is cleared)",
            ),
            Some(Prompt::Share {
                revealed: false, ..
            }) => (
                "Hand over a share: only its custodian at the screen",
                "y the custodian is here: show it   ? help",
            ),
            Some(Prompt::Share { .. }) => (
                "Hand over a share: only its custodian at the screen",
                "Enter taken (the screen is cleared for the next)",
            ),
            Some(Prompt::Typing(_)) => (
                "Restore rehearsal: type shares back from the sheets",
                "type words  Space next  Left/Right fix a word  Enter check  F1 help",
            ),
            Some(Prompt::Pins(_)) => (
                "Card PINs: the same on every card",
                "type the PIN (not shown)   Enter next   F1 help",
            ),
            Some(Prompt::TokenPin { .. }) => (
                "The HSM's user PIN: the cosign key goes into the token",
                "type the PIN (not shown)   Enter done   F1 help",
            ),
            Some(Prompt::CardFailed { .. }) => (
                "A card failed",
                "r retry this card   s skip it (provision later)   ? help",
            ),
        },
        Screen::Done if matches!(app.result, Some(Err(_))) => (
            "Ceremony stopped: what it left, and what to do",
            "b back to the forms (every value kept)   u unmount   q quit   ? help",
        ),
        Screen::Done if app.live => (
            "Ceremony finished",
            "u write out and unmount   P power off   Esc ceremonies   q quit   ? help",
        ),
        Screen::Done => (
            "Ceremony finished",
            "u write out and unmount the sticks   Esc ceremonies   q quit   ? help",
        ),
        Screen::RestoreSource if app.flow == Flow::Subkey => (
            "Subkeys: the backup holding the key and the shares",
            SOURCE_KEYS,
        ),
        Screen::RestoreSource if app.flow == Flow::Certify => (
            "Certify: the backup holding our key and the shares",
            SOURCE_KEYS,
        ),
        Screen::RestoreSource if app.flow == Flow::Reshare => (
            "New custodians: the backup and k shares of the set to retire",
            SOURCE_KEYS,
        ),
        Screen::RestoreSource if app.flow == Flow::Renew => {
            ("Renew: the backup to renew and the shares", SOURCE_KEYS)
        }
        Screen::RestoreSource => ("Restore: the backup and the shares", SOURCE_KEYS),
        Screen::RestoreShares => (
            "Restore: type the shares from their sheets",
            "type words  Space next  Left/Right fix a word  Enter check  Esc back  F1 help",
        ),
        Screen::Unlocking => ("Restore: opening the backup", "please wait"),
        Screen::Restored => (
            "Restore: the backup is open",
            "p provision a replacement card   q quit   ? help",
        ),
        Screen::RestoreCard => match &app.card {
            Some(CardStage::Pins(_)) => (
                "Replacement card: its PINs",
                "type the PIN (not shown)   Enter next   Esc back   F1 help",
            ),
            Some(CardStage::Choose { .. }) => (
                "Replacement card: choose the card",
                "Enter provision   Up/Down choose   r rescan   Esc back   ? help",
            ),
            Some(CardStage::Provisioning) | None => (
                "Replacement card: writing",
                "please wait, leave the card in",
            ),
            Some(CardStage::Finished(_)) => (
                "Replacement card",
                "Enter back   r another card   q quit   ? help",
            ),
        },
    }
}

pub fn help(app: &App) -> &'static str {
    match app.screen {
        Screen::Subkey => "rotate: a new subkey for the role; the old one revoked now as superseded, or, with a date or duration in 'Keep old until', left valid until then. revoke: the subkey named by its fingerprint, as compromised (distrust everything it signed) or retired. lost card: the subkeys the card held (from the transcript that provisioned it) kept, the loss recorded, or all rotated. The primary and its fingerprint never change. New subkeys go onto the cards the media page counts, in this ceremony (you choose their PINs; a card holding this key's earlier subkeys is reset for them), or later with `keyceremony card provision` from the new backup.",
        Screen::Certify => "Our primary signs the other key's user IDs. Name its cert file (as its owner exported it); it is checked first: a self-signature that does not verify, a revoked or an expired cert is refused before any share is used. User IDs: exactly as in the cert, or empty for every valid one. Level 0 makes no claim; 3 says you checked thoroughly. Valid for: empty for no end. A trust depth of 1 makes the key an introducer (a CA) whose certifications count for those who trust ours; a trust domain limits that to addresses in it. The certified cert goes to the export medium; `keyceremony certify` does the same in batch mode.",
        Screen::Rotate => "A new primary key replaces this one. The reason goes into the rotation statement that both keys sign; the transition is how long the old key's signatures are still trusted online (a duration from now or a date). The next pages describe the new key as in a genesis: identity, custodians and share set, media and cards. Each primary certifies the other; the old primary's revocation goes to the new backups, to publish when the transition ends. `keyceremony rotate` does the same in batch mode.",
        Screen::History => "Every ceremony's transcript names the one before by the SHA-256 of its signed transcript. Name a medium holding ceremony directories (the export medium, or a backup medium); their transcripts, oldest first, are checked one by one (chain, signature, key) and as one history from the genesis. One missing, swapped or edited is named. Nothing is written. `keyceremony transcript verify` does the same.",
        Screen::Custodians if app.flow == Flow::Reshare => "The new set: any k of the n new custodians will open the new backups. A new passphrase is made and the key re-encrypted to it; the old shares open none of the new backups, and the backups they still open are listed for destruction at the end. Names are printed on the sheets; an age recipients file makes an encrypted copy of each sheet. Splitting the same passphrase again would leave the old shares working, so a reshare always makes a new one.",
        Screen::Review if app.flow == Flow::Certify || app.flow == Flow::Reshare => "The backup is proven and opened with the shares before anything is written. Esc goes back to change the pages. Nothing is written before you confirm; the confirmation names every medium.",
        Screen::Review if app.flow == Flow::Subkey => "The backup is proven and opened with the shares before anything is written; the change is signed by the primary; the key goes to new backups under the same passphrase, which the same shares must open, and the changed cert to the export medium. `keyceremony subkey` and `keyceremony lost-card` do the same in batch mode.",
        Screen::Renew => "The renewed key keeps its key material: cards need no change, and the custodians' shares go on working. Validity counts from now: 365d, 52w, 2y; an expired key is renewed the same way. Operator and witnesses go into the transcript. Next come the media: a new ceremony directory on every backup medium and the export medium; older directories are never touched.",
        Screen::Review if app.flow == Flow::Renew => "The renew proves the backup (MANIFEST, signatures) and opens it with the shares before writing anything, signs the new expiry with the primary, writes new backups protected by the same passphrase, opens each with the same shares, and exports the renewed cert. `keyceremony renew` does the same in batch mode.",
        Screen::Welcome => "Each ceremony asks for what it needs page by page and writes nothing before its review says what it will do and y starts it; every ceremony on an existing key first proves and opens a backup from k shares. The batch commands (`keyceremony genesis`, `renew`, `restore`, ...) run the same engine.",
        Screen::Preflight => "Every finding of the air-gap check, the OpenPGP cards in the readers and the mounted media. A network interface that is up stops a genesis unless the plan allows it for a rehearsal. It looks again every few seconds; r looks at once. Sticks are listed by label; m mounts every one not mounted yet at /media/LABEL (vfat, exfat or ext4), and their paths then go into the media forms.",
        Screen::Identity => "The user IDs go on the new primary key (the first is the primary user ID). ed25519 makes EdDSA keys with a cv25519 encryption subkey; rsa4096 takes longer and suits older systems. Validity is a number and a unit: 365d, 52w, 2y. The passphrase protecting the backup is a BIP39 mnemonic. Operator and witnesses go into the transcript.",
        Screen::Custodians => "Any k of the n custodians restore the passphrase; fewer learn nothing. Names are printed on the sheets. An age recipients file (one age1... per line, in custodian order) makes an encrypted copy of each sheet for its custodian: press Enter on that field to read it.",
        Screen::Media if app.picker.is_some() => "Mounted media: Up/Down choose, Enter puts the medium into the field the cursor was on (added to the backup media, or in place of the export or share-sheet path), Esc closes. Each line shows the label, the free and total space, and the device: two backups on one device are one backup.",
        Screen::Media => "Backup media receive the encrypted key, revocation and cert; use two or more sticks. The export medium goes online and gets public material only. Share sheets go to a print directory or a stick of their own. Cards receive the same subkeys; you choose their PINs on screen. Touch 'fixed' cannot be undone without a reset. F2 lists the mounted media (label, free space, device) to pick from instead of typing paths: b adds the medium to the backups, e makes it the export medium, s the share sheets' place, and the list stays open for the next; Enter puts it into the field you are on. A cosign key for container images can go into an HSM: choose pkcs11, give the module (OpenSC's is in the live image) and the token's label; its PIN is asked when the ceremony starts. A key file (for a CI secret store) needs the plan's [cosign] section.",
        Screen::Review => "This is what the ceremony will do. Esc goes back to change it. Nothing is written before you confirm; the confirmation names every medium and card.",
        Screen::Running => "The engine runs the same steps as `keyceremony genesis`. Every file is written, synced and read back. The passphrase is shown once; each share is shown to its custodian alone, and the screen is cleared after each. The rehearsal opens every backup with the shares you type back. For cards, choose PINs (user 6+, admin 8+ characters); a card that fails can be retried or skipped and provisioned later from a restore. For a cosign key in an HSM, type the token's user PIN when asked: it is checked before any key exists, and a token with one try left is refused before the PIN is sent.",
        Screen::Done if matches!(app.result, Some(Err(_))) => "The ceremony stopped. The message says why, which directories it left on the media and what to do with them (a new key's backups and shares that no export names must be destroyed). b goes back to where this run started, every value still in its form: fix the cause (a medium, a card) and start again; a new run writes new directories.",
        Screen::Done => "u writes everything out to the sticks and unmounts them, so that they can be pulled out; on the live image P powers the machine off after the same, and q asks first while a stick is still mounted. Esc goes back to the ceremonies. Hand each custodian their share sheet. The transcript on the export medium is signed; check it online with `keyceremony transcript verify`. The fingerprint is shown as text and as a QR code to compare with the online side.",
        Screen::RestoreSource => "Name the ceremony directory on a backup medium (it holds secret-key.asc and shares.json), or press F2 to pick it from those on the mounted media; on the share files field F2 picks sheets and age files found there, one after another. Share files may be sheets (.txt) or age files (.txt.age, with the custodian's identity file); leave the field empty to type shares in.",
        Screen::RestoreShares => "Type each share's words from its sheet. Four letters name a BIP39 word, so typing stops there and the word completes; a letter no word has is refused at once. Enter checks the share: a wrong or missing word is located by its checksum.",
        Screen::Unlocking => "Combining the shares, checking them against the backup's check value, and opening the secret key.",
        Screen::Restored => "The backup is open in memory only. Provision a replacement card for a lost one; the card gets the same subkeys as the others.",
        Screen::RestoreCard => "The card gets the signing (and encryption, authentication) subkeys, PINs, cardholder data, and proves itself by a signature. A card that holds keys is reset only after you confirm its serial.",
    }
}

/// The help popup: a table of the screen's keys (from its keys line, so the
/// two never disagree), then what the screen is for.
/// The ceremonies the welcome screen offers, by their keys: its list and
/// its help are this one table.
pub const CEREMONIES: [(&str, &str); 8] = [
    (
        "g",
        "Genesis: a new primary key, its subkeys, backups, shares, cards",
    ),
    (
        "r",
        "Restore: k shares open a backup; provision a replacement card",
    ),
    (
        "n",
        "Renew: k shares open a backup; the same key gets a new expiry",
    ),
    ("s", "Subkeys: rotate or revoke a subkey, or a lost card"),
    (
        "c",
        "Certify: our primary vouches for another key's user IDs",
    ),
    (
        "k",
        "New custodians: a new passphrase and share set, the old set retired",
    ),
    (
        "o",
        "Rotate: a new primary key replaces this one, signed over by both",
    ),
    (
        "h",
        "History: check a key's transcripts from its genesis (writes nothing)",
    ),
];

pub fn help_text(app: &App) -> String {
    let (_, keys) = header(app);
    let mut rows: Vec<(String, String)> = keys
        .split("  ")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|entry| {
            // The leading tokens that name keys: one character, or a key's
            // name (Enter, Esc, PgDn, F1, Up/Down...).
            let key_like =
                |t: &str| t.chars().count() == 1 || t.starts_with(|c: char| c.is_ascii_uppercase());
            let tokens: Vec<&str> = entry.split(' ').collect();
            let n = tokens.iter().take_while(|t| key_like(t)).count();
            (tokens[..n].join(" "), tokens[n..].join(" "))
        })
        .collect();
    // The welcome line names the ceremonies' keys together; the help gives
    // each its own row.
    if let Some(i) = rows.iter().position(|(k, _)| k == "g r n s c k o h") {
        // Its words ("the ceremony, as listed") parse as a row of their own.
        let end = if rows.get(i + 1).is_some_and(|(k, _)| k.is_empty()) {
            i + 1
        } else {
            i
        };
        rows.splice(
            i..=end,
            CEREMONIES
                .iter()
                .map(|(k, what)| ((*k).to_owned(), (*what).to_owned())),
        );
    }
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::from("Keys on this screen:\n");
    for (key, what) in &rows {
        out.push_str(&format!("  {key:<width$}  {what}\n"));
    }
    out.push('\n');
    out.push_str(help(app));
    out
}
