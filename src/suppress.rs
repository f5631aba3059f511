//! Suppressions: reviewed tools taken out of the gate, with a reason and an optional expiry.
//! They stay in the inventory, marked.

use crate::config::Config;
use crate::note::Note;
use crate::scan::ScanOutput;

/// Marks the tools `[[suppress]]` names; an expired or unknown suppression becomes a note.
pub fn apply_config(config: &Config, output: &mut ScanOutput, today: &str) {
    for rule in &config.suppress {
        let note = |message: String| Note {
            path: crate::config::CONFIG_FILE.to_string(),
            line: None,
            message,
        };
        let valid_date = |d: &str| {
            d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        };
        if let Some(expires) = &rule.expires {
            if !valid_date(expires) {
                output.notes.push(note(format!(
                    "suppression of `{}`: expiry `{expires}` is not YYYY-MM-DD; ignored",
                    rule.tool
                )));
                continue;
            }
            if expires.as_str() <= today {
                output.notes.push(note(format!(
                    "suppression of `{}` expired on {expires}",
                    rule.tool
                )));
                continue;
            }
        }
        match output.tools.iter_mut().find(|t| t.id == rule.tool) {
            Some(tool) => {
                tool.suppressed = Some(crate::model::Suppressed {
                    reason: rule.reason.clone(),
                    expires: rule.expires.clone(),
                })
            }
            None => output.notes.push(note(format!(
                "suppression of `{}`: no such tool",
                rule.tool
            ))),
        }
    }
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
    use super::date_of;

    #[test]
    fn civil_dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(11_016), "2000-02-29");
        assert_eq!(date_of(20_000), "2024-10-04");
    }
}
