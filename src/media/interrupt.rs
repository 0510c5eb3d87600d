//! A ceremony stopped by a signal (SIGINT, SIGTERM, SIGHUP) stops at a safe
//! point, never between a write and its read-back.
//!
//! The default action of those signals ends the process wherever it is: a
//! share sheet written and the next not, a `.partial` file left, no
//! `ceremony.failed` in the transcript, nothing said. So while a ceremony
//! writes (`arm`), a signal only sets a flag; `Bundle::write` checks it
//! before each file and refuses with `MediaError::Interrupted`, which the
//! ceremony's failure path records and marks like any other failure. A
//! second signal ends the process at once (the operator who presses Ctrl-C
//! twice means it), and so does any signal while no ceremony writes.
//!
//! The handlers are installed once for the process and stay: unregistering
//! a handler does not give the signal its default action back. Whether a
//! signal ends the process is one flag (`end`), true whenever no ceremony
//! is armed or a signal already asked this one to stop.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

struct Flags {
    /// The signal's default action (end the process) when it comes.
    end: Arc<AtomicBool>,
    asked: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

fn flags() -> &'static Flags {
    static F: OnceLock<Flags> = OnceLock::new();
    F.get_or_init(|| {
        let f = Flags {
            end: Arc::new(AtomicBool::new(true)),
            asked: Arc::new(AtomicBool::new(false)),
            which: Arc::new(AtomicUsize::new(0)),
        };
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // In this order: the default action if `end` is set; otherwise
            // the signal is noted, and the next one ends the process.
            let _ = signal_hook::flag::register_conditional_default(sig, f.end.clone());
            let _ = signal_hook::flag::register_usize(sig, f.which.clone(), sig as usize);
            let _ = signal_hook::flag::register(sig, f.asked.clone());
            let _ = signal_hook::flag::register(sig, f.end.clone());
        }
        f
    })
}

/// The signal that asked the ceremony to stop, if one did (its name).
pub fn requested() -> Option<&'static str> {
    let f = flags();
    if !f.asked.load(Ordering::SeqCst) {
        return None;
    }
    Some(match f.which.load(Ordering::SeqCst) as i32 {
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "SIGINT",
    })
}

/// While this lives, SIGINT, SIGTERM and SIGHUP ask the ceremony to stop
/// at its next safe point instead of ending the process.
pub struct Armed(());

/// Arms the stop (see the module doc).
pub fn arm() -> Armed {
    let f = flags();
    f.asked.store(false, Ordering::SeqCst);
    f.end.store(false, Ordering::SeqCst);
    Armed(())
}

impl Drop for Armed {
    fn drop(&mut self) {
        let f = flags();
        f.end.store(true, Ordering::SeqCst);
        f.asked.store(false, Ordering::SeqCst);
    }
}
