//! Sticks by label: what an operator on the live image plugs in, listed by
//! the label written on it, mounted on choice under `/media/LABEL`, and
//! synced and unmounted when the ceremony is done with it.
//!
//! Labels come from udev's `/dev/disk/by-label` (the live image runs udev;
//! desktops do too), and whether a stick is mounted from the kernel's
//! mountinfo, so nothing here guesses from names. Mounting tries the file
//! systems a backup stick carries (vfat, exfat, ext4) and nothing else: the
//! live image's own medium (iso9660) is listed but never mounted for writing.

use std::path::{Path, PathBuf};

use super::MediaError;

/// A labelled file system on a block device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stick {
    pub label: String,
    pub device: PathBuf,
    /// Where it is mounted now, if anywhere.
    pub mounted_at: Option<PathBuf>,
}

/// The live image's own labels (its ISO and the ISO's EFI partition): listed,
/// never mounted as a ceremony medium.
pub const BOOT_LABELS: [&str; 2] = ["KEYCEREMONY", "KC-EFI"];

impl Stick {
    /// The live image's own boot stick.
    pub fn is_boot(&self) -> bool {
        BOOT_LABELS.contains(&self.label.as_str())
    }
}

/// Mounts every stick not mounted yet (the boot stick excepted); returns a
/// line per stick saying where it went or why not.
pub fn mount_all() -> Vec<String> {
    let sticks = list();
    if sticks.iter().all(Stick::is_boot) {
        return vec![
            "no stick is plugged in (none with a label): plug the ceremony's sticks in, then m again".into(),
        ];
    }
    // udev's by-label link names one device per label: a second stick of
    // the same label is otherwise invisible.
    let mut lines: Vec<String> = duplicate_labels(Path::new("/run/udev/data"))
        .into_iter()
        .map(|l| {
            format!(
                "{} sticks are labelled {}: only one of them is listed and mounted. Unplug the others, or give each its own label",
                l.1,
                crate::text::printable(&l.0)
            )
        })
        .collect();
    lines.extend(
        sticks
            .into_iter()
            .filter(|s| s.mounted_at.is_none() && !s.is_boot())
            .map(|s| match mount(&s.label) {
                Ok(at) => format!("{} mounted at {}", s.label, at.display()),
                Err(e) => e.to_string(),
            }),
    );
    if lines.is_empty() {
        lines.push("no stick to mount: every labelled stick is mounted already".into());
    }
    lines
}

/// Labels more than one block device carries (label, how many), from
/// udev's database (`E:ID_FS_LABEL=` of each `b*` entry).
fn duplicate_labels(udev_data: &Path) -> Vec<(String, usize)> {
    let mut count: std::collections::BTreeMap<String, usize> = Default::default();
    for e in std::fs::read_dir(udev_data)
        .into_iter()
        .flatten()
        .flatten()
        .take(4096)
    {
        if !e.file_name().to_string_lossy().starts_with('b') {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        if let Some(l) = text.lines().find_map(|l| l.strip_prefix("E:ID_FS_LABEL=")) {
            *count.entry(l.to_owned()).or_default() += 1;
        }
    }
    count.into_iter().filter(|(_, n)| *n > 1).collect()
}

/// What `unmount_all` did: a line per stick, and whether any stick is
/// still mounted (and so must not be pulled out, nor the power cut).
pub struct Unmounted {
    pub lines: Vec<String>,
    pub still_mounted: usize,
}

/// Syncs and unmounts every stick mounted under /media; a line per stick,
/// the ones pulled out while mounted included (named, and their mount
/// taken away: what they had not written yet is not on them).
pub fn unmount_all() -> Unmounted {
    let sticks = list();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut lines = Vec::new();
    let mut still_mounted = 0;
    for (device, point) in media_mounts(&mounts) {
        let label = sticks
            .iter()
            .find(|s| s.device == device)
            .map(|s| s.label.clone());
        let shown = crate::text::printable(&point.display().to_string());
        let Some(label) = label.filter(|_| device.exists()) else {
            let _ = rustix::mount::unmount(&point, rustix::mount::UnmountFlags::DETACH);
            let _ = std::fs::remove_dir(&point);
            lines.push(format!(
                "the stick mounted at {shown} was pulled out before it was written out: what was not yet written is not on it; check it on another machine (sha256sum -c MANIFEST in each ceremony directory)"
            ));
            continue;
        };
        match unmount(&point.to_string_lossy()) {
            Ok(at) => lines.push(format!(
                "{label} written out and unmounted from {}: it can be pulled out",
                crate::text::printable(&at.display().to_string())
            )),
            Err(e) => {
                still_mounted += 1;
                lines.push(format!(
                    "{label}: NOT unmounted, do not pull it out yet: {e}"
                ))
            }
        }
    }
    Unmounted {
        lines,
        still_mounted,
    }
}

/// The file systems mounted under /media (device, mount point), from a
/// mountinfo text.
fn media_mounts(mountinfo: &str) -> Vec<(PathBuf, PathBuf)> {
    mounts(mountinfo)
        .into_iter()
        .filter(|(_, point)| point.starts_with("/media"))
        .collect()
}

/// The file systems a ceremony writes to, in the order they are tried.
const WRITABLE: [&str; 3] = ["vfat", "exfat", "ext4"];

/// Every labelled file system udev knows, by label.
pub fn list() -> Vec<Stick> {
    list_in(
        Path::new("/dev/disk/by-label"),
        Path::new("/proc/self/mountinfo"),
    )
}

fn list_in(by_label: &Path, mountinfo: &Path) -> Vec<Stick> {
    let mounts = std::fs::read_to_string(mountinfo).unwrap_or_default();
    let mut sticks: Vec<Stick> = std::fs::read_dir(by_label)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let device = std::fs::canonicalize(e.path()).ok()?;
            // A label is printed and typed by people: one holding escapes
            // or bidi controls is shown (and named) escaped, never raw.
            let label = crate::text::printable(&unescape(&e.file_name().to_string_lossy()));
            let mounted_at = mount_point(&mounts, &device);
            Some(Stick {
                label,
                device,
                mounted_at,
            })
        })
        .collect();
    sticks.sort_by(|a, b| a.label.cmp(&b.label));
    sticks
}

/// udev writes unsafe characters of a label as `\xNN`.
fn unescape(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len());
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') && i + 3 < b.len() {
            if let Ok(v) = u8::from_str_radix(&name[i + 2..i + 4], 16) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where `device` is mounted, from /proc/self/mountinfo.
fn mount_point(mountinfo: &str, device: &Path) -> Option<PathBuf> {
    mounts(mountinfo)
        .into_iter()
        .find_map(|(source, point)| (source == device).then_some(point))
}

/// Every mount (source, mount point) of a mountinfo text: the mount point
/// is field 5; the source follows the " - " separator and the file system
/// type.
fn mounts(mountinfo: &str) -> Vec<(PathBuf, PathBuf)> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let source = right.split_whitespace().nth(1)?;
            let point = left.split_whitespace().nth(4)?;
            Some((
                PathBuf::from(source),
                PathBuf::from(point.replace("\\040", " ")),
            ))
        })
        .collect()
}

/// The mount point a label gets: `/media/LABEL`, with anything but letters,
/// digits, `.`, `_` and `-` made `_` (a label is written by whoever formatted
/// the stick, and must not reach outside /media).
pub fn mount_point_for(label: &str) -> PathBuf {
    let safe: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.trim_matches('.').is_empty() {
        "stick".to_owned()
    } else {
        safe
    };
    Path::new("/media").join(safe)
}

/// `mount_point_for(label)`, or the first `_2`, `_3`... after it that no
/// stick is mounted at (`taken`).
fn free_point(label: &str, taken: &[PathBuf]) -> PathBuf {
    let base = mount_point_for(label);
    std::iter::once(base.clone())
        .chain((2..100).map(|n| PathBuf::from(format!("{}_{n}", base.display()))))
        .find(|p| !taken.contains(p))
        .unwrap_or(base)
}

fn find(label: &str) -> Result<Stick, MediaError> {
    let sticks = list();
    sticks
        .iter()
        .find(|s| s.label == label)
        .cloned()
        .ok_or_else(|| MediaError::NoSuchStick {
            label: label.to_owned(),
            present: sticks
                .iter()
                .map(|s| s.label.clone())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Mounts the stick labelled `label` read-write at `/media/LABEL` and returns
/// the mount point (or where it already is).
pub fn mount(label: &str) -> Result<PathBuf, MediaError> {
    let stick = find(label)?;
    if stick.is_boot() {
        return Err(MediaError::Mount {
            label: label.to_owned(),
            reason: "it is the live image's own boot stick: use another stick for the ceremony"
                .into(),
        });
    }
    if let Some(at) = stick.mounted_at {
        return Ok(at);
    }
    // Two labels can make one mount point ("KC BACKUP" and "KC_BACKUP"):
    // the second gets the next free one, never the first's.
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let taken: Vec<PathBuf> = media_mounts(&mounts).into_iter().map(|(_, p)| p).collect();
    let point = free_point(label, &taken);
    std::fs::create_dir_all(&point).map_err(|e| MediaError::from_io("create", &point, e))?;
    let mut tried = Vec::new();
    for fs in WRITABLE {
        // A damaged file system, or one whose superblock says to panic on
        // an error (`tune2fs -e panic`), is made read-only instead: a
        // hostile stick must not take the machine down with the ceremony.
        let data: &std::ffi::CStr = match fs {
            "vfat" => c"utf8,errors=remount-ro",
            _ => c"errors=remount-ro",
        };
        match rustix::mount::mount(
            &stick.device,
            &point,
            fs,
            rustix::mount::MountFlags::NOSUID
                | rustix::mount::MountFlags::NODEV
                | rustix::mount::MountFlags::NOEXEC,
            Some(data),
        ) {
            Ok(()) => return Ok(point),
            Err(e) => tried.push(format!("{fs}: {e}")),
        }
    }
    let _ = std::fs::remove_dir(&point);
    Err(MediaError::Mount {
        label: label.to_owned(),
        reason: format!(
            "{} holds no vfat, exfat or ext4 file system that mounts ({})",
            stick.device.display(),
            tried.join("; ")
        ),
    })
}

/// Syncs and unmounts the stick labelled `label` (or mounted at that path),
/// so it can be pulled out; removes the mount point it had under /media.
pub fn unmount(label_or_path: &str) -> Result<PathBuf, MediaError> {
    let point = match find(label_or_path) {
        Ok(Stick {
            mounted_at: Some(p),
            ..
        }) => p,
        Ok(_) => {
            return Err(MediaError::Mount {
                label: label_or_path.to_owned(),
                reason: "it is not mounted".into(),
            })
        }
        Err(e) if !Path::new(label_or_path).is_absolute() => return Err(e),
        Err(_) => PathBuf::from(label_or_path),
    };
    // Everything written reaches the stick before it may be pulled out.
    let dir = std::fs::File::open(&point).map_err(|e| MediaError::from_io("open", &point, e))?;
    rustix::fs::syncfs(&dir).map_err(|e| MediaError::from_io("sync", &point, e.into()))?;
    drop(dir);
    rustix::mount::unmount(&point, rustix::mount::UnmountFlags::empty()).map_err(|e| {
        MediaError::Mount {
            label: label_or_path.to_owned(),
            reason: format!(
                "cannot unmount {} ({e}): a program or shell may still use it; leave that directory and try again",
                point.display()
            ),
        }
    })?;
    if point.starts_with("/media") {
        let _ = std::fs::remove_dir(&point);
    }
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unescaped_and_matched_to_their_mounts() {
        let dir = tempfile::tempdir().unwrap();
        let by_label = dir.path().join("by-label");
        std::fs::create_dir(&by_label).unwrap();
        let dev = dir.path().join("sdb1");
        std::fs::write(&dev, b"").unwrap();
        std::os::unix::fs::symlink(&dev, by_label.join("KC\\x20BACKUP")).unwrap();
        let other = dir.path().join("sdc");
        std::fs::write(&other, b"").unwrap();
        std::os::unix::fs::symlink(&other, by_label.join("KC-EXPORT")).unwrap();
        let mountinfo = dir.path().join("mountinfo");
        std::fs::write(
            &mountinfo,
            format!(
                "36 25 8:17 / /media/KC\\040BACKUP rw,nosuid - vfat {} rw\n",
                dev.canonicalize().unwrap().display()
            ),
        )
        .unwrap();
        let sticks = list_in(&by_label, &mountinfo);
        assert_eq!(sticks.len(), 2);
        assert_eq!(sticks[0].label, "KC BACKUP");
        assert_eq!(
            sticks[0].mounted_at.as_deref(),
            Some(Path::new("/media/KC BACKUP"))
        );
        assert_eq!(sticks[1].label, "KC-EXPORT");
        assert_eq!(sticks[1].mounted_at, None);
    }

    #[test]
    fn two_labels_of_one_mount_point_get_two_and_pulled_sticks_are_seen() {
        let taken = [PathBuf::from("/media/KC_BACKUP")];
        assert_eq!(free_point("KC BACKUP", &[]), Path::new("/media/KC_BACKUP"));
        assert_eq!(
            free_point("KC_BACKUP", &taken),
            Path::new("/media/KC_BACKUP_2")
        );
        let info = "36 25 8:17 / /media/KC_BACKUP rw,nosuid - vfat /dev/sdb1 rw\n\
                    37 25 8:33 / /mnt/other rw - ext4 /dev/sdc1 rw\n\
                    38 25 8:49 / /media/KC\\040X rw - ext4 /dev/sdd1 rw\n";
        assert_eq!(
            media_mounts(info),
            [
                (
                    PathBuf::from("/dev/sdb1"),
                    PathBuf::from("/media/KC_BACKUP")
                ),
                (PathBuf::from("/dev/sdd1"), PathBuf::from("/media/KC X")),
            ]
        );
    }

    #[test]
    fn a_label_on_two_sticks_is_found_in_udev_s_database() {
        let d = tempfile::tempdir().unwrap();
        for (name, label) in [
            ("b8:17", "KC-DUP"),
            ("b8:33", "KC-DUP"),
            ("b8:49", "KC-ONE"),
            ("c4:1", "KC-DUP"),
        ] {
            std::fs::write(
                d.path().join(name),
                format!("S:disk/by-label/x\nE:ID_FS_LABEL={label}\n"),
            )
            .unwrap();
        }
        assert_eq!(duplicate_labels(d.path()), [("KC-DUP".to_owned(), 2)]);
    }

    #[test]
    fn a_hostile_label_stays_under_media() {
        assert_eq!(mount_point_for("../../etc"), Path::new("/media/.._.._etc"));
        assert_eq!(mount_point_for(".."), Path::new("/media/stick"));
        assert_eq!(
            mount_point_for("KC BACKUP/1"),
            Path::new("/media/KC_BACKUP_1")
        );
    }
}
