//! The library side: the models, the operations applied to real objects in
//! a real session on in-memory SQLite, and the checks against the model.

use std::collections::BTreeMap;
use std::sync::Arc;

use orm_core::prelude::*;
use orm_core::{DbErrorKind, Engine, Error, Value};
use proptest::prelude::*;

use crate::reference::{label, Model, Obj as Ref, Rows};

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub label: String,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
}

#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub label: String,
    /// Set to a value a blocker row already holds to make a flush fail.
    #[column(unique)]
    pub tag: Option<String>,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

/// One step of a test case; indices are taken modulo the pool size.
#[derive(Debug, Clone)]
pub enum Op {
    NewParent,
    NewChild,
    Add(Ref),
    Append(usize, usize),
    Remove(usize, usize),
    SetParent(usize, Option<usize>),
    Delete(Ref),
    Flush,
    Commit,
    Rollback,
    /// Gives a child a tag the blocker row holds, commits (which must fail
    /// if the child is in the session), then clears the tag.
    FailingCommit(usize),
    /// Another session renames a parent and commits.
    OtherSessionRename(usize),
}

pub fn any_obj() -> impl Strategy<Value = Ref> {
    prop_oneof![(0..6usize).prop_map(Ref::P), (0..6usize).prop_map(Ref::C)]
}

const MAX_POOL: usize = 6;
const BLOCKER_TAG: &str = "taken";

struct World {
    registry: Arc<Registry>,
    engine: Engine,
    session: Session,
    parents: Vec<Obj<Parent>>,
    children: Vec<Obj<Child>>,
    model: Model,
}

/// Runs a case; `Err` describes the first broken invariant.
pub fn run(ops: &[Op]) -> Result<(), String> {
    let registry = Registry::builder()
        .model::<Parent>()
        .build()
        .map_err(|e| e.to_string())?;
    let engine = crate::common::engine();
    registry.create_all(&engine).map_err(|e| e.to_string())?;
    // The row a failing commit collides with; never part of the model.
    engine
        .execute(
            "INSERT INTO child (label, tag) VALUES ('blocker', ?)",
            &[Value::from(BLOCKER_TAG)],
        )
        .map_err(|e| e.to_string())?;
    let session = Session::new(&engine, &registry);
    let mut world = World {
        registry,
        engine,
        session,
        parents: Vec::new(),
        children: Vec::new(),
        model: Model::default(),
    };
    for (step, op) in ops.iter().enumerate() {
        world
            .apply(op)
            .and_then(|()| world.check_memory())
            .map_err(|e| format!("step {step} ({op:?}): {e}"))?;
    }
    Ok(())
}

fn unexpected(what: &str, err: &Error) -> String {
    format!("{what}: unexpected error {err:?}")
}

impl World {
    fn parent(&self, i: usize) -> Option<(usize, Obj<Parent>)> {
        let i = i % self.parents.len().max(1);
        let obj = self.parents.get(i)?;
        self.model.exists(Ref::P(i)).then(|| (i, obj.clone()))
    }

    fn child(&self, i: usize) -> Option<(usize, Obj<Child>)> {
        let i = i % self.children.len().max(1);
        let obj = self.children.get(i)?;
        self.model.exists(Ref::C(i)).then(|| (i, obj.clone()))
    }

    /// Resolves a pool reference to an existing object.
    fn resolve(&self, r: Ref) -> Option<Ref> {
        match r {
            Ref::P(i) => self.parent(i).map(|(i, _)| Ref::P(i)),
            Ref::C(i) => self.child(i).map(|(i, _)| Ref::C(i)),
        }
    }

    fn with_obj<R>(
        &self,
        r: Ref,
        parent: impl FnOnce(&Obj<Parent>) -> R,
        child: impl FnOnce(&Obj<Child>) -> R,
    ) -> R {
        match r {
            Ref::P(i) => parent(&self.parents[i]),
            Ref::C(i) => child(&self.children[i]),
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), String> {
        match *op {
            Op::NewParent if self.parents.len() < MAX_POOL => {
                let i = self.parents.len();
                self.parents.push(Obj::new(Parent {
                    label: label(Ref::P(i)),
                    name: label(Ref::P(i)),
                    ..Default::default()
                }));
                self.model.parents += 1;
            }
            Op::NewChild if self.children.len() < MAX_POOL => {
                let i = self.children.len();
                self.children.push(Obj::new(Child {
                    label: label(Ref::C(i)),
                    ..Default::default()
                }));
                self.model.children += 1;
                self.model.parent_of.push(None);
                self.model.committed.parent_of.push(None);
            }
            Op::NewParent | Op::NewChild => {}
            Op::Add(r) => {
                let Some(r) = self.resolve(r) else {
                    return Ok(());
                };
                self.with_obj(r, |p| self.session.add(p), |c| self.session.add(c))
                    .map_err(|e| unexpected("add", &e))?;
                self.model.attach(r);
            }
            Op::Append(p, c) => {
                let (Some((pi, p)), Some((ci, c))) = (self.parent(p), self.child(c)) else {
                    return Ok(());
                };

                p.append(Parent::children, &c)
                    .map_err(|e| unexpected("append", &e))?;
                // Appending a member again is no event at all.
                let changed = self.model.parent_of[ci] != Some(pi);
                self.model.link(ci, Some(pi));
                if changed && self.model.attached.contains(&Ref::P(pi)) {
                    self.model.attach(Ref::C(ci));
                }
            }
            Op::Remove(p, c) => {
                let (Some((pi, p)), Some((ci, c))) = (self.parent(p), self.child(c)) else {
                    return Ok(());
                };
                if self.model.parent_of[ci] != Some(pi) {
                    return Ok(());
                }
                p.remove(Parent::children, &c)
                    .map_err(|e| unexpected("remove", &e))?;
                self.model.link(ci, None);
            }
            Op::SetParent(c, p) => {
                let Some((ci, c)) = self.child(c) else {
                    return Ok(());
                };

                let parent = p.and_then(|p| self.parent(p));
                match &parent {
                    Some((_, p)) => c.set(Child::parent, p),
                    None => c.set(Child::parent, None),
                }
                .map_err(|e| unexpected("set", &e))?;
                let target = parent.as_ref().map(|(pi, _)| *pi);
                let changed = self.model.parent_of[ci] != target;
                self.model.link(ci, target);
                if let Some((pi, _)) = parent.filter(|_| changed) {
                    if self.model.attached.contains(&Ref::C(ci)) {
                        self.model.attach(Ref::P(pi));
                    }
                }
            }
            Op::Delete(r) => {
                let Some(r) = self.resolve(r) else {
                    return Ok(());
                };

                let result =
                    self.with_obj(r, |p| self.session.delete(p), |c| self.session.delete(c));
                let persistent = self.model.persisted.contains(&r);
                match (result, persistent) {
                    (Ok(()), true) => {
                        self.model.attached.insert(r);
                        self.model.marked.insert(r);
                    }
                    (Err(Error::InvalidState { .. }), false) => {}
                    (Ok(()), false) => return Err("deleting a non-persistent object worked".into()),
                    (Err(e), _) => return Err(unexpected("delete", &e)),
                }
            }
            Op::Flush => {
                self.session.flush().map_err(|e| unexpected("flush", &e))?;
                self.model.flush();
                self.check_rows(&self.model.flushed.clone())?;
            }
            Op::Commit => {
                self.session
                    .commit()
                    .map_err(|e| unexpected("commit", &e))?;
                self.model.commit();
                self.check_committed()?;
            }
            Op::Rollback => {
                self.session
                    .rollback()
                    .map_err(|e| unexpected("rollback", &e))?;
                self.model.rollback();
                self.check_rows(&self.model.committed.rows.clone())?;
            }
            Op::FailingCommit(c) => self.failing_commit(c)?,
            Op::OtherSessionRename(p) => {
                let Some((pi, _)) = self.parent(p) else {
                    return Ok(());
                };
                let committed = self.model.committed.persisted.contains(&Ref::P(pi));
                if self.model.in_transaction
                    || !committed
                    || self.model.marked.contains(&Ref::P(pi))
                {
                    return Ok(());
                }
                let other = Session::new(&self.engine, &self.registry);
                let found = other
                    .query::<Parent>()
                    .filter(Parent::label.eq(label(Ref::P(pi))))
                    .one()
                    .map_err(|e| unexpected("other session query", &e))?;
                let new_name = format!("{}'", found.borrow().name);
                found.borrow_mut().name = new_name.clone();
                other
                    .commit()
                    .map_err(|e| unexpected("other session commit", &e))?;
                for rows in [&mut self.model.flushed, &mut self.model.committed.rows] {
                    rows.parents.insert(label(Ref::P(pi)), new_name.clone());
                }
            }
        }
        Ok(())
    }

    /// A commit that collides with the blocker row must fail and change
    /// nothing, in the database or in memory.
    fn failing_commit(&mut self, c: usize) -> Result<(), String> {
        let Some((ci, c)) = self.child(c) else {
            return Ok(());
        };
        let before_rows = self.read_rows()?;
        let before_links = self.memory_links();
        let before_ids: Vec<Option<i64>> = self.children.iter().map(|c| c.borrow().id).collect();
        c.borrow_mut().tag = Some(BLOCKER_TAG.into());
        // A column change marks the object changed for the flush's cascade.
        self.model.changed.insert(Ref::C(ci));
        let result = self.session.commit();
        c.borrow_mut().tag = None;
        // The flush's cascade runs before the statements.
        let mut after_cascade = self.model.clone();
        after_cascade.flush_cascade();
        let written = after_cascade.attached.contains(&Ref::C(ci))
            && !self.model.marked.contains(&Ref::C(ci));
        match result {
            Err(Error::Database(e)) if e.kind == DbErrorKind::UniqueViolation && written => {
                // What the failed flush's cascade attached has left again.
                if self.read_rows()? != before_rows {
                    return Err("a failed commit changed the rows".into());
                }
                if self.memory_links() != before_links {
                    return Err("a failed commit changed the links in memory".into());
                }
                let ids: Vec<Option<i64>> = self.children.iter().map(|c| c.borrow().id).collect();
                if ids != before_ids {
                    return Err(format!(
                        "a failed commit changed keys: {before_ids:?} -> {ids:?}"
                    ));
                }
                Ok(())
            }
            Ok(()) if !written => {
                self.model.commit();
                self.check_committed()
            }
            Ok(()) => Err("a commit writing a duplicate tag succeeded".into()),
            Err(e) => Err(unexpected("failing commit", &e)),
        }
    }

    /// The rows in the database, by label.
    fn read_rows(&self) -> Result<Rows, String> {
        let query = |sql: &str| self.engine.query(sql, &[]).map_err(|e| e.to_string());
        let mut rows = Rows::default();
        for row in query("SELECT label, name FROM parent")? {
            if let [Value::Text(label), Value::Text(name)] = row.as_slice() {
                rows.parents.insert(label.clone(), name.clone());
            }
        }
        for row in query(
            "SELECT c.label, p.label FROM child c LEFT JOIN parent p ON p.id = c.parent_id \
             WHERE c.label <> 'blocker'",
        )? {
            match row.as_slice() {
                [Value::Text(label), Value::Text(parent)] => {
                    rows.children.insert(label.clone(), Some(parent.clone()));
                }
                [Value::Text(label), Value::Null] => {
                    rows.children.insert(label.clone(), None);
                }
                other => return Err(format!("unexpected row {other:?}")),
            }
        }
        Ok(rows)
    }

    fn check_rows(&self, expected: &Rows) -> Result<(), String> {
        let actual = self.read_rows()?;
        if &actual != expected {
            return Err(format!(
                "rows differ:\n  database {actual:?}\n  model    {expected:?}"
            ));
        }
        Ok(())
    }

    /// After a commit: the rows are the model's, and a fresh session loads
    /// the same graph.
    fn check_committed(&self) -> Result<(), String> {
        self.check_rows(&self.model.committed.rows)?;
        let fresh = Session::new(&self.engine, &self.registry);
        let mut loaded: BTreeMap<String, Option<String>> = BTreeMap::new();
        let parents = fresh
            .query::<Parent>()
            .all()
            .map_err(|e| unexpected("fresh query", &e))?;
        for p in &parents {
            let children = p
                .get(Parent::children)
                .map_err(|e| unexpected("fresh load", &e))?;
            for c in children {
                let back = c
                    .get(Child::parent)
                    .map_err(|e| unexpected("fresh load", &e))?;
                if !back.is_some_and(|b| b.ptr_eq(p)) {
                    return Err("a fresh session's graph disagrees with itself".into());
                }
                loaded.insert(c.borrow().label.clone(), Some(p.borrow().label.clone()));
            }
        }
        for c in fresh
            .query::<Child>()
            .all()
            .map_err(|e| unexpected("fresh query", &e))?
        {
            let label = c.borrow().label.clone();
            if label != "blocker" {
                loaded.entry(label).or_insert(None);
            }
        }
        if loaded != self.model.committed.rows.children {
            return Err(format!(
                "a fresh session loads {loaded:?}, the model has {:?}",
                self.model.committed.rows.children
            ));
        }
        Ok(())
    }

    /// The links in memory, as far as they are loaded: child -> parent.
    fn memory_links(&self) -> Vec<Option<Option<usize>>> {
        self.children
            .iter()
            .map(|c| {
                let c = c.borrow();
                if !c.parent.is_loaded() {
                    return None;
                }
                Some(
                    c.parent
                        .get()
                        .and_then(|p| self.parents.iter().position(|q| q.ptr_eq(p))),
                )
            })
            .collect()
    }

    /// Both sides agree, the loaded links are the model's, and so is which
    /// objects the session holds.
    fn check_memory(&self) -> Result<(), String> {
        for (i, p) in self.parents.iter().enumerate() {
            let r = Ref::P(i);
            if self.model.exists(r) && self.session.contains(p) != self.model.attached.contains(&r)
            {
                return Err(format!(
                    "p{i} in session: {}, the model says the opposite",
                    self.session.contains(p)
                ));
            }
        }
        for (i, c) in self.children.iter().enumerate() {
            let r = Ref::C(i);
            if self.model.exists(r) && self.session.contains(c) != self.model.attached.contains(&r)
            {
                return Err(format!(
                    "c{i} in session: {}, the model says the opposite",
                    self.session.contains(c)
                ));
            }
        }
        for (ci, c) in self.children.iter().enumerate() {
            if !self.model.exists(Ref::C(ci)) {
                continue;
            }
            let child = c.borrow();
            if let Some(p) = child.parent.get() {
                let pi = self.parents.iter().position(|q| q.ptr_eq(p));
                if pi.is_some_and(|pi| self.model.exists(Ref::P(pi))) {
                    let parent = p.borrow();
                    if parent.children.is_loaded() && !parent.children.contains(c) {
                        return Err(format!("c{ci}.parent is p{pi:?}, whose children lack it"));
                    }
                }
                if pi != self.model.parent_of[ci] {
                    return Err(format!(
                        "c{ci}.parent is {pi:?}, the model says {:?}",
                        self.model.parent_of[ci]
                    ));
                }
            } else if child.parent.is_loaded() && self.model.parent_of[ci].is_some() {
                return Err(format!(
                    "c{ci}.parent is None, the model says {:?}",
                    self.model.parent_of[ci]
                ));
            }
        }
        for (pi, p) in self.parents.iter().enumerate() {
            if !self.model.exists(Ref::P(pi)) {
                continue;
            }
            let parent = p.borrow();
            if !parent.children.is_loaded() {
                continue;
            }
            for c in parent.children.iter() {
                let Some(ci) = self.children.iter().position(|d| d.ptr_eq(c)) else {
                    return Err(format!("p{pi}.children holds an object outside the pool"));
                };
                let child = c.borrow();
                if child.parent.is_loaded() && !child.parent.get().is_some_and(|q| q.ptr_eq(p)) {
                    return Err(format!(
                        "p{pi}.children holds c{ci}, whose parent is another"
                    ));
                }
                if self.model.exists(Ref::C(ci)) && self.model.parent_of[ci] != Some(pi) {
                    return Err(format!(
                        "p{pi}.children holds c{ci}, the model says its parent is {:?}",
                        self.model.parent_of[ci]
                    ));
                }
            }
        }
        Ok(())
    }
}
