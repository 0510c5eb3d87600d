//! The witness statement: what witnesses sign at the end of a ceremony,
//! and its files beside the transcript (docs/witnesses.md). Here, below
//! both, because the engine writes it and the online side reads it.

/// The statement's file, beside the transcript.
pub const STATEMENT_FILE: &str = "witness-statement.txt";

/// The first line of a statement: its format and version.
pub const STATEMENT_HEADER: &str = "keyceremony witness statement 1";

/// When witnesses sign: at the end of every ceremony, and at its start
/// when the plan asks (what they saw before anything was made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Start,
    End,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::End => "end",
        }
    }

    /// The statement's flow line: a start statement says so.
    pub fn flow(self, flow: &str) -> String {
        match self {
            Stage::Start => format!("{flow} (start)"),
            Stage::End => flow.to_owned(),
        }
    }

    pub fn statement_file(self) -> String {
        match self {
            Stage::Start => "witness-start-statement.txt".to_owned(),
            Stage::End => STATEMENT_FILE.to_owned(),
        }
    }

    pub fn signature_file(self, witness_fingerprint: &str) -> String {
        match self {
            Stage::Start => format!("witness-start-{witness_fingerprint}.asc"),
            Stage::End => signature_file(witness_fingerprint),
        }
    }
}

/// The file holding a witness's signature over the statement.
pub fn signature_file(witness_fingerprint: &str) -> String {
    format!("witness-{witness_fingerprint}.asc")
}

/// What witnesses sign: one line a fact, readable on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub ceremony: String,
    pub flow: String,
    pub key: String,
    pub transcript_sha256: String,
    pub time: String,
    pub done: String,
    /// "Name FINGERPRINT", each witness of the plan.
    pub witnesses: Vec<String>,
}

impl Statement {
    pub fn text(&self) -> String {
        let mut t = format!(
            "{STATEMENT_HEADER}\nceremony: {}\nflow: {}\nkey: {}\ntranscript-sha256: {}\ntime: {}\ndone: {}\n",
            self.ceremony, self.flow, self.key, self.transcript_sha256, self.time, self.done
        );
        for w in &self.witnesses {
            t.push_str(&format!("witness: {w}\n"));
        }
        t
    }

    /// Reads a statement back (bounded by the caller): every field once, in
    /// order, nothing else.
    pub fn parse(text: &str) -> Result<Statement, String> {
        let mut lines = text.lines();
        if lines.next() != Some(STATEMENT_HEADER) {
            return Err(format!("it does not start with {STATEMENT_HEADER:?}"));
        }
        let mut field = |name: &str| -> Result<String, String> {
            let line = lines.next().ok_or(format!("it ends before {name:?}"))?;
            line.strip_prefix(&format!("{name}: "))
                .map(str::to_owned)
                .ok_or(format!("{line:?} is not the {name:?} line"))
        };
        let s = Statement {
            ceremony: field("ceremony")?,
            flow: field("flow")?,
            key: field("key")?,
            transcript_sha256: field("transcript-sha256")?,
            time: field("time")?,
            done: field("done")?,
            witnesses: Vec::new(),
        };
        let mut s = s;
        for line in lines {
            s.witnesses.push(
                line.strip_prefix("witness: ")
                    .ok_or(format!("{line:?} is not a witness line"))?
                    .to_owned(),
            );
        }
        if s.text() != text {
            return Err("it is not written as keyceremony writes a statement".into());
        }
        Ok(s)
    }
}

/// The files each witnesses' round recorded (name, SHA-256): the
/// statements and signatures that must lie beside the transcript.
pub fn recorded_files(chain: &super::ChainSummary) -> Vec<(String, String)> {
    chain
        .entries
        .iter()
        .filter(|e| e.event == super::EventKind::Witnessed.name())
        .flat_map(|e| round_files(&e.data))
        .map(|(name, sha)| (name.to_owned(), sha.to_owned()))
        .collect()
}

/// The files one `witnesses.signed` round lists, from its data: name and
/// SHA-256 each (entries without both are no file of it).
pub fn round_files(data: &serde_json::Value) -> Vec<(&str, &str)> {
    data.get("files")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("name")?.as_str()?, f.get("sha256")?.as_str()?)))
        .collect()
}

/// Each round's outcomes agree with its files: a witness it says signed has
/// the signature file the round lists.
pub fn check_rounds(chain: &super::ChainSummary) -> Result<(), String> {
    for e in chain
        .entries
        .iter()
        .filter(|e| e.event == super::EventKind::Witnessed.name())
    {
        let stage = match e.data.get("stage").and_then(|s| s.as_str()) {
            Some("start") => Stage::Start,
            _ => Stage::End,
        };
        let files: Vec<&str> = round_files(&e.data)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        for w in e
            .data
            .get("witnesses")
            .and_then(|w| w.as_array())
            .into_iter()
            .flatten()
        {
            if w.get("outcome").and_then(|o| o.as_str()) != Some("signed") {
                continue;
            }
            let fpr = w
                .get("fingerprint")
                .and_then(|f| f.as_str())
                .unwrap_or_default();
            if !files.contains(&stage.signature_file(fpr).as_str()) {
                return Err(format!(
                    "its witnesses' round ({}) says {fpr} signed, and lists no signature file of theirs",
                    stage.name()
                ));
            }
        }
    }
    Ok(())
}

/// Who witnessed a ceremony, as its transcript records it (`witnesses.signed`):
/// "signed: NAME FPR, ...; declined: ...; absent: ...". The record is the
/// ceremony's, under its primary's signature; the witnesses' own signatures
/// are checked by `verify --witnesses` with their pinned certs.
pub fn recorded(chain: &super::ChainSummary) -> Option<String> {
    let entry = chain.entries.iter().rev().find(|e| {
        e.event == super::EventKind::Witnessed.name()
            && e.data.get("stage").and_then(|s| s.as_str()) != Some(Stage::Start.name())
    })?;
    let list = entry.data.get("witnesses")?.as_array()?;
    let mut parts = Vec::new();
    for what in ["signed", "declined", "absent"] {
        let who: Vec<String> = list
            .iter()
            .filter(|w| w.get("outcome").and_then(|o| o.as_str()) == Some(what))
            .map(|w| {
                let text = |k: &str| w.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                crate::text::printable(&format!("{} {}", text("name"), text("fingerprint")))
            })
            .collect();
        if !who.is_empty() {
            parts.push(format!("{what}: {}", who.join(", ")));
        }
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_reads_back_as_written_and_nothing_else() {
        let s = Statement {
            ceremony: "ceremony-20261206T000000Z".into(),
            flow: "genesis".into(),
            key: "ABCD".into(),
            transcript_sha256: "00".repeat(32),
            time: "2026-12-06T00:00:00Z".into(),
            done: "a new key".into(),
            witnesses: vec!["Wanda 1234".into(), "Walt 5678".into()],
        };
        let text = s.text();
        assert_eq!(Statement::parse(&text).unwrap(), s);
        for bad in [
            text.replace("flow: genesis", "flow: renew\nflow: genesis"),
            text.replacen("keyceremony", "other", 1),
            format!("{text}extra\n"),
            text.trim_end().to_owned(),
            text.replace("key: ", "key:"),
        ] {
            assert!(Statement::parse(&bad).is_err(), "{bad}");
        }
    }
}
