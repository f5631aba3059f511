//! Suppressions: reviewed tools taken out of the gate, with a reason and an optional expiry.
//! They stay in the inventory, marked.

use crate::assess::WrittenAt;
use crate::config::{CONFIG_FILE, Config};
use crate::facts::FileFacts;
use crate::model::{Allow, At, Suppressed, Tool};
use crate::note::Note;
use crate::scan::ScanOutput;

/// Marks the tools `[[suppress]]` names; an expired or unknown suppression becomes a note.
/// A tool suppressed in both places keeps the config's.
pub fn apply_config(config: &Config, output: &mut ScanOutput, today: &str) {
    for rule in &config.suppress {
        let note = |message: String| Note::file(CONFIG_FILE, message);
        let what = format!("suppression of `{}`", rule.tool);
        if let Err(problem) = still_applies(rule.expires.as_deref(), today) {
            output.notes.push(note(format!("{what} {problem}")));
            continue;
        }
        match output.tools.iter_mut().find(|t| t.id == rule.tool) {
            Some(tool) => {
                tool.suppressed = Some(Suppressed {
                    allow: rule.allow.unwrap_or(Allow::Unguarded),
                    reason: rule.reason.clone(),
                    expires: rule.expires.clone(),
                    source: CONFIG_FILE.to_string(),
                })
            }
            None => output.notes.push(note(format!("{what}: no such tool"))),
        }
    }
}

/// The form of an inline suppression, for messages.
const FORM: &str = "agent-audit: allow destructive|partial|unguarded [until YYYY-MM-DD] -- reason";

/// Marks the tools that inline suppression comments (`# agent-audit: allow destructive --
/// reviewed in SEC-12`) apply to: the tools written (`written_at`, per tool: code,
/// registration, dispatch branch) in the statement below the comment, or on the line it ends.
/// A comment that is malformed, expired or applies to no tool becomes a note.
pub fn apply_inline(
    files: &[FileFacts],
    tools: &mut [Tool],
    written_at: &[WrittenAt],
    notes: &mut Vec<Note>,
    today: &str,
) {
    for file in files {
        for directive in &file.directives {
            let note = |message: String| Note::at_line(file, directive.line, message);
            let (allow, expires, reason) = match parse(&directive.text) {
                Ok(parsed) => parsed,
                Err(problem) => {
                    notes.push(note(format!("{problem}; expected `{FORM}`")));
                    continue;
                }
            };
            if let Err(problem) = still_applies(expires.as_deref(), today) {
                notes.push(note(format!("suppression {problem}")));
                continue;
            }
            let mut applied = false;
            // The statement must start where the tool is written: a comment above an `if`
            // chain covers the first branch only, one above a class the class's own tool.
            let applies = |places: &WrittenAt| {
                places
                    .iter()
                    .any(|(path, line)| *path == file.path && directive.target == Some(*line))
            };
            for (tool, _) in tools
                .iter_mut()
                .zip(written_at)
                .filter(|(_, places)| applies(places))
            {
                tool.suppressed = Some(Suppressed {
                    allow,
                    reason: reason.clone(),
                    expires: expires.clone(),
                    source: place(file, directive.line),
                });
                applied = true;
            }
            if !applied {
                notes.push(note(
                    "suppression applies to no tool; put it on the line above the tool's \
                     definition (above its decorators), its registration or its dispatch branch, \
                     or at the end of that line"
                        .into(),
                ));
            }
        }
    }
}

/// `file:line` (`file:cell N:line` in a notebook) of line `line` of `file`'s facts.
fn place(file: &FileFacts, line: u32) -> String {
    let (cell, line) = file.place(line);
    At {
        file: &file.path,
        cell,
        line,
    }
    .to_string()
}

/// `allow SCOPE [until DATE] -- REASON` → (scope, expiry, reason).
fn parse(text: &str) -> Result<(Allow, Option<String>, String), String> {
    let (head, reason) = text
        .split_once("--")
        .ok_or("suppression without a reason after `--`")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err("suppression without a reason after `--`".into());
    }
    let mut words = head.split_whitespace();
    if words.next() != Some("allow") {
        return Err("unknown agent-audit comment".into());
    }
    let scope = words.next().unwrap_or_default();
    let allow = Allow::NAMES
        .iter()
        .find(|(name, _)| *name == scope)
        .map(|(_, allow)| *allow)
        .ok_or_else(|| format!("unknown suppression `allow {scope}`"))?;
    let expires = match (words.next(), words.next(), words.next()) {
        (None, _, _) => None,
        (Some("until"), Some(date), None) => Some(date.to_string()),
        _ => return Err(format!("unexpected `{}`", head.trim())),
    };
    Ok((allow, expires, reason.to_string()))
}

/// Whether a suppression expiring on `expires` still applies `today`; else why not.
fn still_applies(expires: Option<&str>, today: &str) -> Result<(), String> {
    let Some(expires) = expires else {
        return Ok(());
    };
    let valid = expires.len() == 10
        && expires.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !valid {
        return Err(format!("has expiry `{expires}`, not YYYY-MM-DD; ignored"));
    }
    if expires <= today {
        return Err(format!("expired on {expires}"));
    }
    Ok(())
}

/// Today's date (UTC) as `YYYY-MM-DD`, for suppression expiry.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    date_of(days)
}

/// Days since 1970-01-01 as a civil date (proleptic Gregorian calendar).
fn date_of(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::{Allow, date_of, parse, still_applies};

    #[test]
    fn directives() {
        assert_eq!(
            parse("allow destructive -- reviewed in SEC-12"),
            Ok((Allow::Destructive, None, "reviewed in SEC-12".into()))
        );
        assert_eq!(
            parse("allow partial until 2027-01-31 -- rate limited upstream"),
            Ok((
                Allow::Partial,
                Some("2027-01-31".into()),
                "rate limited upstream".into()
            ))
        );
        assert!(parse("allow destructive").unwrap_err().contains("reason"));
        assert!(
            parse("allow destructive --  ")
                .unwrap_err()
                .contains("reason")
        );
        assert!(
            parse("allow everything -- x")
                .unwrap_err()
                .contains("allow everything")
        );
        assert!(parse("allow destructive until -- x").is_err());
        assert!(parse("ignore -- x").is_err());
        assert!(still_applies(Some("2026-11-23"), "2026-11-22").is_ok());
        assert!(still_applies(Some("2026-11-22"), "2026-11-22").is_err());
        assert!(still_applies(Some("next week"), "2026-11-22").is_err());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(11_016), "2000-02-29");
        assert_eq!(date_of(20_000), "2024-10-04");
    }
}
