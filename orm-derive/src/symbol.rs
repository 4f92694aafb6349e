//! The attribute keys the derive understands, and "did you mean" hints.

pub const MODEL_KEYS: &[&str] = &["table"];
pub const COLUMN_KEYS: &[&str] = &[
    "primary_key",
    "foreign_key",
    "unique",
    "name",
    "autoincrement",
];
pub const RELATIONSHIP_KEYS: &[&str] = &[
    "back_populates",
    "backref",
    "secondary",
    "uselist",
    "cascade",
    "passive_deletes",
    "viewonly",
    "order_by",
    "foreign_keys",
    "lazy",
];
pub const BACKREF_KEYS: &[&str] = &["name", "uselist"];
pub const CASCADE_VALUES: &[&str] = &[
    "all",
    "save-update",
    "merge",
    "delete",
    "delete-orphan",
    "refresh-expire",
    "expunge",
];
pub const LAZY_VALUES: &[&str] = &[
    "select",
    "selectin",
    "joined",
    "subquery",
    "immediate",
    "raise",
    "raise_on_sql",
    "noload",
    "dynamic",
    "write_only",
];

/// The error message for an unknown key or value, with the closest known one.
pub fn unknown(what: &str, found: &str, known: &[&str]) -> String {
    let mut message = format!("unknown {what} `{found}`");
    match closest(found, known) {
        Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
        None => message.push_str(&format!("; expected one of: {}", known.join(", "))),
    }
    message
}

fn closest<'a>(found: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(found, k), *k))
        .filter(|(d, k)| *d <= (k.len().max(found.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(
            closest("back_populate", RELATIONSHIP_KEYS),
            Some("back_populates")
        );
        assert_eq!(closest("primary", COLUMN_KEYS), None);
        assert_eq!(closest("primarykey", COLUMN_KEYS), Some("primary_key"));
        assert_eq!(closest("zzz", COLUMN_KEYS), None);
    }
}
