//! The order of the rows of one flush.
//!
//! For each table, referenced tables first: the UPDATEs that do not wait for
//! a new row of the same table, then the INSERTs (parents first within a
//! self-referential table), then the remaining UPDATEs. Rows deleted from a
//! table nothing references go first of all, so a replaced one-to-one row
//! frees its unique key before its successor is inserted. Then the second
//! UPDATEs of `post_update` keys, the association rows (DELETEs, then
//! INSERTs), the `post_update` keys of rows about to go, and the DELETEs,
//! tables in reverse order (children first).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::rc::Rc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::dependency::Dependencies;
use crate::error::{Error, Result};
use crate::obj::AnyObj;
use crate::registry::{Direction, Registry};
use crate::session::SessionInner;
use crate::value::Value;

/// One step of a flush. (Objects are borrowed from the flush's lists and
/// its dependencies: a plan takes no handle on them.)
pub(super) enum Step<'f> {
    Insert(usize, &'f AnyObj),
    Update(usize, &'f AnyObj),
    /// A new object that takes over the row of a deleted object with the
    /// same primary key: an UPDATE instead of a DELETE and an INSERT.
    Switch(usize, &'f AnyObj, &'f AnyObj),
    /// NULLs the given UNIQUE foreign key columns of a row that another row
    /// of this flush takes the value of (a one-to-one swap), before any
    /// UPDATE of its table writes new values.
    ClearUnique(usize, &'f AnyObj, Vec<usize>),
    /// The second UPDATE that writes `post_update` keys.
    PostUpdate(usize, &'f AnyObj),
    AssociationDeletes,
    AssociationInserts,
    /// NULLs the `post_update` keys of a row before it is deleted.
    ClearPostUpdate(usize, &'f AnyObj),
    Delete(usize, &'f AnyObj),
}

/// The steps of one flush, in execution order.
pub(super) struct Plan<'f> {
    pub steps: Vec<Step<'f>>,
}

impl<'f> Plan<'f> {
    pub fn build(
        session: &Rc<SessionInner>,
        pending: &'f [AnyObj],
        dirty: &'f [AnyObj],
        deps: &'f Dependencies,
    ) -> Result<Plan<'f>> {
        let registry = &session.registry;
        let mappers = registry.mappers.len();
        let dropped: HashSet<&AnyObj> = deps.dropped.iter().collect();
        let deleting: HashSet<&AnyObj> = deps.deleting.iter().collect();

        let mut inserts: Vec<Vec<&AnyObj>> = vec![Vec::new(); mappers];
        for obj in pending.iter().filter(|o| !dropped.contains(o)) {
            inserts[session.mapper_index(obj.meta())?].push(obj);
        }
        let mut updates: Vec<Vec<&AnyObj>> = vec![Vec::new(); mappers];
        let mut queued: HashSet<&AnyObj> = HashSet::default();
        // `dirty` comes sorted; only the rows that syncs add need sorting in.
        let mut extra = Vec::new();
        let mut added = false;
        for obj in dirty {
            let stored = {
                let state = obj.state()?;
                state.key.is_some() && !state.deleted
            };
            if stored && !deleting.contains(obj) && queued.insert(obj) {
                extra.push(obj);
            }
        }
        // (Whether a child of a key sync has a row is known from its entry.)
        for (obj, stored) in deps.syncs.targets_stored() {
            if stored && !deleting.contains(obj) && queued.insert(obj) {
                extra.push(obj);
                added = true;
            }
        }
        if added {
            sort_by_key(session, &mut extra)?;
        }
        for obj in extra {
            updates[session.mapper_index(obj.meta())?].push(obj);
        }

        // Row switches: a new row with the key of a row being deleted.
        let mut deleted_keys: HashMap<(usize, crate::identity::Key), &AnyObj> = HashMap::default();
        for obj in &deps.deleting {
            if let Some(key) = obj.state()?.key.clone() {
                deleted_keys.insert((session.mapper_index(obj.meta())?, key), obj);
            }
        }
        let mut switched: HashMap<&AnyObj, &AnyObj> = HashMap::default();
        // (Only where some row of the table is deleted.)
        let deleted_mappers: HashSet<usize> = deleted_keys.keys().map(|(m, _)| *m).collect();
        for (m, rows) in inserts.iter().enumerate() {
            if !deleted_mappers.contains(&m) {
                continue;
            }
            for &obj in rows {
                if let Some(key) = prospective_key(registry, m, obj, deps)? {
                    if let Some(old) = deleted_keys.remove(&(m, key)) {
                        switched.insert(obj, old);
                    }
                }
            }
        }
        let replaced: HashSet<&AnyObj> = switched.values().copied().collect();

        let mut deletes: Vec<Vec<&AnyObj>> = vec![Vec::new(); mappers];
        for obj in deps.deleting.iter().filter(|o| !replaced.contains(*o)) {
            deletes[session.mapper_index(obj.meta())?].push(obj);
        }
        let referenced = referenced_mappers(registry);

        // About one step per row (grown once, not doubled from empty).
        let mut steps = Vec::with_capacity(pending.len() + dirty.len() + deps.deleting.len() + 2);
        for &m in &registry.table_order {
            if !referenced.contains(&m) {
                steps.extend(deletes[m].drain(..).map(|o| Step::Delete(m, o)));
            }
            let rows = std::mem::take(&mut inserts[m]);
            let new_rows: HashSet<*const ()> = if updates[m].is_empty() {
                HashSet::default()
            } else {
                rows.iter().map(|o| o.addr()).collect()
            };
            let waits = |obj: &&AnyObj| {
                deps.syncs.get(obj).is_some_and(|s| {
                    s.sets().any(|sync| {
                        !sync.post
                            && sync
                                .parent
                                .as_ref()
                                .is_some_and(|p| new_rows.contains(&p.addr()))
                    })
                })
            };
            let (late, early): (Vec<&AnyObj>, Vec<&AnyObj>) =
                std::mem::take(&mut updates[m]).into_iter().partition(waits);
            // Rows that only lose a key go first: a unique key they free may
            // be what another row of this table takes next.
            let (clearing, early): (Vec<&AnyObj>, Vec<&AnyObj>) =
                early.into_iter().partition(|o| only_clears(deps, o));
            steps.extend(clearing.into_iter().map(|o| Step::Update(m, o)));
            // Rows that move off a unique key another row takes: NULL first.
            for (obj, columns) in unique_swaps(registry, m, &early, &late, &rows, deps)? {
                steps.push(Step::ClearUnique(m, obj, columns));
            }
            steps.extend(early.into_iter().map(|o| Step::Update(m, o)));
            for obj in order_inserts(session, m, rows, deps)? {
                let old = if switched.is_empty() {
                    None
                } else {
                    switched.remove(obj)
                };
                match old {
                    Some(old) => steps.push(Step::Switch(m, obj, old)),
                    None => steps.push(Step::Insert(m, obj)),
                }
            }
            steps.extend(late.into_iter().map(|o| Step::Update(m, o)));
        }
        for obj in deps.syncs.targets() {
            let has_deferred = deps
                .syncs
                .get(obj)
                .is_some_and(|s| s.deferred().next().is_some());
            if has_deferred && !deleting.contains(obj) && !dropped.contains(obj) {
                steps.push(Step::PostUpdate(session.mapper_index(obj.meta())?, obj));
            }
        }
        steps.push(Step::AssociationDeletes);
        steps.push(Step::AssociationInserts);
        for (m, rows) in deletes.iter().enumerate() {
            let columns = post_update_columns(registry, m);
            if columns.is_empty() {
                continue;
            }
            for &obj in rows {
                let committed = obj.committed_row()?.unwrap_or_default();
                if columns
                    .iter()
                    .any(|&c| committed.get(c).is_some_and(|v| !v.is_null()))
                {
                    steps.push(Step::ClearPostUpdate(m, obj));
                }
            }
        }
        for &m in registry.table_order.iter().rev() {
            let rows = std::mem::take(&mut deletes[m]);
            for obj in order_deletes(session, m, rows)? {
                steps.push(Step::Delete(m, obj));
            }
        }
        Ok(Plan { steps })
    }
}

/// Whether the flush only clears keys of this row (no key is set on it).
fn only_clears(deps: &Dependencies, obj: &AnyObj) -> bool {
    deps.syncs
        .get(obj)
        .is_some_and(|s| s.clears().next().is_some() && s.sets().all(|sync| sync.post))
}

/// The rows among `early` and `late` (UPDATEs of model `m`) whose value of
/// a nullable UNIQUE foreign key column is what another row of this flush
/// (an UPDATE or an INSERT of `m`) is set to, with those columns. Writing
/// the taker first would trip the constraint, and in a swap (two rows
/// exchanging values) no order of the UPDATEs works, so these rows are
/// NULLed first. Empty, and costing one pass over the rows, unless the
/// model has such a column.
fn unique_swaps<'f>(
    registry: &Registry,
    m: usize,
    early: &[&'f AnyObj],
    late: &[&'f AnyObj],
    inserts: &[&'f AnyObj],
    deps: &Dependencies,
) -> Result<Vec<(&'f AnyObj, Vec<usize>)>> {
    let columns = &registry.mappers[m].meta.columns;
    let unique: Vec<usize> = (0..columns.len())
        .filter(|&c| columns[c].unique && columns[c].nullable && columns[c].foreign_key.is_some())
        .collect();
    if unique.is_empty() {
        return Ok(Vec::new());
    }
    // The value each row is set to, per column (a new parent's key is not
    // known yet, and never equals a stored one: keys are not reused).
    let mut taken: HashMap<(usize, Value), Vec<&AnyObj>> = HashMap::default();
    for &obj in early.iter().chain(late).chain(inserts) {
        let Some(syncs) = deps.syncs.get(obj) else {
            continue;
        };
        for sync in syncs.sets().filter(|s| !s.post) {
            let Some(parent) = &sync.parent else {
                continue;
            };
            for &(parent_col, child_col) in sync.pairs.iter() {
                if unique.contains(&child_col) {
                    let value = parent.column_value(parent_col)?;
                    if !value.is_null() {
                        taken.entry((child_col, value)).or_default().push(obj);
                    }
                }
            }
        }
    }
    if taken.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for &obj in early.iter().chain(late) {
        let Some(syncs) = deps.syncs.get(obj) else {
            continue;
        };
        let committed = obj.committed_row()?.unwrap_or_default();
        let mut clear = Vec::new();
        for &col in &unique {
            let moves = syncs
                .sets()
                .any(|s| !s.post && s.pairs.iter().any(|&(_, c)| c == col));
            let Some(old) = committed.get(col).filter(|v| !v.is_null()) else {
                continue;
            };
            let taken_by_other = taken
                .get(&(col, old.clone()))
                .is_some_and(|takers| takers.iter().any(|t| !t.ptr_eq(obj)));
            if moves && taken_by_other {
                clear.push(col);
            }
        }
        if !clear.is_empty() {
            out.push((obj, clear));
        }
    }
    Ok(out)
}

/// The key a new row will have, when the flush can tell before writing it.
fn prospective_key(
    registry: &Registry,
    m: usize,
    obj: &AnyObj,
    deps: &Dependencies,
) -> Result<Option<crate::identity::Key>> {
    let mapper = &registry.mappers[m];
    let mut key = crate::identity::Key::new();
    for &pk in &mapper.primary_key {
        let mut value = obj.column_value(pk)?;
        if let Some(syncs) = deps.syncs.get(obj) {
            for sync in syncs.immediate() {
                for &(parent_col, child_col) in sync.pairs.iter() {
                    if child_col == pk {
                        value = match &sync.parent {
                            Some(parent) => parent.column_value(parent_col)?,
                            None => Value::Null,
                        };
                    }
                }
            }
        }
        if value.is_null() {
            return Ok(None);
        }
        key.push(value);
    }
    Ok(Some(key))
}

/// Models whose rows some foreign key (of a model or an association table)
/// refers to.
fn referenced_mappers(registry: &Registry) -> HashSet<usize> {
    registry
        .mappers
        .iter()
        .flat_map(|m| m.foreign_keys.iter())
        .chain(registry.tables.iter().flat_map(|t| t.foreign_keys.iter()))
        .map(|fk| fk.target)
        .collect()
}

/// The columns of model `m` that `post_update` relationships write.
pub(super) fn post_update_columns(registry: &Registry, m: usize) -> Vec<usize> {
    let mut columns = Vec::new();
    for (index, mapper) in registry.mappers.iter().enumerate() {
        for (_, rel) in mapper.all_relationships() {
            if !rel.post_update {
                continue;
            }
            let child = match rel.direction {
                Direction::ManyToOne => index,
                Direction::OneToMany => rel.target,
                Direction::ManyToMany => continue,
            };
            if child == m {
                columns.extend(rel.pairs.iter().map(|&(_, c)| c));
            }
        }
    }
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// Sorts persistent objects (handles, or borrowed ones) by model, then
/// primary key, so that UPDATEs come out in a stable order.
///
/// Most keys are one integer: those sort as `(model, integer, position)`
/// triples, compared inline, and the objects are then moved into that
/// order; any other key sorts through [`compare_keys`].
pub(super) fn sort_by_key<O: Borrow<AnyObj> + Clone>(
    session: &SessionInner,
    objects: &mut [O],
) -> Result<()> {
    let mut integer_keys = Vec::with_capacity(objects.len());
    for (position, obj) in objects.iter().enumerate() {
        let obj: &AnyObj = obj.borrow();
        let mapper = session.mapper_index(obj.meta())?;
        match obj.state()?.key.as_deref() {
            Some([Value::Integer(i)]) => integer_keys.push((mapper, *i, position)),
            _ => break,
        }
    }
    if integer_keys.len() < objects.len() {
        return sort_by_any_key(session, objects);
    }
    if integer_keys.is_sorted() {
        return Ok(());
    }
    // Keys are unique within a model: no two entries compare equal.
    integer_keys.sort_unstable();
    let order: Vec<O> = integer_keys
        .iter()
        .map(|&(_, _, position)| objects[position].clone())
        .collect();
    for (slot, obj) in objects.iter_mut().zip(order) {
        *slot = obj;
    }
    Ok(())
}

/// [`sort_by_key`] for keys of any shape.
fn sort_by_any_key<O: Borrow<AnyObj> + Clone>(
    session: &SessionInner,
    objects: &mut [O],
) -> Result<()> {
    let mut keyed = Vec::with_capacity(objects.len());
    for handle in objects.iter() {
        let obj: &AnyObj = handle.borrow();
        let key: Vec<Value> = obj.state()?.key.as_deref().unwrap_or_default().to_vec();
        keyed.push((session.mapper_index(obj.meta())?, key, handle.clone()));
    }
    // Keys are unique within a model: no two entries compare equal.
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| compare_keys(&a.1, &b.1)));
    for (slot, (_, _, obj)) in objects.iter_mut().zip(keyed) {
        *slot = obj;
    }
    Ok(())
}

/// Orders the new rows of one table so that a row whose key is copied into
/// another row (same table) is inserted first.
fn order_inserts<'f>(
    session: &SessionInner,
    mapper: usize,
    rows: Vec<&'f AnyObj>,
    deps: &Dependencies,
) -> Result<Vec<&'f AnyObj>> {
    // A row waits for a row of its table (another, or itself: a cycle)
    // only through a foreign key of the table onto itself.
    let m = &session.registry.mappers[mapper];
    if rows.is_empty() || !m.foreign_keys.iter().any(|fk| fk.target == mapper) {
        return Ok(rows);
    }
    let index: HashMap<&AnyObj, usize> = rows.iter().enumerate().map(|(i, &o)| (o, i)).collect();
    let before = |i: usize| -> Vec<usize> {
        deps.syncs
            .get(rows[i])
            .map(|s| {
                s.sets()
                    .filter(|sync| !sync.post)
                    .filter_map(|sync| sync.parent.as_ref().and_then(|p| index.get(p).copied()))
                    .collect()
            })
            .unwrap_or_default()
    };
    topological(&rows, before, || cycle_error(session, mapper))
}

/// Orders the deleted rows of one table so that a row referencing another
/// deleted row of the same table is deleted first.
fn order_deletes<'f>(
    session: &SessionInner,
    mapper: usize,
    rows: Vec<&'f AnyObj>,
) -> Result<Vec<&'f AnyObj>> {
    let m = &session.registry.mappers[mapper];
    let deferred = post_update_columns(&session.registry, mapper);
    let self_fks: Vec<_> = m
        .foreign_keys
        .iter()
        .filter(|fk| fk.target == mapper && !deferred.contains(&fk.column))
        .collect();
    if rows.len() < 2 || self_fks.is_empty() {
        return Ok(rows);
    }
    // Row j must go before row i when j references i: index the rows by
    // the values their referenced columns hold, then look each reference up.
    let mut committed = Vec::with_capacity(rows.len());
    for obj in &rows {
        committed.push(obj.committed_row()?.unwrap_or_default());
    }
    let mut referencing: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for fk in &self_fks {
        let mut by_target: HashMap<&Value, usize> = HashMap::default();
        for (i, values) in committed.iter().enumerate() {
            if let Some(value) = values.get(fk.target_column).filter(|v| !v.is_null()) {
                by_target.insert(value, i);
            }
        }
        for (j, values) in committed.iter().enumerate() {
            let Some(value) = values.get(fk.column).filter(|v| !v.is_null()) else {
                continue;
            };
            if let Some(&i) = by_target.get(value) {
                if i != j {
                    referencing[i].push(j);
                }
            }
        }
    }
    let before = |i: usize| -> Vec<usize> { referencing[i].clone() };
    topological(&rows, before, || cycle_error(session, mapper))
}

/// The error for rows that depend on each other, naming the relationships
/// that could break the cycle.
fn cycle_error(session: &SessionInner, mapper: usize) -> Error {
    let m = &session.registry.mappers[mapper];
    let relationships: Vec<String> = m
        .all_relationships()
        .filter(|(_, r)| r.target == mapper && r.direction == Direction::ManyToOne)
        .map(|(_, r)| format!("{}.{}", m.meta.name, r.name))
        .collect();
    let hint = if relationships.is_empty() {
        String::new()
    } else {
        format!(
            "; add `post_update = true` to {}",
            relationships.join(" or ")
        )
    };
    Error::Cycle {
        model: m.meta.name,
        table: m.meta.table,
        hint,
    }
}
fn topological<O: Clone>(
    rows: &[O],
    before: impl Fn(usize) -> Vec<usize>,
    cycle: impl Fn() -> Error,
) -> Result<Vec<O>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; rows.len()];
    let mut out = Vec::with_capacity(rows.len());
    // Iterative depth-first search: (row, its prerequisites, next index).
    let mut stack = Vec::new();
    for start in 0..rows.len() {
        if marks[start] != Mark::New {
            continue;
        }
        stack.push((start, before(start), 0usize));
        marks[start] = Mark::Active;
        while let Some((row, deps, next)) = stack.last_mut() {
            if let Some(&dep) = deps.get(*next) {
                *next += 1;
                match marks[dep] {
                    Mark::Done => {}
                    Mark::Active => return Err(cycle()),
                    Mark::New => {
                        marks[dep] = Mark::Active;
                        let deps = before(dep);
                        stack.push((dep, deps, 0));
                    }
                }
            } else {
                marks[*row] = Mark::Done;
                out.push(rows[*row].clone());
                stack.pop();
            }
        }
    }
    Ok(out)
}

/// A total order on key values: by kind, then by value.
fn compare_keys(a: &[Value], b: &[Value]) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) => 1,
            Value::Real(_) => 2,
            Value::Text(_) => 3,
            Value::Blob(_) => 4,
        }
    }
    for (x, y) in a.iter().zip(b) {
        let ord = match (x, y) {
            (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
            (Value::Real(x), Value::Real(y)) => x.total_cmp(y),
            (Value::Text(x), Value::Text(y)) => x.cmp(y),
            (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
            _ => rank(x).cmp(&rank(y)),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}
