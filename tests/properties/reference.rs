//! The reference model: what the operations mean, in plain data, written
//! from SQLAlchemy's semantics and the library's documentation, not from
//! its code.
//!
//! Objects are named by `Obj::P(i)` / `Obj::C(i)`, their index in the
//! pool. Links are kept one-sided (`parent_of`), so the model cannot
//! disagree with itself.

use std::collections::{BTreeMap, BTreeSet};

/// A pool object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Obj {
    P(usize),
    C(usize),
}

/// The rows of the two tables, by label: parents `label -> name`,
/// children `label -> parent label`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    pub parents: BTreeMap<String, String>,
    pub children: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub parents: usize,
    pub children: usize,
    /// The in-memory link of each child.
    pub parent_of: Vec<Option<usize>>,
    /// Objects in the session (pending or persistent).
    pub attached: BTreeSet<Obj>,
    /// Objects with a row as of the last flush.
    pub persisted: BTreeSet<Obj>,
    /// Objects marked with `delete()`.
    pub marked: BTreeSet<Obj>,
    /// Objects whose DELETE was committed: out of the game.
    pub gone: BTreeSet<Obj>,
    /// The rows as of the last flush (what the transaction sees).
    pub flushed: Rows,
    /// The last committed state.
    pub committed: Snapshot,
    /// A flush has opened a transaction that is not committed yet.
    pub in_transaction: bool,
    /// Objects whose links changed since the last flush.
    pub changed: BTreeSet<Obj>,
    /// Links the transaction's flushes cut because one end was deleted:
    /// `(child, parent)`. A rollback restores them on objects it does not
    /// restore from the commit.
    pub unlinked: Vec<(usize, usize)>,
}

/// What `rollback` returns to.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub rows: Rows,
    pub parent_of: Vec<Option<usize>>,
    pub persisted: BTreeSet<Obj>,
    pub gone: BTreeSet<Obj>,
}

pub fn label(obj: Obj) -> String {
    match obj {
        Obj::P(i) => format!("p{i}"),
        Obj::C(i) => format!("c{i}"),
    }
}

impl Model {
    pub fn exists(&self, obj: Obj) -> bool {
        let in_pool = match obj {
            Obj::P(i) => i < self.parents,
            Obj::C(i) => i < self.children,
        };
        in_pool && !self.gone.contains(&obj)
    }

    /// The objects `obj` is linked to.
    fn neighbours(&self, obj: Obj) -> Vec<Obj> {
        match obj {
            Obj::C(c) => self.parent_of[c].map(Obj::P).into_iter().collect(),
            Obj::P(p) => (0..self.children)
                .filter(|&c| self.parent_of[c] == Some(p))
                .map(Obj::C)
                .collect(),
        }
    }

    /// The save-update cascade (both directions cascade): attaches what the
    /// roots reach, going on from an object only if it is a root, was not
    /// in the session yet, or (with `through_changed`, as the flush does)
    /// had its links changed since the last flush.
    fn cascade(&mut self, roots: Vec<Obj>, through_changed: bool) {
        let root_set: BTreeSet<Obj> = roots.iter().copied().collect();
        let mut seen = BTreeSet::new();
        let mut stack = roots;
        stack.reverse();
        while let Some(obj) = stack.pop() {
            if !seen.insert(obj) {
                continue;
            }
            let fresh = self.attached.insert(obj);
            let changed = through_changed && self.changed.contains(&obj);
            if fresh || changed || root_set.contains(&obj) {
                stack.extend(self.neighbours(obj));
            }
        }
    }

    /// `session.add(obj)`, or the cascade of an attribute event onto `obj`.
    pub fn attach(&mut self, obj: Obj) {
        self.cascade(vec![obj], false);
    }

    /// A link change; both ends (and the child's previous parent) count as
    /// changed until the next flush.
    pub fn link(&mut self, child: usize, parent: Option<usize>) {
        if self.parent_of[child] == parent {
            return;
        }
        self.changed.insert(Obj::C(child));
        self.changed.extend(self.parent_of[child].map(Obj::P));
        self.changed.extend(parent.map(Obj::P));
        self.parent_of[child] = parent;
    }

    /// What a successful flush leaves: every attached object has a row,
    /// marked ones are deleted (their children un-parented), and the rows
    /// follow the links.
    pub fn flush(&mut self) {
        self.flush_cascade();
        // Only what the session holds counts as written.
        let attached = self.attached.clone();
        self.changed.retain(|o| !attached.contains(o));
        for obj in std::mem::take(&mut self.marked) {
            self.attached.remove(&obj);
            self.persisted.remove(&obj);
            self.gone.insert(obj);
            match obj {
                Obj::P(p) => {
                    for c in 0..self.children {
                        if self.parent_of[c] == Some(p) {
                            self.parent_of[c] = None;
                            self.unlinked.push((c, p));
                        }
                    }
                }
                Obj::C(c) => {
                    if let Some(p) = self.parent_of[c].take() {
                        self.unlinked.push((c, p));
                    }
                }
            }
        }
        self.persisted.extend(self.attached.iter().copied());
        let mut rows = Rows::default();
        for &obj in &self.persisted {
            match obj {
                Obj::P(_) => {
                    let name = self
                        .flushed
                        .parents
                        .get(&label(obj))
                        .cloned()
                        .unwrap_or_else(|| label(obj));
                    rows.parents.insert(label(obj), name);
                }
                // A detached object's row is not written (SQLAlchemy warns
                // that the operation "will not proceed").
                Obj::C(_) if !self.attached.contains(&obj) => {
                    let previous = self.flushed.children.get(&label(obj)).cloned().flatten();
                    rows.children.insert(label(obj), previous);
                }
                Obj::C(c) => {
                    rows.children
                        .insert(label(obj), self.parent_of[c].map(|p| label(Obj::P(p))));
                }
            }
        }
        self.flushed = rows;
        self.in_transaction = true;
    }

    /// The flush's cascade, from the pending objects and the changed ones.
    pub fn flush_cascade(&mut self) {
        let roots: Vec<Obj> = self
            .attached
            .iter()
            .copied()
            .filter(|o| !self.persisted.contains(o) || self.changed.contains(o))
            .collect();
        self.cascade(roots, true);
    }

    pub fn commit(&mut self) {
        self.flush();
        self.in_transaction = false;
        self.unlinked.clear();
        self.committed = Snapshot {
            rows: self.flushed.clone(),
            parent_of: self.parent_of.clone(),
            persisted: self.persisted.clone(),
            gone: self.gone.clone(),
        };
    }

    /// The rows and the session return to the last commit. Objects
    /// persistent then are restored with their links; the links of other
    /// objects to them are dropped.
    pub fn rollback(&mut self) {
        let snapshot = self.committed.clone();
        // The session keeps (restored) what it held at the commit and still
        // holds, or deleted since.
        let held: BTreeSet<Obj> = self
            .attached
            .iter()
            .chain(self.gone.difference(&snapshot.gone))
            .chain(&self.marked)
            .copied()
            .filter(|o| snapshot.persisted.contains(o))
            .collect();
        self.flushed = snapshot.rows.clone();
        self.in_transaction = false;
        self.marked.clear();
        self.changed.retain(|o| !held.contains(o));
        self.gone = snapshot.gone.clone();
        let restored = |obj: Obj| held.contains(&obj);
        for (c, p) in std::mem::take(&mut self.unlinked).into_iter().rev() {
            // Unless the child was given another parent since.
            if !restored(Obj::C(c)) && self.parent_of[c].is_none() {
                self.parent_of[c] = Some(p);
            }
        }
        // A restored object gets its links of the commit back; the objects
        // on the other side of them follow where they are not restored.
        for c in 0..self.children {
            // What the row said at the commit (a detached object's memory
            // may have moved on without being written).
            let at_commit = snapshot
                .rows
                .children
                .get(&label(Obj::C(c)))
                .cloned()
                .flatten()
                .and_then(|p| p.get(1..).and_then(|i| i.parse::<usize>().ok()));
            if restored(Obj::C(c)) {
                self.parent_of[c] = at_commit;
            } else if let Some(p) = at_commit.filter(|&p| {
                // The restored parent lists it again only if it did at the
                // commit, in memory as in the row.
                restored(Obj::P(p)) && snapshot.parent_of.get(c).copied().flatten() == Some(p)
            }) {
                self.parent_of[c] = Some(p);
            } else if self.parent_of[c].is_some_and(|p| restored(Obj::P(p))) {
                self.parent_of[c] = None;
            }
        }
        self.persisted = snapshot.persisted.clone();
        self.attached = held;
    }
}
