//! Every screen, in each of its states, rendered to ratatui's `TestBackend`
//! at 80x24 and 120x40: its purpose and keys are on screen, what it must show
//! is there, and nothing outside ASCII is drawn but the QR code's half blocks.

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use zeroize::Zeroizing;

use super::draw;
use crate::ceremony::{CardDecision, CardState};
use crate::media::removable::Stick;
use crate::plan::{Plan, EXAMPLE_PLAN};
use crate::shares::{sheet, split};
use crate::tokens::openpgp_card::CardInfo;
use crate::tui::app::{Action, App, CardStage, Command, EngineMsg, Request, Scan, Screen, Summary};
use crate::tui::forms::Page;
use crate::tui::text;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn render(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn app(screen: Screen) -> App {
    let text = EXAMPLE_PLAN.replace("# allow_network = true", "allow_network = true");
    let mut a = App::new(
        Plan::from_toml(&text).unwrap(),
        "plan.toml".into(),
        "/tmp".into(),
    );
    a.screen = screen;
    a.scan = Some(Scan {
        report: crate::airgap::check(
            std::path::Path::new("/nonexistent"),
            std::time::SystemTime::now(),
        ),
        cards: Ok(vec![CardInfo::example("0000000A")]),
        media: vec!["/media/backup-1".into()],
        sticks: vec![
            Stick {
                label: "KC-BACKUP2".into(),
                device: "/dev/sdc1".into(),
                mounted_at: None,
            },
            Stick {
                label: "KEYCEREMONY".into(),
                device: "/dev/sda".into(),
                mounted_at: None,
            },
        ],
        choices: vec![
            crate::media::Mounted {
                path: "/media/KC-BACKUP1".into(),
                label: Some("KC-BACKUP1".into()),
                free: 1_900_000_000,
                total: 2_000_000_000,
                device: 0x811,
            },
            crate::media::Mounted {
                path: "/media/KC-BACKUP2".into(),
                label: Some("KC-BACKUP2".into()),
                free: 7_400_000_000,
                total: 8_000_000_000,
                device: 0x821,
            },
        ],
        backups: vec![(
            "/media/KC-BACKUP1/ceremony-20261125T070901Z".into(),
            "key 0123456789ABCDEF  Release <r@acme.example>  expires 2028-11-25  genesis ceremony-20261125T070901Z".into(),
        )],
        share_files: vec![
            "/media/KC-SHARE1/ceremony-20261125T070901Z/share-1-of-3.txt".into(),
            "/media/KC-SHARE2/ceremony-20261125T070901Z/share-2-of-3.txt".into(),
        ],
        sets: Default::default(),
        failed: vec!["/media/KC-BACKUP1/FAILED-ceremony-20261201T000000Z".into()],
    });
    a
}

fn ask(a: &mut App, r: Request) {
    a.update(Action::Engine(EngineMsg::Ask(r)));
}

fn summary() -> Summary {
    Summary {
        heading: "Genesis complete".into(),
        fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567".into(),
        ceremony_id: "ceremony-1".into(),
        lines: vec!["Backup: /b".into()],
    }
}

/// One app per screen state that has a look of its own.
fn every_state() -> Vec<(&'static str, App)> {
    let set = split(&[9u8; 16], 2, 3).unwrap();
    let share = set.shares[1].clone();
    let mut v: Vec<(&str, App)> = [
        Screen::Welcome,
        Screen::Preflight,
        Screen::Form(Page::Identity),
        Screen::Form(Page::Custodians),
        Screen::Form(Page::Media),
        Screen::Review,
        Screen::Running,
        Screen::Form(Page::Restore),
        Screen::Unlocking,
        Screen::Form(Page::Renew),
        Screen::Form(Page::Subkey),
        Screen::Form(Page::Certify),
        Screen::Form(Page::History),
        Screen::Form(Page::Rotate),
    ]
    .into_iter()
    .map(|s| ("plain", app(s)))
    .collect();
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::Passphrase(Zeroizing::new("abandon ability able about".into())),
    );
    v.push(("passphrase gate", a));
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::Passphrase(Zeroizing::new("abandon ability able about".into())),
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('y'))));
    v.push(("passphrase", a));
    for reveal in [false, true] {
        let mut a = app(Screen::Running);
        ask(
            &mut a,
            Request::Share {
                share: share.clone(),
                custodian: "Alice".into(),
                qr: sheet::qr_terminal(&share).unwrap(),
            },
        );
        if reveal {
            a.update(Action::Key(KeyEvent::from(KeyCode::Char('y'))));
        }
        v.push((if reveal { "share" } else { "share gate" }, a));
    }
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::Rehearsal {
            set: set.info.clone(),
            problem: None,
        },
    );
    v.push(("rehearsal", a));
    let mut a = app(Screen::Running);
    ask(&mut a, Request::CardPins);
    v.push(("pins", a));
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::CardFailed {
            number: 2,
            error: "card 0000000B was removed".into(),
        },
    );
    v.push(("card failed", a));
    let mut a = app(Screen::Running);
    for (n, state) in [
        (
            1,
            CardState::Proven {
                serial: "0000000A".into(),
                proof: "signature verified".into(),
            },
        ),
        (
            2,
            CardState::Step {
                serial: "0000000B".into(),
                step: "importing the Signing key".into(),
            },
        ),
        (3, CardState::Waiting { seconds: 120 }),
    ] {
        a.update(Action::Engine(EngineMsg::Card {
            number: n,
            total: 3,
            state,
        }));
    }
    v.push(("cards", a));
    let mut a = app(Screen::Done);
    a.result = Some(Ok(summary()));
    v.push(("done", a));
    let mut a = app(Screen::Restored);
    a.restored = Some(Ok(summary()));
    v.push(("restored", a));
    let mut a = app(Screen::RestoreShares);
    a.update(Action::RestoreLoaded(Ok((set.info.clone(), vec![]))));
    v.push(("restore shares", a));
    for stage in 0..4 {
        let mut a = app(Screen::RestoreCard);
        a.card = Some(match stage {
            0 => CardStage::Pins(Default::default()),
            1 => CardStage::Choose {
                cards: Ok(vec![CardInfo::example("0000000A")]),
                selected: 0,
            },
            2 => CardStage::Provisioning,
            _ => CardStage::Finished(Ok("0000000A signature verified".into())),
        });
        v.push(("card", a));
    }
    v
}

#[test]
fn every_screen_shows_its_purpose_and_keys_at_80x24_and_120x40() {
    for (name, a) in every_state() {
        let (purpose, keys) = text::header(&a);
        for (w, h) in SIZES {
            let out = render(&a, w, h);
            let first = out.lines().next().unwrap();
            let last = out.lines().last().unwrap();
            assert!(first.contains(purpose), "{name} {w}x{h}:\n{out}");
            assert!(
                last.contains(keys.trim()),
                "{name} {w}x{h}: keys cut off:\n{out}"
            );
            assert!(
                out.chars().all(|c| c.is_ascii() || "█▀▄".contains(c)),
                "{name} {w}x{h}: not console-safe:\n{out}"
            );
        }
    }
}

#[test]
fn the_keys_line_fits_80_columns_on_every_screen() {
    for (name, a) in every_state() {
        let (_, keys) = text::header(&a);
        assert!(keys.len() <= 80, "{name}: {keys}");
    }
}

#[test]
fn a_secret_appears_only_after_the_gate() {
    let states = every_state();
    let find = |n: &str| &states.iter().find(|(name, _)| *name == n).unwrap().1;
    let gate = render(find("passphrase gate"), 80, 24);
    assert!(
        !gate.contains("abandon") && gate.contains("Press y"),
        "{gate}"
    );
    let shown = render(find("passphrase"), 80, 24);
    assert!(
        shown.contains("1 abandon") && shown.contains("4 about"),
        "{shown}"
    );
    let share_gate = render(find("share gate"), 80, 24);
    assert!(
        share_gate.contains("Share 2 of 3 is for Alice"),
        "{share_gate}"
    );
}

#[test]
fn a_share_shows_numbered_words_and_its_qr_where_it_fits() {
    let states = every_state();
    let a = &states.iter().find(|(n, _)| *n == "share").unwrap().1;
    let Some(crate::tui::app::Prompt::Share { share, .. }) = &a.prompt else {
        panic!()
    };
    let words = share.to_words();
    let small = render(a, 80, 24);
    assert!(small.contains(&format!(" 18 {}", words[17])), "{small}");
    assert!(small.contains("needs a larger terminal"), "{small}");
    let large = render(a, 120, 40);
    assert!(
        large.contains('█') && !large.contains("needs a larger"),
        "{large}"
    );
}

#[test]
fn typing_a_share_shows_each_word_and_flags_a_wrong_letter_with_its_position() {
    let mut a = every_state()
        .into_iter()
        .find(|(n, _)| *n == "rehearsal")
        .unwrap()
        .1;
    for c in "aban zq".chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let out = render(&a, 80, 24);
    assert!(out.contains("1 abandon"), "{out}");
    assert!(
        out.contains("word 2: no BIP39 word starts with \"zq\""),
        "{out}"
    );
}

/// Moved back to a word, the screen marks it and shows the replacement
/// being typed over it.
#[test]
fn a_word_moved_back_to_shows_what_replaces_it() {
    let mut a = every_state()
        .into_iter()
        .find(|(n, _)| *n == "rehearsal")
        .unwrap()
        .1;
    for c in "aban pear ".chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    a.update(Action::Key(KeyEvent::from(KeyCode::Left)));
    for c in "orbi".chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let out = render(&a, 80, 24);
    assert!(out.contains("[pear] orbi_"), "{out}");
    assert!(out.contains("word 2: orbit (Space takes it)"), "{out}");
}

#[test]
fn pins_are_masked() {
    let mut a = app(Screen::Running);
    ask(&mut a, Request::CardPins);
    for c in "135791".chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let out = render(&a, 80, 24);
    assert!(out.contains("******") && !out.contains("135791"), "{out}");
}

#[test]
fn the_done_screen_has_the_fingerprint_as_text_and_qr_when_wide() {
    let mut a = app(Screen::Done);
    a.result = Some(Ok(summary()));
    let out = render(&a, 120, 40);
    assert!(
        out.contains("Primary fingerprint: 0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567"),
        "{out}"
    );
    assert!(out.contains('█'), "{out}");
}

#[test]
fn a_form_names_the_wrong_field_and_the_review_what_will_run() {
    let mut a = app(Screen::Form(Page::Identity));
    a.forms.get_mut(Page::Identity).focus = 4;
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('x'))));
    let out = render(&a, 80, 24);
    assert!(out.contains("Primary valid for: the duration"), "{out}");
    let out = render(&app(Screen::Review), 80, 24);
    assert!(
        out.contains("Example Release Signing") && out.contains("split 3 of 5"),
        "{out}"
    );
    assert!(out.contains("Press y to start."), "{out}");
}

#[test]
fn help_and_confirmations_are_drawn_over_the_screen() {
    let mut a = app(Screen::Preflight);
    a.help = true;
    assert!(render(&a, 80, 24).contains("help: any key closes"));
    let mut a = app(Screen::Review);
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('y'))));
    let out = render(&a, 80, 24);
    assert!(
        out.contains("confirm") && out.contains("Start the genesis?"),
        "{out}"
    );
}

#[test]
fn a_card_decision_reaches_the_engine_as_typed() {
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::CardFailed {
            number: 1,
            error: "x".into(),
        },
    );
    let cmd = a.update(Action::Key(KeyEvent::from(KeyCode::Char('s'))));
    assert!(matches!(
        cmd,
        crate::tui::app::Command::Reply(crate::tui::app::Reply::Decision(CardDecision::Skip))
    ));
}

#[test]
fn each_card_has_a_line_with_where_it_stands() {
    let a = every_state()
        .into_iter()
        .find(|(n, _)| *n == "cards")
        .unwrap()
        .1;
    for (w, h) in SIZES {
        let out = render(&a, w, h);
        assert!(out.contains("card 1 of 3  0000000A: done"), "{out}");
        assert!(
            out.contains("card 2 of 3  0000000B: importing the Signing key"),
            "{out}"
        );
        assert!(out.contains("card 3 of 3  insert it now"), "{out}");
        // The log has the batch wording too.
        assert!(
            out.contains("insert card 3 of 3 (waiting up to 120 s"),
            "{out}"
        );
    }
}

#[test]
fn the_renew_screens_say_what_is_renewed_and_where_it_goes() {
    let mut a = app(Screen::Form(Page::Renew));
    a.flow = crate::tui::app::Flow::Renew;
    let out = render(&a, 80, 24);
    assert!(
        out.contains("Renew 1/2") && out.contains("Primary valid for"),
        "{out}"
    );
    a.screen = Screen::Review;
    a.restore_backup = "/media/b1/ceremony-20261123T072716Z".into();
    let out = render(&a, 80, 24);
    assert!(
        out.contains("Key from:   /media/b1/ceremony-20261123T072716Z")
            && out.contains("valid 365d from now (until 20")
            && out.contains("Press y to start."),
        "{out}"
    );
    // Picked from the list: the key it holds is named (#28); a network
    // override shows.
    a.restore_backup = "/media/KC-BACKUP1/ceremony-20261125T070901Z".into();
    a.plan.airgap.allow_network = true;
    let out = render(&a, 100, 30);
    assert!(
        out.contains("Key:        key 0123456789ABCDEF  Release <r@acme.example>")
            && out.contains("Network:    allowed"),
        "{out}"
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('y'))));
    assert!(render(&a, 80, 24).contains("Start the renew?"));
}

#[test]
fn pre_flight_lists_sticks_by_label_and_offers_to_mount_them_but_not_the_boot_stick() {
    let out = render(&app(Screen::Preflight), 100, 30);
    assert!(
        out.contains("[stick] KC-BACKUP2 not mounted: m mounts it at /media/KC-BACKUP2"),
        "{out}"
    );
    assert!(!out.contains("KEYCEREMONY"), "{out}");
    // What a failed ceremony left is named, with what to do.
    assert!(
        out.contains("[failed] /media/KC-BACKUP1/FAILED-ceremony-20261201T000000Z: what a"),
        "{out}"
    );
    let mut a = app(Screen::Preflight);
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('m')))),
        crate::tui::app::Command::MountSticks
    ));
    a.screen = Screen::Done;
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('u')))),
        crate::tui::app::Command::UnmountSticks
    ));
}

/// Every line of a mount or unmount is on screen: the pre-flight after `m`
/// (not only the last three), the finished screen after `u` (which stick may
/// be pulled out).
#[test]
fn every_stick_s_mount_and_unmount_line_is_on_screen() {
    let report: Vec<String> = (1..=5)
        .map(|i| format!("KC-STICK{i} written out and unmounted from /media/KC-STICK{i}: it can be pulled out"))
        .collect();
    let mut a = app(Screen::Preflight);
    a.update(Action::MediaReport(report.clone()));
    let out = render(&a, 120, 40);
    for l in &report[..] {
        assert!(out.contains(l.as_str()), "{l}: {out}");
    }
    a.screen = Screen::Done;
    a.result = Some(Ok(crate::tui::app::Summary {
        heading: "Genesis complete".into(),
        ceremony_id: "ceremony-20261205T000000Z".into(),
        fingerprint: "A".repeat(40),
        lines: vec!["Backups: /media/KC-STICK1".into()],
    }));
    let out = render(&a, 120, 40);
    for i in 1..=5 {
        let l = format!("KC-STICK{i} written out and unmounted from /media/KC-STICK{i}");
        assert!(out.contains(&l), "{l}: {out}");
    }
}

/// The media picker lists each mounted medium with its label, free space
/// and device, and F2, Down, Enter puts the second into the backup field
/// after what was there.
#[test]
fn the_media_picker_shows_label_free_space_and_device_and_fills_the_field() {
    let mut a = app(Screen::Form(Page::Media));
    let before = a.forms.get(Page::Media).value(0).to_owned();
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    assert!(a.picker.is_some());
    let screen = render(&a, 100, 30);
    assert!(
        screen.contains("/media/KC-BACKUP1  KC-BACKUP1  1.9 GB free of 2.0 GB  device 8:17"),
        "{screen}"
    );
    assert!(
        screen.contains("KC-BACKUP2  7.4 GB free of 8.0 GB"),
        "{screen}"
    );
    assert!(screen.contains("F2 pick medium"), "{screen}");
    a.update(Action::Key(KeyEvent::from(KeyCode::Down)));
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert!(a.picker.is_none());
    assert_eq!(
        a.forms.get(Page::Media).value(0),
        format!("{before}; /media/KC-BACKUP2")
    );
    // On the export field, the pick replaces the path.
    a.forms.get_mut(Page::Media).focus = 1;
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert_eq!(a.forms.get(Page::Media).value(1), "/media/KC-BACKUP1");
    // F2 looks again at what is mounted; `r` in the list does too, and a
    // stick mounted since shows up in the open list.
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::F(2)))),
        Command::Rescan
    ));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('r')))),
        Command::Rescan
    ));
    let mut fresh = a.scan.take().unwrap();
    let mut third = fresh.choices[0].clone();
    third.path = "/media/KC-LATE".into();
    fresh.choices.push(third);
    a.update(Action::Scan(fresh));
    assert!(render(&a, 100, 30).contains("/media/KC-LATE"));
    a.update(Action::Key(KeyEvent::from(KeyCode::Esc)));
    // Nothing mounted: F2 rescans, then says what to do.
    let mut empty = a.scan.take().unwrap();
    empty.choices.clear();
    a.scan = Some(empty);
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    let mut empty = a.scan.take().unwrap();
    empty.choices.clear();
    a.update(Action::Scan(empty));
    assert!(a.picker.is_none());
    assert!(a
        .forms
        .get(Page::Media)
        .problem
        .as_ref()
        .unwrap()
        .1
        .contains("mount them"));
}

/// In the media picker a letter says what a medium is for, whatever field
/// the cursor is on, and the list stays open on the next medium: one F2 for
/// all of a ceremony's media. At 80 columns the title names the letters.
#[test]
fn the_media_picker_takes_each_medium_by_a_letter() {
    let mut a = app(Screen::Form(Page::Media));
    for f in &mut a.forms.get_mut(Page::Media).fields[..3] {
        f.input.value.clear();
    }
    // What is mounted shows on the page itself at 80x24 (#28: only its
    // heading fitted).
    let page = render(&a, 80, 24);
    assert!(
        page.contains("Mounted media (F2 picks): /media/KC-BACKUP1, /media/KC-BACKUP2"),
        "{page}"
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    let screen = render(&a, 80, 24);
    assert!(screen.contains("b backup, e export, s sheets"), "{screen}");
    for c in ['b', 'e'] {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
        assert!(a.picker.is_some(), "the list stays open after {c}");
    }
    assert_eq!(a.picker.as_ref().unwrap().selected, 1, "stops at the last");
    a.update(Action::Key(KeyEvent::from(KeyCode::Up)));
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('s'))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('x'))));
    assert!(a.picker.is_some(), "other letters do nothing");
    a.update(Action::Key(KeyEvent::from(KeyCode::Esc)));
    assert!(a.picker.is_none());
    assert_eq!(a.forms.get(Page::Media).value(0), "/media/KC-BACKUP1");
    assert_eq!(a.forms.get(Page::Media).value(1), "/media/KC-BACKUP2");
    assert_eq!(a.forms.get(Page::Media).value(2), "/media/KC-BACKUP1");
    // A second backup is added to the list, not put in place of the first.
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Down)));
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('b'))));
    assert_eq!(
        a.forms.get(Page::Media).value(0),
        "/media/KC-BACKUP1; /media/KC-BACKUP2"
    );
}

/// Below 80x24 no screen is drawn cut off: the operator is told the size
/// needed (at 50 columns the passphrase's words would be clipped).
#[test]
fn a_terminal_too_small_is_told_so_instead_of_clipping() {
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::Passphrase(Zeroizing::new("abandon ability able about".into())),
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('y'))));
    let out = render(&a, 50, 20);
    assert!(
        out.contains("needs at least") && out.contains("80x24"),
        "{out}"
    );
    assert!(!out.contains("abandon"), "{out}");
    let out = render(&a, 80, 24);
    assert!(out.contains("abandon"), "{out}");
}

/// The review names the rehearsal overrides, the cardholder and URL, and
/// offers no `y` when the plan cannot start.
#[test]
fn the_review_shows_overrides_and_offers_no_start_when_blocked() {
    let mut a = app(Screen::Review);
    a.plan.cards.cardholder = Some("Release Team".into());
    a.plan.cards.url = Some("https://example.org/key.asc".into());
    a.plan.media.allow_same_device = true;
    let out = render(&a, 120, 40);
    assert!(out.contains("Cardholder: Release Team"), "{out}");
    assert!(
        out.contains("Cert URL:   https://example.org/key.asc"),
        "{out}"
    );
    assert!(
        out.contains("Network:    allowed (a rehearsal only"),
        "{out}"
    );
    assert!(out.contains("Backups:    may share one disk"), "{out}");
    a.plan.passphrase.deliver_to = Some("p.txt".into());
    let out = render(&a, 120, 40);
    assert!(out.contains("Cannot start:"), "{out}");
    assert!(
        out.contains("Esc back to fix it") && !out.contains("y start"),
        "{out}"
    );
}

/// A required field left empty is not "fine": the form says it is needed.
#[test]
fn an_empty_required_field_is_named_not_called_fine() {
    let a = app(Screen::Form(Page::Restore));
    let out = render(&a, 100, 30);
    assert!(
        out.contains("Backup directory: needed before this page can go on"),
        "{out}"
    );
    assert!(!out.contains("Every field is fine"), "{out}");
}

/// At 120x40 the finished screen's long share paths wrap in their column
/// and never run into the QR code beside them.
#[test]
fn long_paths_on_the_finished_screen_stay_clear_of_the_qr_code() {
    let mut a = app(Screen::Done);
    let mut s = summary();
    let long = format!(
        "/media/{}/ceremony-20261125T070901Z",
        "KC-SHARES-CUSTODIAN".repeat(4)
    );
    s.lines = (1..=5)
        .map(|i| format!("  sheet     {long}/share-{i}-of-5.txt"))
        .collect();
    a.result = Some(Ok(s));
    let out = render(&a, 120, 40);
    assert!(out.contains('█'), "{out}");
    for line in out.lines() {
        let qr_side: String = line.chars().skip(120 - 43).collect();
        assert!(
            !qr_side.contains('/') && !qr_side.contains("share"),
            "{out}"
        );
    }
    assert!(out.contains("share-5-of-5.txt"), "{out}");
}

/// A pre-flight list longer than the screen scrolls with PgDn, and the
/// verdict stays at its top when not scrolled.
#[test]
fn the_preflight_list_scrolls() {
    let mut a = app(Screen::Preflight);
    let top = render(&a, 80, 24);
    let first_finding = a.scan.as_ref().unwrap().report.findings[0].check;
    assert!(top.contains(first_finding), "{top}");
    a.update(Action::Key(KeyEvent::from(KeyCode::PageDown)));
    assert_eq!(a.scroll, 10);
    let scrolled = render(&a, 80, 24);
    assert_ne!(scrolled, top);
    a.update(Action::Key(KeyEvent::from(KeyCode::PageUp)));
    assert_eq!(render(&a, 80, 24), top);
}

/// Help opens with a table of the screen's keys, then the prose.
#[test]
fn help_starts_with_a_table_of_the_screens_keys() {
    let mut a = app(Screen::Preflight);
    a.help = true;
    let out = render(&a, 120, 40);
    assert!(out.contains("Keys on this screen:"), "{out}");
    for row in ["Enter", "continue", "PgUp/PgDn", "scroll", "Esc", "back"] {
        assert!(out.contains(row), "{row}: {out}");
    }
    let mut a = app(Screen::Welcome);
    a.help = true;
    let out = render(&a, 120, 40);
    // Each ceremony's key on its own row, with its meaning beside it.
    for row in [
        "|g  Genesis: a new primary key",
        "|o  Rotate: a new primary key replaces this one",
        "|q  quit",
    ] {
        assert!(out.contains(row), "{row}: {out}");
    }
    assert!(
        !out.contains("|g r n s c k o h") && !out.contains("|the ceremony, as listed"),
        "{out}"
    );
}

/// The restore form picks too: the backup from the ceremony directories on
/// the mounted media, share files one after another.
#[test]
fn the_restore_form_picks_the_backup_and_the_share_files() {
    let mut a = app(Screen::Form(Page::Restore));
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    let out = render(&a, 100, 30);
    assert!(
        out.contains("> /media/KC-BACKUP1/ceremony-20261125T070901Z")
            && out.contains("key 0123456789ABCDEF  Release <r@acme.example>  expires 2028-11-25"),
        "{out}"
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert_eq!(
        a.forms.get(Page::Restore).value(0),
        "/media/KC-BACKUP1/ceremony-20261125T070901Z"
    );
    a.forms.get_mut(Page::Restore).focus = 1;
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Down)));
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    // The one already picked is marked as such.
    let out = render(&a, 120, 30);
    assert!(
        out.contains("KC-SHARE2/ceremony-20261125T070901Z/share-2-of-3.txt  (picked)")
            && !out.contains("share-1-of-3.txt  (picked)"),
        "{out}"
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    let both = "/media/KC-SHARE2/ceremony-20261125T070901Z/share-2-of-3.txt; /media/KC-SHARE1/ceremony-20261125T070901Z/share-1-of-3.txt";
    assert_eq!(a.forms.get(Page::Restore).value(1), both);
    // Picked again: taken once.
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert_eq!(a.forms.get(Page::Restore).value(1), both);
    // A sheet of another share set (another key's) is listed after the
    // backup's own, and said to be that.
    let scan = a.scan.as_mut().unwrap();
    let backup = "/media/KC-BACKUP1/ceremony-20261125T070901Z";
    let other = "/media/KC-SHARE1/ceremony-20261125T070901Z/share-1-of-3.txt";
    scan.sets.insert(backup.into(), "AAAA-BBBB".into());
    scan.sets.insert(other.into(), "CCCC-DDDD".into());
    scan.sets.insert(
        "/media/KC-SHARE2/ceremony-20261125T070901Z/share-2-of-3.txt".into(),
        "AAAA-BBBB".into(),
    );
    let items = a.picker_items();
    assert!(items[0].0.contains("share-2-of-3.txt") && !items[0].0.contains("another"));
    assert!(
        items[1].0.contains(other) && items[1].0.contains("another share set: not this backup's"),
        "{items:?}"
    );
}

/// The running log scrolls: PgUp shows earlier lines with a note of how
/// many newer ones are below, End returns to the newest.
#[test]
fn the_running_log_scrolls_back() {
    use crate::tui::app::EngineMsg;
    let mut a = app(Screen::Running);
    for i in 0..100 {
        a.update(Action::Engine(EngineMsg::Line(format!("log line {i:03}"))));
    }
    let out = render(&a, 80, 24);
    assert!(
        out.contains("log line 099") && !out.contains("log line 050"),
        "{out}"
    );
    assert!(out.contains("PgUp/PgDn log"), "{out}");
    for _ in 0..5 {
        a.update(Action::Key(KeyEvent::from(KeyCode::PageUp)));
    }
    let out = render(&a, 80, 24);
    assert!(!out.contains("log line 099"), "{out}");
    assert!(out.contains("log line 049"), "{out}");
    assert!(out.contains("(50 newer lines below: PgDn, End)"), "{out}");
    a.update(Action::Key(KeyEvent::from(KeyCode::End)));
    let out = render(&a, 80, 24);
    assert!(out.contains("log line 099"), "{out}");
}

/// A long value (300 characters: several user IDs) is taken whole, and the
/// field shows its end, where the typing is, instead of stopping at the
/// screen's edge.
#[test]
fn a_field_takes_long_values_and_shows_where_the_typing_is() {
    let mut a = app(Screen::Form(Page::Identity));
    a.forms.get_mut(Page::Identity).fields[0]
        .input
        .value
        .clear();
    let long: String = (0..300)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    for c in long.chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('Z'))));
    assert_eq!(a.forms.get(Page::Identity).value(0).len(), 301);
    let out = render(&a, 80, 24);
    assert!(out.contains("Z_"), "{out}");
}

/// A plan with a cosign key says on the review where the key goes.
#[test]
fn the_review_names_the_cosign_key_and_where_it_goes() {
    let mut a = app(Screen::Review);
    assert!(!render(&a, 100, 30).contains("cosign:"));
    a.plan.cosign = crate::plan::CosignSpec::Pkcs11(crate::plan::Pkcs11Cosign {
        module: "/usr/lib/softhsm/libsofthsm2.so".into(),
        token: "release".into(),
        label: "cosign".into(),
        pin_from: None,
        generate_on_device: true,
        ca: Default::default(),
    });
    let out = render(&a, 100, 30);
    assert!(
        out.contains("cosign:     token \"release\" through /usr/lib/softhsm/libsofthsm2.so"),
        "{out}"
    );
    assert!(out.contains("made in the"), "{out}");
    // The TUI asks for the token's PIN: no PIN file is needed to start.
    assert!(out.contains("Press y to start."), "{out}");
}

/// A token's PIN is typed once, shown as stars, and handed to the engine
/// on Enter (an empty one is not); the screen names the token.
#[test]
fn the_token_pin_is_masked_and_handed_over_once() {
    use crate::tui::app::{Command, Reply};
    use secrecy::ExposeSecret;
    let mut a = app(Screen::Running);
    ask(&mut a, Request::TokenPin("release".into()));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Enter))),
        Command::None
    ));
    for c in "4711pin".chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let out = render(&a, 80, 24);
    assert!(out.contains("token \"release\""), "{out}");
    assert!(
        out.contains("User PIN: *******_") && !out.contains("4711"),
        "{out}"
    );
    assert!(out.contains("The HSM's user PIN"), "{out}");
    match a.update(Action::Key(KeyEvent::from(KeyCode::Enter))) {
        Command::Reply(Reply::TokenPin(pin)) => assert_eq!(pin.expose_secret(), "4711pin"),
        other => panic!("{other:?}"),
    }
}

/// The media page's last fields (the cosign key) fit at 80x24.
#[test]
fn the_media_page_shows_the_cosign_fields_at_80x24() {
    let out = render(&app(Screen::Form(Page::Media)), 80, 24);
    for label in [
        "cosign key",
        "HSM module",
        "HSM token",
        "YubiKeys (PIV)",
        "PIV PINs to",
    ] {
        assert!(out.contains(label), "{label}: {out}");
    }
}

/// #24: on the live image the finished screen powers the machine off (after
/// a confirmation naming what happens to the sticks); elsewhere it never does.
#[test]
fn the_finished_screen_powers_off_only_on_the_live_image() {
    let mut a = app(Screen::Done);
    a.result = Some(Ok(crate::tui::app::Summary {
        heading: "Genesis complete".into(),
        ceremony_id: "ceremony-20261205T000000Z".into(),
        fingerprint: "A".repeat(40),
        lines: vec![],
    }));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('P')))),
        crate::tui::app::Command::None
    ));
    assert!(a.confirm.is_none());
    assert!(!render(&a, 80, 24).contains("P power off"));
    a.live = true;
    assert!(render(&a, 80, 24).contains("P power off"));
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('P'))));
    let out = render(&a, 80, 24);
    assert!(out.contains("Power the machine off?"), "{out}");
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('y')))),
        crate::tui::app::Command::PowerOff
    ));
}

/// #24: a rehearsal that will not pass (the operator has the wrong sheets)
/// is not a dead end: Ctrl-C asks, and y stops the ceremony at that
/// question (the engine records it as a failure and marks what it wrote);
/// any other key goes back to the words.
#[test]
fn a_rehearsal_that_will_not_pass_can_be_stopped_after_a_yes() {
    let set = crate::shares::split(&[7u8; 16], 2, 3).unwrap();
    let mut a = app(Screen::Running);
    ask(
        &mut a,
        Request::Rehearsal {
            set: set.info.clone(),
            problem: Some("several words are wrong; compare with the sheet".into()),
        },
    );
    let ctrl_c = KeyEvent::new(
        KeyCode::Char('c'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    a.update(Action::Key(ctrl_c));
    let out = render(&a, 80, 24);
    assert!(out.contains("Stop the ceremony here?"), "{out}");
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('n'))));
    assert!(a.prompt.is_some() && a.confirm.is_none());
    a.update(Action::Key(ctrl_c));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('y')))),
        crate::tui::app::Command::Reply(crate::tui::app::Reply::Abandon)
    ));
    assert!(a.prompt.is_none());
}

/// #24: a screen's help used to be cut off at 80x25 (a box of 70% by 60%,
/// no scrolling): on a small screen it takes the whole screen, and every
/// screen's help is read to its last word at 80x24, the smallest the TUI
/// runs at (a help that grows past it says "Down/PgDn for more" and
/// scrolls to its end); any key but those closes it.
#[test]
fn every_help_can_be_read_to_its_end_at_80x24() {
    for (name, mut a) in every_state() {
        if a.confirm.is_some() || a.picker.is_some() {
            continue;
        }
        a.help = true;
        a.help_scroll = 0;
        let text = text::help_text(&a);
        let last = text
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_owned();
        if render(&a, 80, 24).contains("Down/PgDn for more") {
            for _ in 0..40 {
                a.update(Action::Key(KeyEvent::from(KeyCode::PageDown)));
            }
            assert!(render(&a, 80, 24).contains("help (end)"), "{name}");
        }
        let end = render(&a, 80, 24);
        assert!(end.contains(&last), "{name}: {last:?} not in\n{end}");
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('x'))));
        assert!(!a.help, "{name}");
    }
}

/// #28: the finished screen is no dead end: Esc goes back to the
/// ceremonies; on the live image, q with a stick still mounted asks first
/// (u writes them out), and after u it quits at once.
#[test]
fn the_finished_screen_goes_back_and_quits_only_after_a_word_about_the_sticks() {
    use crate::tui::app::Command;
    let done = || {
        let mut a = app(Screen::Done);
        a.live = true;
        a.result = Some(Ok(summary()));
        let mut scan = a.scan.take().unwrap_or_else(|| panic!("no scan"));
        scan.sticks = vec![crate::media::removable::Stick {
            label: "KC-EXPORT".into(),
            device: "/dev/sdb1".into(),
            mounted_at: Some("/media/KC-EXPORT".into()),
        }];
        a.scan = Some(scan);
        a
    };
    let mut a = done();
    assert!(render(&a, 80, 24).contains("Esc ceremonies"));
    a.update(Action::Key(KeyEvent::from(KeyCode::Esc)));
    assert_eq!(a.screen, Screen::Welcome);

    let mut a = done();
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('q')))),
        Command::None
    ));
    assert!(render(&a, 80, 24).contains("Sticks are still mounted"));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('y')))),
        Command::Quit
    ));

    let mut a = done();
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('u')))),
        Command::UnmountSticks
    ));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('q')))),
        Command::Quit
    ));
}

/// #28: the backup picker scrolls at 80x24: each backup takes two or more
/// lines, and the one selected is always in sight (Enter took one that
/// was not).
#[test]
fn the_backup_picker_keeps_the_selected_backup_in_sight_at_80x24() {
    let mut a = app(Screen::Form(Page::Restore));
    let scan = a.scan.as_mut().unwrap();
    for n in 1..=6 {
        scan.backups.push((
            format!("/media/KC-BACKUP1/ceremony-2026112{n}T070901Z").into(),
            format!("key 0123456789ABCDEF  Release <r@acme.example>  expires 2028-11-25  renew ceremony-2026112{n}T070901Z  SUPERSEDED by ceremony-2026113{n}T000000Z"),
        ));
    }
    a.update(Action::Key(KeyEvent::from(KeyCode::F(2))));
    for _ in 0..6 {
        a.update(Action::Key(KeyEvent::from(KeyCode::Down)));
    }
    let out = render(&a, 80, 24);
    assert!(
        out.contains("> /media/KC-BACKUP1/ceremony-20261126T070901Z"),
        "{out}"
    );
    assert!(
        out.contains("SUPERSEDED by") && out.contains("ceremony-20261136T000000Z"),
        "{out}"
    );
    a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    assert_eq!(
        a.forms.get(Page::Restore).value(0),
        "/media/KC-BACKUP1/ceremony-20261126T070901Z"
    );
}

/// #29: a witness's screen at 80x24: the statement whole, the keys to sign,
/// decline or be absent; once signing, the PIN masked; the answer is the
/// reply, and the screen is cleared after it.
#[test]
fn a_witness_reads_the_statement_and_signs_declines_or_is_absent() {
    use crate::ceremony::witness::WitnessAnswer;
    use crate::tui::app::{Reply, WitnessScreen};
    let statement = "keyceremony witness statement 1\nceremony: ceremony-20261206T000000Z\nflow: genesis\nkey: ABCDEF\ntranscript-sha256: 00\ntime: 2026-12-06T00:00:00Z\ndone: the genesis of key ABCDEF\nwitness: Wanda Witness 1234\nwitness: Walt Witness 5678\n";
    let screen = |problem: Option<&str>| WitnessScreen {
        statement: statement.into(),
        name: "Wanda Witness".into(),
        fingerprint: "1234".into(),
        number: 1,
        total: 2,
        problem: problem.map(str::to_owned),
    };
    let mut a = app(Screen::Running);
    a.update(Action::Engine(EngineMsg::Ask(Request::Witness(screen(
        None,
    )))));
    let shown = render(&a, 80, 24);
    for l in statement.lines() {
        assert!(shown.contains(l), "{l:?} not shown:\n{shown}");
    }
    assert!(shown.contains("Witness 1 of 2: Wanda Witness"), "{shown}");
    assert!(
        shown.contains("s sign") && shown.contains("d decline"),
        "{shown}"
    );
    // A letter before `s` is no PIN: the statement stays.
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('1'))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('s'))));
    for c in "246810".chars() {
        a.update(Action::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let typing = render(&a, 80, 24);
    assert!(
        typing.contains("******_") && !typing.contains("246810"),
        "{typing}"
    );
    let cmd = a.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    let Command::Reply(Reply::Witness(WitnessAnswer::Sign(pin))) = cmd else {
        panic!("{cmd:?}")
    };
    use secrecy::ExposeSecret;
    assert_eq!(pin.expose_secret(), "246810");
    assert!(a.prompt.is_none() && a.clear_screen);
    // Asked again after a wrong PIN: the problem is said; d declines.
    a.update(Action::Engine(EngineMsg::Ask(Request::Witness(screen(
        Some("card 0000B001: wrong user PIN; 2 tries left"),
    )))));
    assert!(render(&a, 80, 24).contains("2 tries left"));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('d')))),
        Command::Reply(Reply::Witness(WitnessAnswer::Decline))
    ));
    a.update(Action::Engine(EngineMsg::Ask(Request::Witness(screen(
        None,
    )))));
    // Esc from the PIN goes back to the statement, then a: absent.
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('s'))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Char('9'))));
    a.update(Action::Key(KeyEvent::from(KeyCode::Esc)));
    assert!(render(&a, 80, 24).contains("s sign"));
    assert!(matches!(
        a.update(Action::Key(KeyEvent::from(KeyCode::Char('a')))),
        Command::Reply(Reply::Witness(WitnessAnswer::Absent))
    ));
}
