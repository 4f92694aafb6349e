//! The attribute keys the derive understands, and "did you mean" hints.

pub const MODEL_KEYS: &[&str] = &["table", "index", "unique", "check"];
pub const COLUMN_KEYS: &[&str] = &[
    "primary_key",
    "foreign_key",
    "unique",
    "name",
    "autoincrement",
    "version",
    "on_delete",
    "on_update",
    "index",
    "nullable",
    "server_default",
    "default",
    "default_fn",
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
    "post_update",
    "filter",
];
pub const REFERENTIAL_ACTIONS: &[&str] = &["cascade", "set null", "restrict", "no action"];
pub const TABLE_KEYS: &[&str] = &["name"];
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

/// Edit distance counting insertions, deletions, substitutions and swaps of
/// adjacent letters (optimal string alignment).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(closest("tabel", MODEL_KEYS), Some("table"));
    }
}
