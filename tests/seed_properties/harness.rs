//! Runs a sequence of operations on the library and on the reference, and
//! checks the invariants after every step.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use orm_core::prelude::*;
use orm_core::{DbErrorKind, Error, ObjectState, Value};
use proptest::prelude::*;

use crate::reference::{Db, Expect, Model as RefModel, Op, Shape, Side, Status};

pub const NP: usize = 3;
pub const NC: usize = 5;
/// A row of the parent table that no session of the test owns: a new parent
/// named like it violates the UNIQUE constraint on `name`.
pub const SENTINEL: &str = "SENTINEL";

/// Was a bug, fixed: a failed flush left the transient objects its
/// save-update cascade reached pending
/// (`regressions::failed_flush_keeps_the_cascaded_objects_pending`). With
/// this on, the reference would expect the old behaviour again.
pub const TOLERATE_CASCADE_KEPT_BY_FAILED_FLUSH: bool = false;

/// Not generated while this is on: a rollback while an object inserted (or
/// made pending) since the commit is linked to a restored one. The bug this
/// once avoided is fixed (`regressions::rollback_leaves_a_new_child_...`),
/// and the reference's rollback follows the library's rules for links
/// between restored and other objects (`docs/design.md`, "Rollback and
/// memory").
pub const AVOID_ROLLBACK_OF_NEW_LINKED_OBJECTS: bool = false;

/// Was a bug, fixed: a child removed from a delete-orphan collection was
/// not deleted when its former parent was deleted in the same flush
/// (`regressions::orphan_of_a_deleted_parent_is_not_deleted`). With this
/// on, such deletes are not generated.
pub const AVOID_DELETING_THE_PARENT_OF_AN_ORPHAN: bool = false;

/// Was a bug, fixed: in a one-to-one with a UNIQUE foreign key, a stored
/// child moved to another parent while another child takes its old parent
/// made the flush fail on the UNIQUE key
/// (`regressions::one_to_one_swap_onto_a_new_parent_trips_the_unique_key`).
/// With this on, moving a stored child to another parent is not generated.
pub const AVOID_MOVING_ONE_TO_ONE_CHILD_TO_NEW_PARENT: bool = false;

/// Known limit: an association object moved onto the key of a row another
/// association object still holds in the database (moving away in the same
/// flush) trips the primary key
/// (`regressions::association_objects_swapping_children_trip_the_primary_
/// key`). With this on, such moves are not generated.
pub const AVOID_MOVING_ONTO_A_STORED_ASSOCIATION_KEY: bool = true;

/// One relationship pattern: two models, how to read and change the
/// relationship between them, and where the database keeps it.
pub trait Family: 'static {
    type P: Model;
    type C: Model;
    const SHAPE: Shape;
    /// Tables with `id INTEGER PRIMARY KEY` and `name TEXT` (UNIQUE on the
    /// parent's). Parents' names start with `p`, children's with `c`, so
    /// both pools may live in one table.
    const P_TABLE: &'static str;
    const C_TABLE: &'static str;
    /// `SELECT parent_id, child_id ...` of the stored links.
    const LINKS_SQL: &'static str;

    fn registry() -> Arc<Registry>;
    fn new_p(name: &str) -> Obj<Self::P>;
    fn new_c(name: &str) -> Obj<Self::C>;
    fn p_id(p: &Obj<Self::P>) -> Option<i64>;
    fn c_id(c: &Obj<Self::C>) -> Option<i64>;
    fn p_name(p: &Obj<Self::P>) -> String;
    fn c_name(c: &Obj<Self::C>) -> String;
    fn set_p_name(p: &Obj<Self::P>, name: &str);
    fn set_c_name(c: &Obj<Self::C>, name: &str);
    /// The child's foreign key column, for the families that have one.
    fn c_fk(_c: &Obj<Self::C>) -> Option<Option<i64>> {
        None
    }
    fn p_targets(p: &Obj<Self::P>) -> orm_core::Result<Vec<Obj<Self::C>>>;
    fn c_targets(c: &Obj<Self::C>) -> orm_core::Result<Vec<Obj<Self::P>>>;
    fn link(p: &Obj<Self::P>, c: &Obj<Self::C>, from_child: bool) -> orm_core::Result<()>;
    fn unlink(p: &Obj<Self::P>, c: &Obj<Self::C>, from_child: bool) -> orm_core::Result<()>;
    /// Moves the link `(p, c)` to `(to_p, c)` or `(p, to_c)` (many-to-many
    /// shapes only). By default an unlink then a link, from the parent's
    /// side or the child's; an association object re-points its own link.
    fn relink(
        p: &Obj<Self::P>,
        c: &Obj<Self::C>,
        to_p: Option<&Obj<Self::P>>,
        to_c: Option<&Obj<Self::C>>,
        via_collection: bool,
    ) -> orm_core::Result<()> {
        Self::unlink(p, c, !via_collection)?;
        Self::link(to_p.unwrap_or(p), to_c.unwrap_or(c), !via_collection)
    }
}

/// The operations, over small pools.
pub fn op_strategy() -> impl Strategy<Value = Op> {
    let side = prop_oneof![Just(Side::P), Just(Side::C)];
    let idx = 0..NC;
    prop_oneof![
        1 => (side.clone(), idx.clone()).prop_map(|(s, i)| Op::Create(s, i % pool(s))),
        4 => (side.clone(), idx.clone()).prop_map(|(s, i)| Op::Add(s, i % pool(s))),
        8 => (0..NP, 0..NC, any::<bool>()).prop_map(|(p, c, from_child)| Op::Link { p, c, from_child }),
        4 => (0..NP, 0..NC, any::<bool>()).prop_map(|(p, c, from_child)| Op::Unlink { p, c, from_child }),
        8 => (0..NP, 0..NC, side.clone(), 0..NC, any::<bool>()).prop_map(|(p, c, side, to, via_collection)| {
            Op::Move { p, c, side, to: to % pool(side), via_collection }
        }),
        3 => (side.clone(), idx.clone()).prop_map(|(s, i)| Op::Delete(s, i % pool(s))),
        2 => (side.clone(), idx.clone()).prop_map(|(s, i)| Op::Rename(s, i % pool(s))),
        2 => Just(Op::Flush),
        4 => Just(Op::Commit),
        2 => Just(Op::Rollback),
        1 => Just(Op::FailingFlush),
        1 => (side.clone(), idx.clone()).prop_map(|(s, i)| Op::Expunge(s, i % pool(s))),
        1 => (side, idx).prop_map(|(s, i)| Op::OtherSessionUpdate(s, i % pool(s))),
    ]
}

fn pool(s: Side) -> usize {
    match s {
        Side::P => NP,
        Side::C => NC,
    }
}

pub fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op_strategy(), 1..40)
}

/// Cases per family: `PROPTEST_CASES` when set, else `default`. (proptest
/// reads the variable only for `Config::default()`, not when a test sets
/// `cases`, so it is read here.)
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    }
}

/// Cases per family on PostgreSQL, where each case costs a schema of its
/// own: `PROPTEST_CASES_POSTGRES` when set, else `default`.
pub fn config_postgres(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES_POSTGRES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        ..config(default)
    }
}

pub struct World<F: Family> {
    pub registry: Arc<Registry>,
    pub engine: Engine,
    pub session: Session,
    pub ps: Vec<Obj<F::P>>,
    pub cs: Vec<Obj<F::C>>,
    pub model: RefModel,
    pub log: Vec<Op>,
    /// The colliding object of the last failing flush.
    failing: Option<Obj<F::P>>,
}

type Res = Result<(), String>;

fn fail<T>(msg: String) -> Result<T, String> {
    Err(msg)
}

/// The graph in memory, per object: state, key, name, foreign key and the
/// slots its relationship holds.
type Snapshot = Vec<(
    Side,
    usize,
    ObjectState,
    Option<i64>,
    String,
    Option<Option<i64>>,
    Vec<usize>,
)>;

impl<F: Family> World<F> {
    pub fn new() -> Self {
        let registry = F::registry();
        let engine = crate::common::engine();
        registry.create_all(&engine).expect("create_all");
        engine
            .execute(
                &format!("INSERT INTO {} (name) VALUES (?)", F::P_TABLE),
                &[Value::from(SENTINEL.to_string())],
            )
            .expect("sentinel row");
        let session = Session::new(&engine, &registry);
        let model = RefModel::new(F::SHAPE, NP, NC);
        let ps = (0..NP)
            .map(|i| F::new_p(&model.obj((Side::P, i)).name))
            .collect();
        let cs = (0..NC)
            .map(|i| F::new_c(&model.obj((Side::C, i)).name))
            .collect();
        World {
            registry,
            engine,
            session,
            ps,
            cs,
            model,
            log: Vec::new(),
            failing: None,
        }
    }

    pub fn run(ops: &[Op]) -> Res {
        let mut w = Self::new();
        for op in ops {
            let op = &w.model.resolve(op);
            if !w.model.applicable(op) {
                continue;
            }
            if AVOID_DELETING_THE_PARENT_OF_AN_ORPHAN {
                let mut next = w.model.clone();
                next.apply(op);
                if next.orphan_of_marked_parent() {
                    continue;
                }
            }
            w.log.push(op.clone());
            w.step(op)
                .map_err(|e| format!("{e}\n  after the operations {:?}", w.log))?;
        }
        Ok(())
    }

    fn step(&mut self, op: &Op) -> Res {
        let before_db = self.dump_db()?;
        let before_mem = self.snapshot()?;
        let mut next = self.model.clone();
        let expect = next.apply(op);
        let result = self.perform(op, &next);
        match (expect, result) {
            (Expect::Ok, Ok(())) => self.model = next,
            (Expect::Ok, Err(e)) => return fail(format!("{op:?}: unexpected error: {e:?}")),
            (expected, Ok(())) => return fail(format!("{op:?}: expected {expected:?}, got Ok")),
            (expected, Err(e)) => {
                let right = match expected {
                    Expect::InvalidState => matches!(e, Error::InvalidState { .. }),
                    Expect::Unique => e.db_kind() == Some(DbErrorKind::UniqueViolation),
                    Expect::MissingKey => matches!(e, Error::MissingPrimaryKey { .. }),
                    Expect::Ok => unreachable!(),
                };
                if !right {
                    return fail(format!("{op:?}: expected {expected:?}, got {e:?}"));
                }
                // A failed operation changes nothing.
                let after_db = self.dump_db()?;
                if after_db != before_db {
                    return fail(format!(
                        "{op:?} failed but changed the database:\n before {before_db:?}\n after  {after_db:?}"
                    ));
                }
                let mut after_mem = self.snapshot()?;
                if TOLERATE_CASCADE_KEPT_BY_FAILED_FLUSH {
                    for (a, b) in after_mem.iter_mut().zip(&before_mem) {
                        if a.2 == ObjectState::Pending
                            && b.2 == ObjectState::Transient
                            && next.obj((a.0, a.1)).status == Status::Pending
                        {
                            a.2 = ObjectState::Transient;
                        }
                    }
                    self.model = next;
                }
                if after_mem != before_mem {
                    return fail(format!(
                        "{op:?} failed but changed the objects:\n before {before_mem:?}\n after  {after_mem:?}"
                    ));
                }
                if let Op::FailingFlush = op {
                    self.cleanup_failing()?;
                }
            }
        }
        self.check_memory()?;
        if matches!(op, Op::Commit | Op::Rollback) {
            self.check_db()?;
        }
        if let Op::Commit = op {
            self.check_fresh_session()?;
        }
        Ok(())
    }

    fn p(&self, i: usize) -> &Obj<F::P> {
        &self.ps[i]
    }

    fn c(&self, i: usize) -> &Obj<F::C> {
        &self.cs[i]
    }

    fn perform(&mut self, op: &Op, next: &RefModel) -> orm_core::Result<()> {
        match *op {
            Op::Create(Side::P, i) => self.ps[i] = F::new_p(&next.obj((Side::P, i)).name),
            Op::Create(Side::C, i) => self.cs[i] = F::new_c(&next.obj((Side::C, i)).name),
            Op::Add(Side::P, i) => self.session.add(self.p(i))?,
            Op::Add(Side::C, i) => self.session.add(self.c(i))?,
            Op::Link { p, c, from_child } => F::link(self.p(p), self.c(c), from_child)?,
            Op::Unlink { p, c, from_child } => F::unlink(self.p(p), self.c(c), from_child)?,
            Op::Move {
                p,
                c,
                side,
                to,
                via_collection,
            } => {
                let (to_p, to_c) = match side {
                    Side::P => (Some(self.p(to)), None),
                    Side::C => (None, Some(self.c(to))),
                };
                F::relink(self.p(p), self.c(c), to_p, to_c, via_collection)?
            }
            Op::Delete(Side::P, i) => self.session.delete(self.p(i))?,
            Op::Delete(Side::C, i) => self.session.delete(self.c(i))?,
            Op::Rename(Side::P, i) => F::set_p_name(self.p(i), &next.obj((Side::P, i)).name),
            Op::Rename(Side::C, i) => F::set_c_name(self.c(i), &next.obj((Side::C, i)).name),
            Op::Flush => self.session.flush()?,
            Op::Commit => self.session.commit()?,
            Op::Rollback => self.session.rollback()?,
            Op::FailingFlush => {
                let dup = F::new_p(SENTINEL);
                self.session.add(&dup)?;
                let result = self.session.flush();
                self.failing = Some(dup);
                result?;
            }
            Op::Expunge(Side::P, i) => self.session.expunge(self.p(i))?,
            Op::Expunge(Side::C, i) => self.session.expunge(self.c(i))?,
            Op::OtherSessionUpdate(side, i) => {
                let other = Session::new(&self.engine, &self.registry);
                let name = &next.db.rows[&(side, i)];
                match side {
                    Side::P => {
                        let id = F::p_id(self.p(i)).expect("persistent parent has a key");
                        let row = other.get::<F::P>(id)?.expect("row of a persistent parent");
                        F::set_p_name(&row, name);
                    }
                    Side::C => {
                        let id = F::c_id(self.c(i)).expect("persistent child has a key");
                        let row = other.get::<F::C>(id)?.expect("row of a persistent child");
                        F::set_c_name(&row, name);
                    }
                }
                other.commit()?;
            }
        }
        Ok(())
    }
}

fn expected_state(s: Status) -> ObjectState {
    match s {
        Status::Transient => ObjectState::Transient,
        Status::Pending => ObjectState::Pending,
        Status::Persistent => ObjectState::Persistent,
        Status::FlushedDeleted => ObjectState::Deleted,
        Status::Detached | Status::Gone => ObjectState::Detached,
    }
}

/// Rows as stored: parents and children by key, links as key pairs.
#[derive(Debug, PartialEq, Eq)]
pub struct DbDump {
    pub parents: BTreeMap<i64, String>,
    pub children: BTreeMap<i64, String>,
    pub links: BTreeSet<(i64, i64)>,
}

fn int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Integer(i) => Ok(*i),
        other => fail(format!("expected an integer, got {other:?}")),
    }
}

fn text(v: &Value) -> Result<String, String> {
    match v {
        Value::Text(t) => Ok(t.clone()),
        other => fail(format!("expected text, got {other:?}")),
    }
}

impl<F: Family> World<F> {
    fn cleanup_failing(&mut self) -> Res {
        if let Some(dup) = self.failing.take() {
            self.session
                .expunge(&dup)
                .map_err(|e| format!("expunge of the colliding object: {e:?}"))?;
        }
        Ok(())
    }

    fn slot_p(&self, o: &Obj<F::P>) -> Result<usize, String> {
        self.ps
            .iter()
            .position(|x| x.ptr_eq(o))
            .ok_or_else(|| format!("a relationship holds an unknown parent {:?}", F::p_name(o)))
    }

    fn slot_c(&self, o: &Obj<F::C>) -> Result<usize, String> {
        self.cs
            .iter()
            .position(|x| x.ptr_eq(o))
            .ok_or_else(|| format!("a relationship holds an unknown child {:?}", F::c_name(o)))
    }

    fn p_links(&self, i: usize) -> Result<Vec<usize>, String> {
        let mut v = F::p_targets(self.p(i))
            .map_err(|e| format!("reading the children of p{i}: {e:?}"))?
            .iter()
            .map(|c| self.slot_c(c))
            .collect::<Result<Vec<_>, _>>()?;
        v.sort();
        Ok(v)
    }

    fn c_links(&self, i: usize) -> Result<Vec<usize>, String> {
        let mut v = F::c_targets(self.c(i))
            .map_err(|e| format!("reading the parents of c{i}: {e:?}"))?
            .iter()
            .map(|p| self.slot_p(p))
            .collect::<Result<Vec<_>, _>>()?;
        v.sort();
        Ok(v)
    }

    fn snapshot(&self) -> Result<Snapshot, String> {
        let mut out = Vec::new();
        for i in 0..NP {
            let live = self.model.obj((Side::P, i)).status.live();
            let p = self.p(i);
            out.push((
                Side::P,
                i,
                p.state(),
                F::p_id(p),
                F::p_name(p),
                None,
                if live { self.p_links(i)? } else { vec![] },
            ));
        }
        for i in 0..NC {
            let live = self.model.obj((Side::C, i)).status.live();
            let c = self.c(i);
            out.push((
                Side::C,
                i,
                c.state(),
                F::c_id(c),
                F::c_name(c),
                F::c_fk(c),
                if live { self.c_links(i)? } else { vec![] },
            ));
        }
        Ok(out)
    }

    /// States, names and both sides of every link agree with the reference.
    fn check_memory(&self) -> Res {
        let m = &self.model;
        let mut from_p = BTreeSet::new();
        let mut from_c = BTreeSet::new();
        for (&(side, i), o) in &m.objs {
            let (state, name) = match side {
                Side::P => (self.p(i).state(), F::p_name(self.p(i))),
                Side::C => (self.c(i).state(), F::c_name(self.c(i))),
            };
            if state != expected_state(o.status) {
                return fail(format!(
                    "{side:?}{i} is {state:?}, the reference says {:?}",
                    o.status
                ));
            }
            if name != o.name {
                return fail(format!(
                    "{side:?}{i} is named {name:?} in memory, the reference says {:?}",
                    o.name
                ));
            }
            if !o.status.live() {
                continue;
            }
            match side {
                Side::P => from_p.extend(self.p_links(i)?.into_iter().map(|c| (i, c))),
                Side::C => from_c.extend(self.c_links(i)?.into_iter().map(|p| (p, i))),
            }
        }
        let live = |k| m.obj(k).status.live();
        let expected: BTreeSet<_> = m
            .links
            .iter()
            .copied()
            .filter(|&(p, c)| live((Side::P, p)) && live((Side::C, c)))
            .collect();
        // A live object's relationship must not hold a dead one either.
        if from_p != from_c {
            return fail(format!(
                "the two sides disagree: parents hold {from_p:?}, children hold {from_c:?}"
            ));
        }
        if from_p != expected {
            return fail(format!(
                "links in memory {from_p:?}, the reference says {expected:?}"
            ));
        }
        Ok(())
    }

    pub fn dump_db(&self) -> Result<DbDump, String> {
        let q = |sql: &str| {
            self.engine
                .query(sql, &[])
                .map_err(|e| format!("{sql}: {e:?}"))
        };
        let mut parents = BTreeMap::new();
        for row in q(&format!(
            "SELECT id, name FROM {} WHERE name LIKE 'p%' ORDER BY id",
            F::P_TABLE
        ))? {
            parents.insert(int(&row[0])?, text(&row[1])?);
        }
        let mut children = BTreeMap::new();
        for row in q(&format!(
            "SELECT id, name FROM {} WHERE name LIKE 'c%' ORDER BY id",
            F::C_TABLE
        ))? {
            children.insert(int(&row[0])?, text(&row[1])?);
        }
        let mut links = BTreeSet::new();
        for row in q(F::LINKS_SQL)? {
            links.insert((int(&row[0])?, int(&row[1])?));
        }
        Ok(DbDump {
            parents,
            children,
            links,
        })
    }

    /// What the reference says the database holds, keyed by the keys the
    /// objects carry.
    fn expected_db(&self, db: &Db) -> Result<DbDump, String> {
        let mut ids = BTreeMap::new();
        let mut out = DbDump {
            parents: BTreeMap::new(),
            children: BTreeMap::new(),
            links: BTreeSet::new(),
        };
        for (&(side, i), name) in &db.rows {
            let id = match side {
                Side::P => F::p_id(self.p(i)),
                Side::C => F::c_id(self.c(i)),
            }
            .ok_or_else(|| format!("{side:?}{i} has a row but no key"))?;
            ids.insert((side, i), id);
            let map = match side {
                Side::P => &mut out.parents,
                Side::C => &mut out.children,
            };
            if map.insert(id, name.clone()).is_some() {
                return fail(format!("two {side:?} objects carry the key {id}"));
            }
        }
        for &(p, c) in &db.links {
            out.links.insert((ids[&(Side::P, p)], ids[&(Side::C, c)]));
        }
        Ok(out)
    }

    /// After a commit or a rollback: the rows are the reference's, and the
    /// foreign keys in memory are the parents' keys.
    fn check_db(&self) -> Res {
        let actual = self.dump_db()?;
        let expected = self.expected_db(&self.model.db)?;
        if actual != expected {
            return fail(format!(
                "database differs from the reference:
 actual   {actual:?}
 expected {expected:?}"
            ));
        }
        if F::SHAPE.c_single {
            for i in 0..NC {
                if self.model.obj((Side::C, i)).status != Status::Persistent {
                    continue;
                }
                let parent = self.model.links.iter().find(|l| l.1 == i).map(|l| l.0);
                let want = parent.map(|p| F::p_id(self.p(p)));
                let want = want.unwrap_or(None);
                if F::c_fk(self.c(i)) != Some(want) {
                    return fail(format!(
                        "c{i}'s foreign key is {:?}, its parent's key is {want:?}",
                        F::c_fk(self.c(i))
                    ));
                }
            }
        }
        Ok(())
    }

    /// A new session loads the same graph through the relationships.
    fn check_fresh_session(&self) -> Res {
        let expected = self.expected_db(&self.model.db)?;
        let fresh = Session::new(&self.engine, &self.registry);
        let err = |e: Error| format!("fresh session: {e:?}");
        let mut got = DbDump {
            parents: BTreeMap::new(),
            children: BTreeMap::new(),
            links: BTreeSet::new(),
        };
        let mut from_c = BTreeSet::new();
        for p in fresh.query::<F::P>().all().map_err(err)? {
            // Parents are named `p..`, children `c..`: the self-referential
            // family keeps both pools in one table.
            let name = F::p_name(&p);
            if !name.starts_with('p') {
                continue;
            }
            let id = F::p_id(&p).ok_or("loaded parent without key")?;
            got.parents.insert(id, name);
            for c in F::p_targets(&p).map_err(err)? {
                got.links
                    .insert((id, F::c_id(&c).ok_or("loaded child without key")?));
            }
        }
        for c in fresh.query::<F::C>().all().map_err(err)? {
            let name = F::c_name(&c);
            if !name.starts_with('c') {
                continue;
            }
            let id = F::c_id(&c).ok_or("loaded child without key")?;
            got.children.insert(id, name);
            for p in F::c_targets(&c).map_err(err)? {
                from_c.insert((F::p_id(&p).ok_or("loaded parent without key")?, id));
            }
        }
        if got != expected || from_c != expected.links {
            return fail(format!(
                "a fresh session loads {got:?} (links from the children {from_c:?}), expected {expected:?}"
            ));
        }
        Ok(())
    }
}
