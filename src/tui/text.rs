//! Every string the TUI shows as chrome: each screen's one-line purpose, the
//! keys it takes (always on the bottom line) and its help. Kept in one place so
//! the wording stays consistent with the glossary and docs/operator-guide.md.

use super::app::{App, CardStage, Flow, Prompt, Screen};
use super::flows::{page_help, page_title};
use super::forms::{Kind, Page};

/// The media pages' keys: F2 opens the list of mounted media.
const MEDIA_KEYS: &str =
    "type  Enter next  Space choose  F2 pick medium  PgDn done  Esc back  F1 help";

/// The backup-and-shares pages' keys: F2 picks from the mounted media.
const SOURCE_KEYS: &str =
    "type  Enter next  Up/Down move  F2 pick  PgDn page done  Esc back  F1 help";

/// A form page's keys: the media pick from a list, choices cycle.
fn page_keys(app: &App, page: Page) -> &'static str {
    match page {
        Page::Media => MEDIA_KEYS,
        Page::Restore => SOURCE_KEYS,
        Page::History => "type  Enter next  Up/Down move  PgDn check  Esc back  F1 help",
        _ if app
            .forms
            .get(page)
            .fields
            .iter()
            .any(|f| matches!(f.kind, Kind::Choice(_))) =>
        {
            "type  Enter next  Up/Down  Space choose  PgDn page done  Esc back  F1 help"
        }
        _ => "type  Enter next  Up/Down move  PgDn page done  Esc back  F1 help",
    }
}

/// The purpose line and the keys line of the screen as it stands.
pub fn header(app: &App) -> (&'static str, &'static str) {
    match app.screen {
        Screen::Welcome if app.draft_offer.is_some() => (
            "Welcome: choose a ceremony",
            "g r n s c k o h  the ceremony, as listed   d the draft   ? help   q quit",
        ),
        Screen::Welcome => (
            "Welcome: choose a ceremony",
            "g r n s c k o h  the ceremony, as listed   ? help   q quit",
        ),
        Screen::Preflight => (
            "Pre-flight: air gap, cards and media",
            "Enter continue  r rescan  m mount sticks  PgUp/PgDn scroll  Esc back  ? help",
        ),
        Screen::Form(page) => (
            app.flow.spec().title(page).unwrap_or(page_title(page)),
            page_keys(app, page),
        ),
        Screen::Review if app.blocker().is_some() => (
            "Review: this cannot start yet, the reason is below",
            "Esc back to fix it   ? help",
        ),
        Screen::Review => (
            app.flow.spec().review_title(),
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
            Some(Prompt::Witness { pin: None, .. }) => (
                "A witness countersigns the ceremony on their own card",
                "s sign   d decline   a absent   ? help",
            ),
            Some(Prompt::Witness { .. }) => (
                "A witness countersigns the ceremony on their own card",
                "type the PIN (not shown)   Enter sign   Esc back   F1 help",
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
        Screen::Form(Page::Media) if app.picker.is_some() => super::flows::genesis::PICKER_HELP,
        Screen::Form(page) => app.flow.spec().help(page).unwrap_or(page_help(page)),
        Screen::Review => app.flow.spec().review_help(),
        Screen::Welcome => "Each ceremony asks for what it needs page by page and writes nothing before its review says what it will do and y starts it; every ceremony on an existing key first proves and opens a backup from k shares. The batch commands (`keyceremony genesis`, `renew`, `restore`, ...) run the same engine.",
        Screen::Preflight => "Every finding of the air-gap check, the OpenPGP cards in the readers and the mounted media. A network interface that is up stops a genesis unless the plan allows it for a rehearsal. It looks again every few seconds; r looks at once. Sticks are listed by label; m mounts every one not mounted yet at /media/LABEL (vfat, exfat or ext4), and their paths then go into the media forms.",
        Screen::Running if matches!(app.prompt, Some(Prompt::Witness { .. })) => "Each witness the plan names with their cert countersigns the ceremony here, alone at the screen: read the statement (which ceremony, which key, the transcript's SHA-256, what was done), then s, insert your own card and type its PIN: it is signed on your card and checked against your cert. A card that is not yours is named; a wrong PIN says how many tries are left; a card with one try left is never tried. d declines, a records you as absent; either way the transcript says so. The signature goes beside the transcript on every medium; `gpg --verify` checks it with your cert (docs/witnesses.md).",
        Screen::Running => "The engine runs the same steps as `keyceremony genesis`. Every file is written, synced and read back. The passphrase is shown once; each share is shown to its custodian alone, and the screen is cleared after each. The rehearsal opens every backup with the shares you type back. For cards, choose PINs (user 6+, admin 8+ characters); a card that fails can be retried or skipped and provisioned later from a restore. For a cosign key in an HSM, type the token's user PIN when asked: it is checked before any key exists, and a token with one try left is refused before the PIN is sent.",
        Screen::Done if matches!(app.result, Some(Err(_))) => "The ceremony stopped. The message says why, which directories it left on the media and what to do with them (a new key's backups and shares that no export names must be destroyed). b goes back to where this run started, every value still in its form: fix the cause (a medium, a card) and start again; a new run writes new directories.",
        Screen::Done => "u writes everything out to the sticks and unmounts them, so that they can be pulled out; on the live image P powers the machine off after the same, and q asks first while a stick is still mounted. Esc goes back to the ceremonies. Hand each custodian their share sheet. The transcript on the export medium is signed; check it online with `keyceremony transcript verify`. The fingerprint is shown as text and as a QR code to compare with the online side.",
        Screen::RestoreShares => "Type each share's words from its sheet. Four letters name a BIP39 word, so typing stops there and the word completes; a letter no word has is refused at once. Enter checks the share: a wrong or missing word is located by its checksum.",
        Screen::Unlocking => "Combining the shares, checking them against the backup's check value, and opening the secret key.",
        Screen::Restored => "The backup is open in memory only. Provision a replacement card for a lost one; the card gets the same subkeys as the others.",
        Screen::RestoreCard => "The card gets the signing (and encryption, authentication) subkeys, PINs, cardholder data, and proves itself by a signature. A card that holds keys is reset only after you confirm its serial.",
    }
}

/// The help popup: a table of the screen's keys (from its keys line, so the
/// two never disagree), then what the screen is for.
/// The ceremonies the welcome screen offers, by their keys: its list and
/// its help are this one table, each flow's own words.
pub fn ceremonies() -> Vec<(String, &'static str)> {
    Flow::ALL
        .iter()
        .map(|f| (f.spec().key().to_string(), f.spec().describe()))
        .collect()
}

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
            ceremonies()
                .into_iter()
                .map(|(k, what)| (k, what.to_owned())),
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
