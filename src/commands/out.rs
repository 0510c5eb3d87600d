//! Standard output for data. `keyceremony shares show FILE | head -1` closes
//! the pipe before we are done; Rust's `println!` then panics (exit 101 with
//! a backtrace). A reader that went away means the rest of the output was
//! not wanted: it is dropped quietly, and the command ends with the code its
//! work earned. Exiting 0 there (as some tools do) would turn a failed check
//! whose findings nobody read into a success for the script around it.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader went away: nothing more is written there.
static GONE: AtomicBool = AtomicBool::new(false);

/// Writes to stdout; after a closed pipe, nothing; any other failure exits 4.
pub(crate) fn write(args: std::fmt::Arguments<'_>) {
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    // What is shown may hold a path or a label someone else chose.
    let text = crate::text::printable_lines(&args.to_string());
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            GONE.store(true, Ordering::Relaxed);
            return;
        }
        eprintln!("cannot write to standard output: {e}; free space or choose another destination");
        std::process::exit(super::Exit::Media as i32);
    }
}

/// `println!` for data on stdout (see the module doc).
macro_rules! outln {
    () => { $crate::commands::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::commands::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for data on stdout (see the module doc).
macro_rules! out {
    ($($arg:tt)*) => { $crate::commands::out::write(format_args!($($arg)*)) };
}
