//! Running the steps of a flush.

use std::rc::Rc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use smallvec::SmallVec;

use super::plan::{post_update_columns, Plan, Step};
use crate::dependency::{AssociationRow, Dependencies};
use crate::error::{DbErrorKind, Error, Result};
use crate::identity::Key;
use crate::obj::AnyObj;
use crate::persistence::{self, Undo};
use crate::registry::{Direction, Mapper};
use crate::session::{render_key, SessionInner};
use crate::state::Committed;
use crate::value::Value;

/// A row the flush inserted.
pub(super) struct InsertedRow {
    pub obj: AnyObj,
    /// The mapper of its model (see [`InsertedRow::mapper`]).
    mapper: u32,
    /// Its key as the database holds it after the flush (built once, when
    /// the row is written: the values written are not kept).
    pub key: Key,
    /// Whether the database generated the key.
    pub generated: bool,
}

impl InsertedRow {
    /// The mapper of its model.
    pub fn mapper(&self) -> usize {
        self.mapper as usize
    }
}

/// What the statements did, applied to the session once they all succeeded.
#[derive(Default)]
pub(super) struct Outcome {
    pub inserted: Vec<InsertedRow>,
    /// `(object, the row after its UPDATEs)`, for rows written more than
    /// once (or by steps other than a plain UPDATE).
    pub updated: Vec<(AnyObj, Vec<Value>)>,
    /// `(object, columns set, their values)`: rows the flush UPDATEd once;
    /// the rest of each row is its committed values.
    pub updated_columns: Vec<(AnyObj, SmallVec<[usize; 4]>, Vec<Value>)>,
    pub deleted: Vec<AnyObj>,
    /// Where the entry of each revisited row is: inserted (`true`) or
    /// updated, and its position.
    positions: HashMap<*const (), (bool, usize)>,
}

pub(super) fn run<'f>(
    session: &Rc<SessionInner>,
    plan: &Plan<'f>,
    deps: &Dependencies,
    undo: &mut Undo<'f>,
) -> Result<Outcome> {
    // The lists of rows are sized once, not doubled from empty.
    let mut outcome = Outcome::default();
    let (mut inserts, mut updates) = (0, 0);
    for step in &plan.steps {
        match step {
            Step::Insert(..) => inserts += 1,
            Step::Update(..) => updates += 1,
            _ => {}
        }
    }
    outcome.inserted.reserve_exact(inserts);
    outcome.updated_columns.reserve_exact(updates);
    // The values each row holds in the database as of now, in this flush,
    // kept for the rows a later step writes again.
    let revisited = revisited(plan);
    let mut last: HashMap<AnyObj, Vec<Value>> = HashMap::default();
    // Consecutive INSERTs of one table go to the database together where
    // the dialect inserts several rows per statement.
    let batching = session.engine.dialect().max_insert_rows(1) > 1;
    // UPDATEs wait here until a step of another kind (or of another
    // table) comes, so that consecutive ones with the same text run as one
    // prepared statement; the statements keep the plan's order.
    let mut waiting = WaitingUpdates::default();
    waiting
        .objs
        .reserve_exact(updates.min(WaitingUpdates::MOST));
    waiting
        .updates
        .reserve_exact(updates.min(WaitingUpdates::MOST));
    let mut next = 0;
    while let Some(step) = plan.steps.get(next) {
        next += 1;
        let waits =
            matches!(step, Step::Update(m, obj) if *m == waiting.mapper && !last.contains_key(obj));
        if !waits {
            waiting.run(session, &revisited, &mut last, &mut outcome)?;
        }
        match step {
            Step::Insert(m, obj) => {
                let start = next - 1;
                if batching {
                    let members = crate::obj::Visit::new();
                    obj.first_visit(&members);
                    while let Some(Step::Insert(other, obj)) = plan.steps.get(next) {
                        if other != m || needs_key_of(deps, obj, &members) {
                            break;
                        }
                        obj.first_visit(&members);
                        next += 1;
                    }
                }
                let batch: Vec<&AnyObj> = plan.steps[start..next]
                    .iter()
                    .filter_map(|step| match step {
                        Step::Insert(_, obj) => Some(*obj),
                        _ => None,
                    })
                    .collect();
                let target = session.target(*m);
                for obj in &batch {
                    if let Some(syncs) = deps.syncs.get(obj) {
                        persistence::apply_syncs(target.mapper, obj, syncs.immediate(), undo)?;
                    }
                }
                persistence::insert_many(&target, &batch, undo, &mut |obj, inserted| {
                    let again = revisited.contains(obj);
                    outcome.record_insert(
                        target.mapper,
                        *m,
                        obj,
                        &inserted.values,
                        inserted.generated_key,
                        again,
                    );
                    if again {
                        last.insert((*obj).clone(), inserted.values);
                    }
                    Ok(())
                })?;
            }
            Step::Switch(m, obj, old) => {
                let target = session.target(*m);
                if let Some(syncs) = deps.syncs.get(obj) {
                    persistence::apply_syncs(target.mapper, obj, syncs.immediate(), undo)?;
                }
                let (committed, key) = committed_and_key(old)?;
                let values =
                    persistence::update(&target, obj, &committed, &key, undo)?.unwrap_or(committed);
                let again = revisited.contains(obj);
                outcome.record_insert(target.mapper, *m, obj, &values, false, again);
                if again {
                    last.insert((*obj).clone(), values);
                }
                outcome.deleted.push((*old).clone());
            }
            Step::Update(m, obj) => {
                let target = session.target(*m);
                if let Some(syncs) = deps.syncs.get(obj) {
                    persistence::apply_syncs(target.mapper, obj, syncs.immediate(), undo)?;
                }
                // A row a `ClearUnique` step wrote already: from what it holds now.
                if let Some(written) = last.get(obj).cloned() {
                    let key = session.registry.mappers[*m].key_of(&written);
                    if let Some(values) = persistence::update(&target, obj, &written, &key, undo)? {
                        last.insert((*obj).clone(), values.clone());
                        outcome.record_update(&session.registry.mappers, obj, values);
                    }
                    continue;
                }
                let prepared = {
                    let state = obj.state()?;
                    match (&state.committed, &state.key) {
                        (Committed::Row(committed), Some(key)) => {
                            persistence::prepare_update(&target, obj, committed, key, undo)?
                        }
                        // No column was written: the fields hold the row.
                        (Committed::InFields, Some(_)) => None,
                        _ => {
                            return Err(Error::Internal(format!(
                                "{} object has no row to update",
                                obj.meta().name
                            )))
                        }
                    }
                };
                if let Some(update) = prepared {
                    waiting.push(*m, obj, update);
                    if waiting.updates.len() >= WaitingUpdates::MOST {
                        waiting.run(session, &revisited, &mut last, &mut outcome)?;
                    }
                }
            }
            Step::ClearUnique(m, obj, columns) => {
                let target = session.target(*m);
                let (committed, key) = committed_and_key(obj)?;
                for &column in columns {
                    undo.write(obj, column, Value::Null)?;
                }
                if let Some(values) = persistence::update(&target, obj, &committed, &key, undo)? {
                    last.insert((*obj).clone(), values.clone());
                    outcome.record_update(&session.registry.mappers, obj, values);
                }
            }
            Step::PostUpdate(m, obj) => {
                let target = session.target(*m);
                let Some(syncs) = deps.syncs.get(obj) else {
                    continue;
                };
                let written = match last.get(obj) {
                    Some(values) => values.clone(),
                    None => committed_and_key(obj)?.0,
                };
                persistence::apply_syncs(target.mapper, obj, syncs.deferred(), undo)?;
                let key = session.registry.mappers[*m].key_of(&written);
                if let Some(values) = persistence::update(&target, obj, &written, &key, undo)? {
                    last.insert((*obj).clone(), values.clone());
                    outcome.record_update(&session.registry.mappers, obj, values);
                }
            }
            Step::AssociationDeletes => {
                association_rows(session, &deps.association_deletes, false)?;
            }
            Step::AssociationInserts => {
                association_rows(session, &deps.association_inserts, true)?;
            }
            Step::ClearPostUpdate(m, obj) => {
                let target = session.target(*m);
                let (committed, key) = committed_and_key(obj)?;
                for column in post_update_columns(&session.registry, *m) {
                    undo.write(obj, column, Value::Null)?;
                }
                if let Some(values) = persistence::update(&target, obj, &committed, &key, undo)? {
                    last.insert((*obj).clone(), values);
                }
            }
            Step::Delete(m, obj) => {
                let key = obj
                    .state()?
                    .key
                    .clone()
                    .ok_or_else(|| Error::Internal("deleted object without key".into()))?;
                let row = match last.get(obj) {
                    Some(values) => values.clone(),
                    None => obj.committed_row()?.unwrap_or_default(),
                };
                match persistence::delete(&session.target(*m), &key, &row) {
                    Ok(()) => outcome.deleted.push((*obj).clone()),
                    Err(err) if err.db_kind() == Some(DbErrorKind::ForeignKeyViolation) => {
                        return Err(explain_foreign_key_failure(session, *m, &key).unwrap_or(err));
                    }
                    Err(err) => return Err(err),
                }
            }
        }
    }
    waiting.run(session, &revisited, &mut last, &mut outcome)?;
    Ok(outcome)
}

/// UPDATEs of one table prepared but not run yet.
#[derive(Default)]
struct WaitingUpdates {
    mapper: usize,
    objs: Vec<AnyObj>,
    updates: Vec<persistence::PendingUpdate>,
}

impl WaitingUpdates {
    /// UPDATEs kept waiting at most: then they run (the statement stays
    /// prepared for the next ones), so that a flush of many changed rows
    /// does not hold all their parameters at once.
    const MOST: usize = 1024;

    fn push(&mut self, mapper: usize, obj: &AnyObj, update: persistence::PendingUpdate) {
        self.mapper = mapper;
        self.objs.push(obj.clone());
        self.updates.push(update);
    }

    /// Runs the waiting UPDATEs, consecutive ones with the same text
    /// together, and records what the rows hold now.
    fn run(
        &mut self,
        session: &Rc<SessionInner>,
        revisited: &HashSet<&AnyObj>,
        last: &mut HashMap<AnyObj, Vec<Value>>,
        outcome: &mut Outcome,
    ) -> Result<()> {
        let target = session.target(self.mapper);
        let mut start = 0;
        while let Some(first) = self.updates.get(start) {
            let sql = first.sql.clone();
            let same = self.updates[start..]
                .iter()
                .take_while(|u| u.sql == sql)
                .count();
            persistence::run_updates(&target, &mut self.updates[start..start + same])?;
            start += same;
        }
        for (obj, update) in self.objs.drain(..).zip(self.updates.drain(..)) {
            if revisited.contains(&obj) {
                let row = match obj.committed_row()? {
                    Some(committed) => update.into_row(&committed),
                    None => update.into_row(&[]),
                };
                last.insert(obj.clone(), row.clone());
                outcome.record_update(&session.registry.mappers, &obj, row);
            } else {
                let (columns, values) = update.into_columns();
                outcome.updated_columns.push((obj, columns, values));
            }
        }
        Ok(())
    }
}

/// Whether a new row takes a key from one of `rows` (not yet written).
fn needs_key_of(deps: &Dependencies, obj: &AnyObj, rows: &crate::obj::Visit) -> bool {
    deps.syncs.get(obj).is_some_and(|syncs| {
        syncs
            .immediate()
            .any(|sync| sync.parent.as_ref().is_some_and(|p| p.was_visited(rows)))
    })
}

fn committed_and_key(obj: &AnyObj) -> Result<(Vec<Value>, crate::identity::Key)> {
    let committed = obj.committed_row()?;
    let state = obj.state()?;
    match (committed, state.key.clone()) {
        (Some(committed), Some(key)) => Ok((committed, key)),
        _ => Err(Error::Internal(format!(
            "{} object has no row to update",
            obj.meta().name
        ))),
    }
}

impl Outcome {
    /// A new row of `mapper` (at `index`) holding `values`; `again` when a
    /// later step writes it again.
    fn record_insert(
        &mut self,
        mapper: &Mapper,
        index: usize,
        obj: &AnyObj,
        values: &[Value],
        generated: bool,
        again: bool,
    ) {
        if again {
            self.positions
                .insert(obj.addr(), (true, self.inserted.len()));
        }
        self.inserted.push(InsertedRow {
            obj: obj.clone(),
            // (A registry of four billion models fails long before.)
            mapper: u32::try_from(index).unwrap_or(u32::MAX),
            key: mapper.key_of(values),
            generated,
        });
    }

    /// The values a row of a revisited object holds after an UPDATE: the
    /// row's entry if the flush inserted or updated it before, a new entry
    /// otherwise.
    fn record_update(&mut self, mappers: &[Mapper], obj: &AnyObj, values: Vec<Value>) {
        match self.positions.get(&obj.addr()) {
            Some(&(true, i)) => {
                let row = &mut self.inserted[i];
                row.key = mappers[row.mapper()].key_of(&values);
            }
            Some(&(false, i)) => self.updated[i].1 = values,
            None => {
                self.positions
                    .insert(obj.addr(), (false, self.updated.len()));
                self.updated.push((obj.clone(), values));
            }
        }
    }
}

/// The objects that a step after their first writes again (a `ClearUnique`
/// before the UPDATE, a `post_update` key, a key cleared before a DELETE):
/// the flush keeps what their rows hold for those steps.
fn revisited<'f>(plan: &Plan<'f>) -> HashSet<&'f AnyObj> {
    plan.steps
        .iter()
        .filter_map(|step| match step {
            Step::ClearUnique(_, obj, _)
            | Step::PostUpdate(_, obj)
            | Step::ClearPostUpdate(_, obj) => Some(*obj),
            _ => None,
        })
        .collect()
}

/// INSERTs or DELETEs association rows, one prepared statement per table.
fn association_rows(session: &SessionInner, rows: &[AssociationRow], insert: bool) -> Result<()> {
    let mut by_table: Vec<(usize, Vec<Vec<Value>>)> = Vec::new();
    for row in rows {
        let mut values = Vec::with_capacity(row.columns.len());
        for (_, obj, col) in &row.columns {
            let value = obj.column_value(*col)?;
            if value.is_null() {
                return Err(Error::Internal(format!(
                    "{} has no key for association table `{}`",
                    obj.meta().name,
                    session.registry.tables[row.table].name
                )));
            }
            values.push(value);
        }
        match by_table.iter_mut().find(|(t, _)| *t == row.table) {
            Some((_, list)) => list.push(values),
            None => by_table.push((row.table, vec![values])),
        }
    }
    for (table, mut params) in by_table {
        if insert {
            in_key_order(&mut params);
        }
        let def = &session.registry.tables[table];
        let first = rows.iter().find(|r| r.table == table);
        let columns: Vec<&str> = first
            .map(|r| {
                r.columns
                    .iter()
                    .map(|(sc, _, _)| def.columns[*sc].name)
                    .collect()
            })
            .unwrap_or_default();
        let dialect = session.engine.dialect();
        let sql = if insert {
            crate::sql::insert_row(dialect, def.name, &columns)
        } else {
            crate::sql::delete_row(dialect, def.name, &columns)
        };
        let affected = session.engine.execute_many(&sql, &params)?;
        if !insert && affected != params.len() as u64 {
            return Err(Error::StaleData {
                model: def.declared_by,
                key: format!("{} association rows", params.len()),
                operation: "DELETE",
                matched: affected,
            });
        }
    }
    Ok(())
}

/// Puts new association rows of integer keys (the usual kind) in the order
/// of their columns, which is the order of the table's primary key, unless
/// they are grouped by their first column already: the database then adds
/// them to that index in order instead of all over it. (Rows reached
/// through the second column's side of a `back_populates` pair come
/// grouped by that side's object; inserting them so cost SQLite 15% more
/// instructions.) Rows of other values keep the order they were found in.
fn in_key_order(rows: &mut [Vec<Value>]) {
    fn by_integers(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
        for (x, y) in a.iter().zip(b) {
            if let (Value::Integer(x), Value::Integer(y)) = (x, y) {
                match x.cmp(y) {
                    std::cmp::Ordering::Equal => continue,
                    other => return other,
                }
            }
        }
        std::cmp::Ordering::Equal
    }
    let integers = rows
        .iter()
        .flatten()
        .all(|v| matches!(v, Value::Integer(_)));
    // Rows already grouped by their first column (found from that side)
    // are left as they are: the order within a group matters little.
    fn first(row: &[Value]) -> &[Value] {
        row.get(..1).unwrap_or_default()
    }
    if integers && !rows.is_sorted_by(|a, b| by_integers(first(a), first(b)).is_le()) {
        rows.sort_unstable_by(|a, b| by_integers(a, b));
    }
}

/// A clearer error when a DELETE fails because association rows still
/// point at the row and no relationship on its side knows that table.
fn explain_foreign_key_failure(session: &SessionInner, m: usize, key: &[Value]) -> Option<Error> {
    let registry = &session.registry;
    let mapper = &registry.mappers[m];
    for (t, table) in registry.tables.iter().enumerate() {
        if table.model.is_some() || !table.foreign_keys.iter().any(|fk| fk.target == m) {
            continue;
        }
        let knows = mapper
            .all_relationships()
            .any(|(_, r)| r.secondary.as_ref().is_some_and(|l| l.table == t));
        if knows {
            continue;
        }
        let users: Vec<String> = registry
            .mappers
            .iter()
            .flat_map(|other| {
                other
                    .all_relationships()
                    .filter(|(_, r)| {
                        r.direction == Direction::ManyToMany
                            && r.secondary.as_ref().is_some_and(|l| l.table == t)
                    })
                    .map(|(_, r)| format!("{}.{}", other.meta.name, r.name))
                    .collect::<Vec<_>>()
            })
            .collect();
        return Some(Error::AssociationRowsRemain {
            model: mapper.meta.name,
            key: render_key(key),
            table: table.name,
            relationships: if users.is_empty() {
                "none".to_owned()
            } else {
                users.join(", ")
            },
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::in_key_order;
    use crate::value::Value;

    fn rows(values: &[[i64; 2]]) -> Vec<Vec<Value>> {
        values
            .iter()
            .map(|r| r.iter().map(|&v| Value::Integer(v)).collect())
            .collect()
    }

    #[test]
    fn association_rows_go_in_key_order_unless_grouped_already() {
        // Found through the second column's side: sorted by the whole key.
        let mut found = rows(&[[1, 3], [2, 3], [1, 2], [2, 2], [1, 1]]);
        in_key_order(&mut found);
        assert_eq!(found, rows(&[[1, 1], [1, 2], [1, 3], [2, 2], [2, 3]]));
        // Grouped by the first column: left as found.
        let mut grouped = rows(&[[1, 3], [1, 1], [2, 9], [2, 4]]);
        in_key_order(&mut grouped);
        assert_eq!(grouped, rows(&[[1, 3], [1, 1], [2, 9], [2, 4]]));
        // Other values keep their order.
        let mut text = vec![
            vec![Value::Text("b".into()), Value::Integer(1)],
            vec![Value::Text("a".into()), Value::Integer(2)],
        ];
        let before = text.clone();
        in_key_order(&mut text);
        assert_eq!(text, before);
    }
}
