//! The flush: collect the changed objects, run the dependency processors,
//! order the rows, emit the statements inside the transaction, and record
//! the new committed state (SQLAlchemy's `unitofwork.py`).
//!
//! Order: every INSERT and UPDATE, table by table with referenced tables
//! first (and, within a self-referential table, parent rows first); then
//! every DELETE, tables in reverse order (children first). Updates that
//! clear a foreign key therefore run before the DELETE of the row it pointed
//! to.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cmp::Ordering;
use std::rc::Rc;

use crate::dependency::{self, Dependencies};
use crate::error::{Error, Result};
use crate::obj::AnyObj;
use crate::persistence::{self, Undo};
use crate::session::SessionInner;
use crate::value::Value;

/// The rows of one flush, in execution order.
struct Plan {
    /// `(mapper, object, is_insert)`.
    saves: Vec<(usize, AnyObj, bool)>,
    /// `(mapper, object)`.
    deletes: Vec<(usize, AnyObj)>,
}

/// What the statements did, applied to the session once they all succeeded.
#[derive(Default)]
struct Outcome {
    inserted: Vec<(AnyObj, Vec<Value>, bool)>,
    updated: Vec<(AnyObj, Vec<Value>)>,
    deleted: Vec<AnyObj>,
}

impl SessionInner {
    pub(crate) fn flush(self: &Rc<Self>) -> Result<()> {
        let roots: Vec<AnyObj> = {
            let identity = self.identity.borrow();
            let new = self.new.borrow();
            new.iter()
                .cloned()
                .chain(identity.values().filter(|o| o.is_modified()).cloned())
                .collect()
        };
        self.cascade_add(roots)?;
        let pending: Vec<AnyObj> = self.new.borrow().clone();
        let deleted: Vec<AnyObj> = self.deleted.borrow().clone();
        let mut dirty: Vec<AnyObj> = {
            let identity = self.identity.borrow();
            identity
                .values()
                .filter(|o| o.is_modified())
                .filter(|o| o.state().map(|s| !s.marked_for_delete).unwrap_or(true))
                .cloned()
                .collect()
        };
        if pending.is_empty() && deleted.is_empty() && dirty.is_empty() {
            return Ok(());
        }
        self.sort_by_key(&mut dirty)?;

        let saved: Vec<AnyObj> = pending.iter().chain(&dirty).cloned().collect();
        let deps = dependency::process(self, &saved, &deleted)?;
        let plan = self.plan(&pending, &dirty, &deleted, &deps)?;

        let began = !self.in_transaction.get();
        let savepoint = if began {
            self.engine.execute("BEGIN", &[])?;
            self.in_transaction.set(true);
            None
        } else {
            let name = format!("flush_{}", self.savepoints.get() + 1);
            self.savepoints.set(self.savepoints.get() + 1);
            self.engine.execute(&format!("SAVEPOINT {name}"), &[])?;
            Some(name)
        };

        let mut undo = Undo::default();
        match self.execute(&plan, &deps, &mut undo) {
            Ok(outcome) => {
                if let Some(name) = &savepoint {
                    self.engine
                        .execute(&format!("RELEASE SAVEPOINT {name}"), &[])?;
                }
                self.after_flush(outcome, &saved, &deps)
            }
            Err(err) => {
                undo.revert();
                match &savepoint {
                    None => {
                        self.in_transaction.set(false);
                        let _ = self.engine.execute("ROLLBACK", &[]);
                    }
                    Some(name) => {
                        let _ = self
                            .engine
                            .execute(&format!("ROLLBACK TO SAVEPOINT {name}"), &[]);
                        let _ = self
                            .engine
                            .execute(&format!("RELEASE SAVEPOINT {name}"), &[]);
                    }
                }
                Err(err)
            }
        }
    }

    /// Sorts persistent objects by model, then primary key, so that UPDATEs
    /// come out in a stable order.
    fn sort_by_key(&self, objects: &mut [AnyObj]) -> Result<()> {
        let mut keyed = Vec::with_capacity(objects.len());
        for obj in objects.iter() {
            let key = obj.state()?.key.clone().unwrap_or_default();
            keyed.push((self.mapper_index(obj.meta())?, key, obj.clone()));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| compare_keys(&a.1, &b.1)));
        for (slot, (_, _, obj)) in objects.iter_mut().zip(keyed) {
            *slot = obj;
        }
        Ok(())
    }

    fn plan(
        &self,
        pending: &[AnyObj],
        dirty: &[AnyObj],
        deleted: &[AnyObj],
        deps: &Dependencies,
    ) -> Result<Plan> {
        let deleting: HashSet<&AnyObj> = deleted.iter().collect();
        let mappers = self.registry.mappers.len();
        let mut inserts: Vec<Vec<AnyObj>> = vec![Vec::new(); mappers];
        let mut updates: Vec<Vec<AnyObj>> = vec![Vec::new(); mappers];
        let mut deletes: Vec<Vec<AnyObj>> = vec![Vec::new(); mappers];
        for obj in pending {
            inserts[self.mapper_index(obj.meta())?].push(obj.clone());
        }
        let mut queued: HashSet<&AnyObj> = dirty.iter().collect();
        let mut extra: Vec<AnyObj> = Vec::new();
        for child in &deps.sync_targets {
            let persistent = {
                let state = child.state()?;
                state.key.is_some() && !state.deleted
            };
            if persistent && !deleting.contains(child) && queued.insert(child) {
                extra.push(child.clone());
            }
        }
        self.sort_by_key(&mut extra)?;
        for obj in dirty.iter().chain(&extra) {
            updates[self.mapper_index(obj.meta())?].push(obj.clone());
        }
        for obj in deleted {
            deletes[self.mapper_index(obj.meta())?].push(obj.clone());
        }

        let mut plan = Plan {
            saves: Vec::new(),
            deletes: Vec::new(),
        };
        for &m in &self.registry.table_order {
            let ordered = self.order_inserts(m, std::mem::take(&mut inserts[m]), deps)?;
            plan.saves.extend(ordered.into_iter().map(|o| (m, o, true)));
            plan.saves
                .extend(updates[m].drain(..).map(|o| (m, o, false)));
        }
        for &m in self.registry.table_order.iter().rev() {
            let ordered = self.order_deletes(m, std::mem::take(&mut deletes[m]))?;
            plan.deletes.extend(ordered.into_iter().map(|o| (m, o)));
        }
        Ok(plan)
    }

    /// Orders the new rows of one table so that a row whose key is copied
    /// into another row (same table) is inserted first.
    fn order_inserts(
        &self,
        mapper: usize,
        rows: Vec<AnyObj>,
        deps: &Dependencies,
    ) -> Result<Vec<AnyObj>> {
        if rows.len() < 2 {
            return Ok(rows);
        }
        let index: HashMap<&AnyObj, usize> = rows.iter().enumerate().map(|(i, o)| (o, i)).collect();
        let before = |i: usize| -> Vec<usize> {
            deps.syncs
                .get(&rows[i])
                .map(|s| {
                    s.sets
                        .iter()
                        .filter_map(|sync| sync.parent.as_ref().and_then(|p| index.get(p).copied()))
                        .collect()
                })
                .unwrap_or_default()
        };
        topological(&rows, before, || self.cycle_error(mapper))
    }

    /// Orders the deleted rows of one table so that a row referencing another
    /// deleted row of the same table is deleted first.
    fn order_deletes(&self, mapper: usize, rows: Vec<AnyObj>) -> Result<Vec<AnyObj>> {
        let m = &self.registry.mappers[mapper];
        let self_fks: Vec<_> = m
            .foreign_keys
            .iter()
            .filter(|fk| fk.target == mapper)
            .collect();
        if rows.len() < 2 || self_fks.is_empty() {
            return Ok(rows);
        }
        let mut committed = Vec::with_capacity(rows.len());
        for obj in &rows {
            committed.push(obj.state()?.committed.clone().unwrap_or_default());
        }
        // Row j must go before row i when j references i.
        let before = |i: usize| -> Vec<usize> {
            (0..rows.len())
                .filter(|&j| {
                    j != i
                        && self_fks.iter().any(|fk| {
                            let value = &committed[j][fk.column];
                            !value.is_null() && *value == committed[i][fk.target_column]
                        })
                })
                .collect()
        };
        topological(&rows, before, || self.cycle_error(mapper))
    }

    fn cycle_error(&self, mapper: usize) -> Error {
        let meta = self.registry.mappers[mapper].meta;
        Error::Cycle(format!("{} (table {})", meta.name, meta.table))
    }

    fn execute(&self, plan: &Plan, deps: &Dependencies, undo: &mut Undo) -> Result<Outcome> {
        let mut outcome = Outcome::default();
        for (m, obj, is_insert) in &plan.saves {
            let target = self.target(*m);
            let mapper = target.mapper;
            if let Some(syncs) = deps.syncs.get(obj) {
                persistence::apply_syncs(mapper, obj, syncs, undo)?;
            }
            if *is_insert {
                let inserted = persistence::insert(&target, obj, undo)?;
                outcome
                    .inserted
                    .push((obj.clone(), inserted.values, inserted.generated_key));
            } else {
                let (committed, key) = {
                    let state = obj.state()?;
                    (state.committed.clone(), state.key.clone())
                };
                let (Some(committed), Some(key)) = (committed, key) else {
                    return Err(Error::Internal(
                        "persistent object without committed state".into(),
                    ));
                };
                if let Some(values) = persistence::update(&target, obj, &committed, &key)? {
                    outcome.updated.push((obj.clone(), values));
                }
            }
        }
        for (m, obj) in &plan.deletes {
            let key = obj
                .state()?
                .key
                .clone()
                .ok_or_else(|| Error::Internal("deleted object without key".into()))?;
            persistence::delete(&self.target(*m), &key)?;
            outcome.deleted.push(obj.clone());
        }
        Ok(outcome)
    }

    /// Takes a deleted object out of the collections that mirror its
    /// relationships (`back_populates`), as SQLAlchemy's reload after commit
    /// would show them.
    fn forget_deleted(&self, obj: &AnyObj) -> Result<()> {
        let meta = obj.meta();
        for rel in 0..meta.relationships.len() {
            let Some(reverse) = crate::sync::reverse_of(meta, rel) else {
                continue;
            };
            let mut targets = obj.rel(rel)?.items();
            if targets.is_empty() && !obj.rel(rel)?.is_loaded() {
                targets.extend(self.related_in_identity_map(obj, rel)?);
            }
            for target in targets {
                if target.state()?.deleted {
                    continue;
                }
                let was_modified = target.is_modified();
                self.touch(&target)?;
                // An unloaded collection will not find the row when loaded.
                if target.rel(reverse)?.is_loaded() {
                    target.rel_mut(reverse)?.remove(obj);
                }
                if let Some(Some(committed)) = target.state_mut()?.committed_rels.get_mut(reverse) {
                    committed.retain(|o| !o.ptr_eq(obj));
                }
                if !was_modified {
                    target.clear_modified();
                }
            }
        }
        Ok(())
    }

    fn target(&self, mapper: usize) -> persistence::Target<'_> {
        persistence::Target {
            engine: &self.engine,
            statements: &self.statements,
            index: mapper,
            mapper: &self.registry.mappers[mapper],
        }
    }

    /// Records the flushed state: keys, committed snapshots, identity map.
    fn after_flush(
        self: &Rc<Self>,
        outcome: Outcome,
        saved: &[AnyObj],
        deps: &Dependencies,
    ) -> Result<()> {
        for (obj, values, generated) in outcome.inserted {
            self.touch(&obj)?;
            let mapper = self.mapper_index(obj.meta())?;
            let key: Vec<Value> = self.registry.mappers[mapper]
                .primary_key
                .iter()
                .map(|&c| values[c].clone())
                .collect();
            {
                let mut state = obj.state_mut()?;
                state.key = Some(key.clone());
                state.committed = Some(values);
                state.generated_key = generated;
            }
            if self
                .identity
                .borrow_mut()
                .insert(mapper, key.clone(), obj.clone())
                .is_err()
            {
                return Err(Error::IdentityConflict {
                    model: obj.meta().name,
                    key: crate::session::render_key(&key),
                });
            }
        }
        self.new
            .borrow_mut()
            .retain(|o| o.state().map(|s| s.key.is_none()).unwrap_or(true));

        for (obj, values) in outcome.updated {
            self.touch(&obj)?;
            let mapper = self.mapper_index(obj.meta())?;
            let new_key: Vec<Value> = self.registry.mappers[mapper]
                .primary_key
                .iter()
                .map(|&c| values[c].clone())
                .collect();
            let mut state = obj.state_mut()?;
            if let Some(old_key) = state.key.replace(new_key.clone()) {
                if old_key != new_key {
                    let mut identity = self.identity.borrow_mut();
                    identity.remove(mapper, &old_key);
                    let _ = identity.insert(mapper, new_key, obj.clone());
                }
            }
            state.committed = Some(values);
        }

        for obj in &outcome.deleted {
            self.touch(obj)?;
            let mapper = self.mapper_index(obj.meta())?;
            let mut state = obj.state_mut()?;
            state.deleted = true;
            state.marked_for_delete = false;
            if let Some(key) = &state.key {
                self.identity.borrow_mut().remove(mapper, key);
            }
        }
        self.deleted.borrow_mut().clear();
        for obj in &outcome.deleted {
            self.forget_deleted(obj)?;
        }

        // Children whose parent was deleted no longer point at it.
        for (child, parent) in &deps.orphaned {
            for rel in 0..child.meta().relationships.len() {
                let points_at_parent = child.rel(rel)?.contains(parent);
                if points_at_parent {
                    self.touch(child)?;
                    child.rel_mut(rel)?.clear();
                }
            }
        }

        // The relationship contents are now what the database holds.
        let mut snapshotted: HashSet<&AnyObj> = HashSet::default();
        for obj in saved
            .iter()
            .chain(&deps.sync_targets)
            .chain(deps.orphaned.iter().map(|(c, _)| c))
        {
            if !snapshotted.insert(obj) {
                continue;
            }
            if obj.state()?.deleted {
                continue;
            }
            self.touch(obj)?;
            for rel in 0..obj.meta().relationships.len() {
                let snapshot = {
                    let mut field = obj.rel_mut(rel)?;
                    field.clear_pending();
                    field.is_loaded().then(|| field.items())
                };
                obj.state_mut()?.committed_rels[rel] = snapshot;
            }
            obj.clear_modified();
        }
        Ok(())
    }
}

/// Orders `rows` so that for every `i`, the rows in `before(i)` come first;
/// otherwise keeps the given order.
fn topological(
    rows: &[AnyObj],
    before: impl Fn(usize) -> Vec<usize>,
    cycle: impl Fn() -> Error,
) -> Result<Vec<AnyObj>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; rows.len()];
    let mut out = Vec::with_capacity(rows.len());
    for start in 0..rows.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative depth-first search: (row, its prerequisites, next index).
        let mut stack = vec![(start, before(start), 0usize)];
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
