//! The [`Session`]: identity map, pending and deleted objects, transaction.

use smallvec::SmallVec;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::engine::{Engine, IsolationLevel, SessionConnection};
use crate::error::{Error, Result};
use crate::identity::IdentityMap;
use crate::meta::{ModelMeta, RelRef};
use crate::model::Model;
use crate::obj::{AnyObj, Obj};
use crate::query::{IntoKey, Query};
use crate::registry::{Direction, Mapper, Registry};
use crate::sql::StatementCache;
use crate::state::{Committed, RelSnapshots, TxnBackup};
use crate::value::Value;

/// A unit of work over one [`Engine`].
///
/// Objects enter a session with [`add`](Session::add) (which cascades along
/// relationships) or by being loaded; within a session one row is one object.
/// [`flush`](Session::flush) writes every pending change in dependency order
/// inside the session's transaction, [`commit`](Session::commit) flushes and
/// commits, [`rollback`](Session::rollback) discards everything since the last
/// commit, in the database and in memory.
///
/// A session is not `Send`: use one per thread, request or job, like
/// SQLAlchemy's. It checks a connection out of its [`Engine`] when it runs
/// its first statement and gives it back at [`commit`](Session::commit),
/// [`rollback`](Session::rollback), [`close`](Session::close) or drop, so
/// a long-lived session holds a pooled connection only while it works.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Parent {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub name: String,
///     #[relationship(back_populates = "parent")]
///     pub children: Many<Child>,
/// }
///
/// #[derive(Model, Debug, Default)]
/// pub struct Child {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[column(foreign_key = "parent.id")]
///     pub parent_id: Option<i64>,
///     #[relationship(back_populates = "children")]
///     pub parent: One<Parent>,
/// }
///
/// # fn main() -> orm_core::Result<()> {
/// let registry = Registry::builder().model::<Parent>().build()?;
/// let engine = orm_sqlite::memory()?;
/// registry.create_all(&engine)?;
/// let session = Session::new(&engine, &registry);
///
/// let parent = Obj::new(Parent { name: "p".into(), ..Default::default() });
/// parent.append(Parent::children, &Obj::new(Child::default()))?;
/// session.add(&parent)?;                 // the child comes along
/// session.commit()?;
///
/// let child = session.query::<Child>().one()?;
/// assert_eq!(child.borrow().parent_id, parent.borrow().id);
/// assert!(child.get(Child::parent)?.unwrap().ptr_eq(&parent)); // identity map
/// # Ok(()) }
/// ```
pub struct Session {
    inner: Rc<SessionInner>,
}

pub(crate) struct SessionInner {
    /// The session's connection, checked out at its first statement.
    pub engine: SessionConnection,
    pub registry: Arc<Registry>,
    pub identity: RefCell<IdentityMap>,
    /// Pending objects, in the order they were added.
    pub new: RefCell<Vec<AnyObj>>,
    /// Objects marked for deletion, not yet flushed.
    pub deleted: RefCell<Vec<AnyObj>>,
    /// Whether a database transaction is open.
    pub in_transaction: Cell<bool>,
    /// Objects whose committed state changed in this transaction (they hold
    /// a backup for `rollback`).
    pub touched: RefCell<Vec<AnyObj>>,
    /// What the successful flushes of the open transaction wrote into
    /// objects (keys copied, generated and versions), undone by `rollback`.
    pub txn_undo: RefCell<crate::persistence::TxnUndo>,
    /// Links the transaction's flushes took out of memory because one end
    /// was deleted: `(object, relationship, the object it held)`. A rollback
    /// puts them back on objects it does not restore from a snapshot.
    pub txn_unlinked: RefCell<Vec<(AnyObj, RelRef, AnyObj)>>,
    /// Set while a flush records the state it leaves after its own COMMIT
    /// (the flush of [`Session::commit`]): the transaction has ended, so
    /// nothing it changes needs a backup for `rollback`.
    pub committed_flush: Cell<bool>,
    /// Whether `commit` expires every object (`Session::set_expire_on_commit`).
    pub expire_on_commit: Cell<bool>,
    /// Savepoint counter for flushes inside an open transaction.
    pub savepoints: Cell<u64>,
    /// Marks the objects whose relationships the save-update cascade has
    /// walked since they last changed (`AnyObj::cascade_mark`): the flush's
    /// cascade skips them. Drawn from a process-wide counter, so no two
    /// sessions share a value; a new one is drawn whenever an object
    /// leaves the session, is deleted, or a rollback restores state, which
    /// makes the next flush walk everything again.
    pub cascade_epoch: Cell<u64>,
    /// Every object of `new` and `modified` had been walked by the
    /// save-update cascade since it last changed when the thread's count of
    /// object changes (`obj::changes_so_far`) was this; `None` when not
    /// known. While the count stays there, the flush's cascade has nothing
    /// to walk and skips its pass over the objects.
    pub cascaded_as_of: Cell<Option<u64>>,
    /// Persistent objects registered as they became modified (see
    /// [`note_modified`](SessionInner::note_modified)); may hold objects
    /// no longer modified, or twice. The flush reads this instead of
    /// scanning the identity map.
    /// (Weak: an object that leaves the session is not kept alive here.)
    pub modified: RefCell<Vec<std::rc::Weak<dyn crate::obj::ErasedInstance>>>,
    /// The next flush scans the identity map for modified objects (after
    /// a rollback, or when a registration could not be made).
    pub scan_modified: Cell<bool>,
    /// The length of `modified` at which a registration first drops the
    /// entries of objects no longer modified.
    pub prune_modified_at: Cell<usize>,
    /// How many registrations the session has taken (the flush asks again
    /// for the modified objects only when its cascade added one).
    pub registrations: Cell<u64>,
    /// The thread's count of registrations that could not be made, as of
    /// this session's last scan (see [`missed_registrations`]).
    pub missed_seen: Cell<u64>,
    /// Statement texts built so far.
    pub statements: StatementCache,
}

impl Session {
    /// A session over `engine` for the models of `registry`.
    pub fn new(engine: &Engine, registry: &Arc<Registry>) -> Self {
        Session {
            inner: Rc::new(SessionInner {
                engine: SessionConnection::new(engine),
                registry: registry.clone(),
                identity: RefCell::new(IdentityMap::default()),
                new: RefCell::new(Vec::new()),
                deleted: RefCell::new(Vec::new()),
                in_transaction: Cell::new(false),
                touched: RefCell::new(Vec::new()),
                committed_flush: Cell::new(false),
                txn_undo: RefCell::new(crate::persistence::TxnUndo::default()),
                txn_unlinked: RefCell::new(Vec::new()),
                expire_on_commit: Cell::new(false),
                savepoints: Cell::new(0),
                cascade_epoch: Cell::new(next_cascade_epoch()),
                cascaded_as_of: Cell::new(Some(crate::obj::changes_so_far())),
                modified: RefCell::new(Vec::new()),
                scan_modified: Cell::new(false),
                prune_modified_at: Cell::new(MIN_PRUNE),
                registrations: Cell::new(0),
                missed_seen: Cell::new(missed_registrations()),
                statements: StatementCache::default(),
            }),
        }
    }

    /// The engine the session talks to.
    pub fn engine(&self) -> &Engine {
        self.inner.engine.engine()
    }

    /// The registry of models the session maps.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.inner.registry
    }

    /// Adds an object, and every object reachable from it through its
    /// relationships (the save-update cascade), to the session.
    ///
    /// A transient object becomes pending (INSERTed at the next flush); a
    /// detached one becomes persistent again. Objects related later are
    /// picked up at flush.
    pub fn add<T: Model>(&self, obj: &Obj<T>) -> Result<()> {
        self.inner.cascade_add(vec![obj.erased()])
    }

    /// Adds several objects, as [`add`](Session::add) does each.
    pub fn add_all<'a, T: Model + 'a>(
        &self,
        objects: impl IntoIterator<Item = &'a Obj<T>>,
    ) -> Result<()> {
        let roots: Vec<AnyObj> = objects.into_iter().map(Obj::erased).collect();
        self.inner.cascade_add(roots)
    }

    /// Marks a persistent object for deletion at the next flush.
    ///
    /// Its one-to-many children get their foreign keys set to NULL at flush
    /// (loading them first if needed).
    pub fn delete<T: Model>(&self, obj: &Obj<T>) -> Result<()> {
        self.inner.mark_deleted(obj.erased())
    }

    /// The object with this primary key, from the identity map when it is
    /// there, else from the database.
    ///
    /// The key is a value (`1`, `"abc"`) or a tuple for composite keys.
    pub fn get<T: Model>(&self, key: impl IntoKey) -> Result<Option<Obj<T>>> {
        let key = key.into_key();
        let mapper = self.inner.mapper_index(T::meta())?;
        let found = self.inner.get_by_key(mapper, &key)?;
        found.map(|o| downcast::<T>(&o)).transpose()
    }

    /// Starts a query over all rows of `T`.
    pub fn query<T: Model>(&self) -> Query<'_, T> {
        Query::new(self)
    }

    /// Selects columns and aggregates instead of objects, from the model of
    /// the first item (SQLAlchemy's `select(Author.name,
    /// func.count(Book.id))`); see [`Select`](crate::Select).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// session.add(&Obj::new(Book { title: "Dune".into(), year: 1965, ..Default::default() }))?;
    /// session.commit()?;
    /// let (title, year): (String, i64) = session.select((Book::title, Book::year)).one()?;
    /// assert_eq!((title.as_str(), year), ("Dune", 1965));
    /// # Ok(()) }
    /// ```
    pub fn select<S: crate::select::SelectRoot>(
        &self,
        items: S,
    ) -> crate::select::Select<'_, S::Root, (), S> {
        Query::<S::Root>::new(self).select(items)
    }

    /// Writes all pending changes to the database, in dependency order,
    /// inside the session's transaction.
    ///
    /// On failure the database is left as it was before this flush, every
    /// object is restored to its state before the call, and the error is
    /// returned; the session can be used again (fix and flush, or
    /// [`rollback`](Session::rollback)).
    pub fn flush(&self) -> Result<()> {
        self.inner.flush()
    }

    /// Starts the session's transaction now, so that its reads and the
    /// writes of its flushes are one transaction. Without it the
    /// transaction starts at the first flush, and what the session read
    /// before was read outside it.
    ///
    /// A transaction that is already open is
    /// [`Error::TransactionInProgress`].
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Counter { #[column(primary_key)] pub id: Option<i64>, pub n: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let engine = orm_sqlite::memory()?;
    /// # let registry = Registry::builder().model::<Counter>().build()?;
    /// # registry.create_all(&engine)?;
    /// let session = Session::new(&engine, &registry);
    /// session.begin()?;
    /// session.add(&Obj::new(Counter::default()))?;
    /// session.commit()?;
    /// # Ok(()) }
    /// ```
    pub fn begin(&self) -> Result<()> {
        self.begin_at(None)
    }

    /// [`begin`](Session::begin) at an isolation level (see
    /// [`IsolationLevel`]; the dialect decides the statement).
    pub fn begin_with(&self, isolation: IsolationLevel) -> Result<()> {
        self.begin_at(Some(isolation))
    }

    fn begin_at(&self, isolation: Option<IsolationLevel>) -> Result<()> {
        if self.inner.in_transaction.get() {
            return Err(Error::TransactionInProgress);
        }
        let sql = self.inner.engine.dialect().begin(isolation);
        self.inner.engine.execute(&sql, &[])?;
        self.inner.in_transaction.set(true);
        Ok(())
    }

    /// Whether the session's transaction is open (begun explicitly or by a
    /// flush, and not yet committed or rolled back).
    pub fn in_transaction(&self) -> bool {
        self.inner.in_transaction.get()
    }

    /// Flushes, then commits the transaction.
    pub fn commit(&self) -> Result<()> {
        // The flush sends COMMIT itself once its statements succeeded.
        self.inner.flush_committing(true)?;
        if self.inner.in_transaction.get() {
            self.inner.engine.execute("COMMIT", &[])?;
            self.inner.in_transaction.set(false);
        }
        self.inner.engine.release();
        self.inner.end_transaction();
        if self.inner.expire_on_commit.get() {
            self.inner.expire_all()?;
        }
        Ok(())
    }

    /// Reloads an object's columns from its row now, discarding unflushed
    /// changes, and unloads its relationships so that each loads again on
    /// next use: what another transaction committed becomes visible.
    ///
    /// A row deleted meanwhile is [`Error::ObjectDeleted`](crate::Error::ObjectDeleted),
    /// and the object leaves the session (so `get` does not return it).
    /// The object must be persistent in this session.
    ///
    /// ```
    /// use orm_core::prelude::*;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Counter {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    ///     pub hits: i64,
    /// }
    ///
    /// # fn main() -> orm_core::Result<()> {
    /// let registry = Registry::builder().model::<Counter>().build()?;
    /// let engine = orm_sqlite::memory()?;
    /// registry.create_all(&engine)?;
    /// let session = Session::new(&engine, &registry);
    /// let counter = Obj::new(Counter::default());
    /// session.add(&counter)?;
    /// session.commit()?;
    ///
    /// // Someone else changes the row.
    /// engine.execute("UPDATE counter SET hits = 41", &[])?;
    /// assert_eq!(counter.borrow().hits, 0);
    /// session.refresh(&counter)?;
    /// assert_eq!(counter.borrow().hits, 41);
    /// # Ok(()) }
    /// ```
    pub fn refresh<T: Model>(&self, obj: &Obj<T>) -> Result<()> {
        self.inner.refresh(&obj.erased())
    }

    /// Expires an object: its unflushed changes are discarded, its
    /// relationships unloaded (they load again on next use), and the next
    /// query, [`get`](Session::get) or relationship load that meets its row
    /// overwrites its columns with the row's values.
    ///
    /// Plain struct fields cannot load themselves when read, so an expired
    /// object's columns keep their last known values until then; `get` of
    /// an expired object reads its row at once (and returns `None` if the
    /// row is gone). Use [`refresh`](Session::refresh) to read it now.
    pub fn expire<T: Model>(&self, obj: &Obj<T>) -> Result<()> {
        self.inner.expire(&obj.erased())
    }

    /// Expires every object of the identity map (see [`expire`](Session::expire)).
    pub fn expire_all(&self) -> Result<()> {
        self.inner.expire_all()
    }

    /// Whether [`commit`](Session::commit) expires every object, so that
    /// the next reads after a commit see what other transactions committed
    /// (SQLAlchemy's `expire_on_commit`).
    ///
    /// Off by default, unlike SQLAlchemy: a Rust program reads columns as
    /// plain fields, which cannot load on access, so an expired object
    /// shows its old values until something loads its row. Turn it on for a
    /// long-lived session that should pick up other writers' changes at
    /// every `get`/query after a commit, at the price of one SELECT per
    /// object read again.
    pub fn set_expire_on_commit(&self, on: bool) {
        self.inner.expire_on_commit.set(on);
    }

    /// Builder form of [`set_expire_on_commit`](Session::set_expire_on_commit).
    pub fn expire_on_commit(self, on: bool) -> Self {
        self.set_expire_on_commit(on);
        self
    }

    /// Rolls back the transaction and restores every object to its last
    /// committed state: unflushed and flushed changes are undone, objects
    /// inserted since the last commit become transient again (with generated
    /// keys cleared), deleted ones persistent.
    pub fn rollback(&self) -> Result<()> {
        if self.inner.in_transaction.get() {
            self.inner.in_transaction.set(false);
            let rolled_back = self.inner.engine.execute("ROLLBACK", &[]);
            self.inner.engine.release();
            rolled_back?;
        }
        self.inner.engine.release();
        self.inner.restore_after_rollback()
    }

    /// Removes an object from the session without touching the database: a
    /// pending object becomes transient, a persistent one detached. Related
    /// objects loaded through relationships with the `expunge` cascade
    /// (part of `"all"`) go too.
    pub fn expunge<T: Model>(&self, obj: &Obj<T>) -> Result<()> {
        self.inner.expunge_cascade(&obj.erased())
    }

    /// Whether the object is in this session.
    pub fn contains<T: Model>(&self, obj: &Obj<T>) -> bool {
        let erased = obj.erased();
        erased
            .session()
            .is_some_and(|s| Rc::ptr_eq(&s, &self.inner))
    }

    /// The number of objects in the identity map.
    pub fn identity_count(&self) -> usize {
        self.inner.identity.borrow().len()
    }

    /// Rolls back what is uncommitted and detaches every object.
    ///
    /// Objects the caller still holds keep their loaded data; relationship
    /// references among objects nobody holds any more are dropped, which
    /// frees reference cycles of bidirectional relationships.
    pub fn close(self) -> Result<()> {
        let result = self.rollback();
        drop(self);
        result
    }

    pub(crate) fn inner(&self) -> &Rc<SessionInner> {
        &self.inner
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.inner.in_transaction.get() {
            // Best effort: the connection outlives the session.
            let _ = self.inner.engine.execute("ROLLBACK", &[]);
            self.inner.in_transaction.set(false);
            let _ = self.inner.restore_after_rollback();
        }
        self.inner.engine.release();
        self.inner.detach_all();
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("identity_map", &self.inner.identity.borrow().len())
            .field("new", &self.inner.new.borrow().len())
            .field("deleted", &self.inner.deleted.borrow().len())
            .field("in_transaction", &self.inner.in_transaction.get())
            .field(
                "connection_checked_out",
                &self.inner.engine.is_checked_out(),
            )
            .finish()
    }
}

pub(crate) fn downcast<T: Model>(obj: &AnyObj) -> Result<Obj<T>> {
    obj.downcast::<T>().ok_or_else(|| {
        Error::Internal(format!(
            "expected {}, found {}",
            T::meta().name,
            obj.meta().name
        ))
    })
}

impl SessionInner {
    pub fn mapper_index(&self, meta: &'static ModelMeta) -> Result<usize> {
        // (Not `ok_or`: it would build, and drop, an error on every call.)
        match self.registry.mapper_of(meta) {
            Some(mapper) => Ok(mapper),
            None => Err(Error::UnregisteredModel { model: meta.name }),
        }
    }

    pub fn mapper(&self, meta: &'static ModelMeta) -> Result<&Mapper> {
        Ok(&self.registry.mappers[self.mapper_index(meta)?])
    }

    fn is_mine(self: &Rc<Self>, obj: &AnyObj) -> Result<bool> {
        let state = obj.state()?;
        Ok(state
            .session
            .as_ref()
            .and_then(|w| w.upgrade())
            .is_some_and(|s| Rc::ptr_eq(&s, self)))
    }

    /// Puts one object into the session; returns whether it was new to it.
    fn attach(self: &Rc<Self>, obj: &AnyObj) -> Result<bool> {
        let mapper = self.mapper_index(obj.meta())?;
        let mut state = obj.state_mut()?;
        if let Some(owner) = state.session.as_ref().and_then(|w| w.upgrade()) {
            if Rc::ptr_eq(&owner, self) {
                return Ok(false);
            }
            return Err(Error::OtherSession {
                model: obj.meta().name,
            });
        }
        match state.key.clone() {
            None => {
                state.session = Some(Rc::downgrade(self));
                drop(state);
                obj.mark_modified();
                self.new.borrow_mut().push(obj.clone());
            }
            Some(key) => {
                let conflict = self
                    .identity
                    .borrow_mut()
                    .insert(mapper, key.clone(), obj.clone())
                    .is_err();
                if conflict {
                    return Err(Error::IdentityConflict {
                        model: obj.meta().name,
                        key: render_key(&key),
                    });
                }
                state.session = Some(Rc::downgrade(self));
                if obj.is_modified() {
                    self.note_modified(obj);
                }
            }
        }
        Ok(true)
    }

    /// The save-update cascade: attaches the roots and every object
    /// reachable from them through relationships.
    ///
    /// Beyond the roots it descends only into objects that were new to the
    /// session, so adding the objects of a connected graph one by one costs
    /// time linear in the graph. Neighbours an attached object gained since
    /// it was attached are picked up by the flush, which cascades from every
    /// pending and modified object.
    pub fn cascade_add(self: &Rc<Self>, roots: Vec<AnyObj>) -> Result<()> {
        // (A few roots, usually one, are compared one by one: no set.)
        if roots.len() <= 16 {
            let explicit: SmallVec<[*const (); 16]> = roots.iter().map(AnyObj::addr).collect();
            return self
                .cascade_walk(roots, |obj| explicit.contains(&obj.addr()))
                .map(drop);
        }
        let explicit: FxHashSet<*const ()> = roots.iter().map(AnyObj::addr).collect();
        self.cascade_walk(roots, |obj| explicit.contains(&obj.addr()))
            .map(drop)
    }

    /// The flush's save-update cascade: like [`cascade_add`](Self::cascade_add),
    /// and descending into every object whose relationships may have
    /// changed since the cascade last walked them.
    /// Returns the objects it attached.
    pub fn cascade_add_modified(self: &Rc<Self>, roots: Vec<AnyObj>) -> Result<Vec<AnyObj>> {
        let epoch = self.cascade_epoch.get();
        self.cascade_walk(roots, |obj| {
            obj.is_modified() && obj.cascade_mark() != epoch
        })
    }

    /// Whether the cascade has walked `obj`'s relationships since they
    /// last changed (and nothing left the session since).
    pub fn cascade_current(&self, obj: &AnyObj) -> bool {
        obj.cascade_mark() == self.cascade_epoch.get()
    }

    /// Makes the next flush's cascade walk every object again.
    pub fn invalidate_cascades(&self) {
        self.cascade_epoch.set(next_cascade_epoch());
        self.cascaded_as_of.set(None);
    }

    /// Whether every object of `new` and `modified` is known walked by the
    /// cascade since it last changed (see `cascaded_as_of`), or there are
    /// none.
    pub fn all_cascaded(&self) -> bool {
        self.cascaded_as_of.get() == Some(crate::obj::changes_so_far())
            || (self.new.borrow().is_empty()
                && self.modified.borrow().is_empty()
                && !self.scan_modified.get())
    }

    /// Attaches what `roots` reach, in depth-first collection order,
    /// descending into objects new to the session and those `descend` picks;
    /// returns the objects it attached. On error, those leave again: the
    /// session is as before the call.
    fn cascade_walk(
        self: &Rc<Self>,
        roots: Vec<AnyObj>,
        descend: impl Fn(&AnyObj) -> bool,
    ) -> Result<Vec<AnyObj>> {
        let mut attached = Vec::new();
        let walked = self.walk_and_attach(roots, descend, &mut attached);
        if let Err(err) = walked {
            let _ = self.expunge_all(&attached);
            return Err(err);
        }
        Ok(attached)
    }

    fn walk_and_attach(
        self: &Rc<Self>,
        roots: Vec<AnyObj>,
        descend: impl Fn(&AnyObj) -> bool,
        attached: &mut Vec<AnyObj>,
    ) -> Result<()> {
        // What this walk attaches and walks is cascaded when it ends; the
        // rest is if it was when it began.
        let all_cascaded = self.all_cascaded();
        let mut stack: Vec<AnyObj> = roots.into_iter().rev().collect();
        let visited = crate::obj::Visit::new();
        let mut neighbours = Vec::new();
        while let Some(obj) = stack.pop() {
            if !obj.first_visit(&visited) {
                continue;
            }
            let fresh = self.attach(&obj)?;
            if fresh {
                attached.push(obj.clone());
            }
            if !(fresh || descend(&obj)) {
                continue;
            }
            // Neighbours are pushed in reverse so they are visited (and
            // become pending) in collection order.
            for rel in obj.rel_refs() {
                if !crate::sync::cascade(&obj, rel)?.save_update {
                    continue;
                }
                obj.rel(rel)?.push_reachable(&mut neighbours);
            }
            obj.set_cascade_mark(self.cascade_epoch.get());
            stack.extend(neighbours.drain(..).rev());
        }
        if all_cascaded {
            self.cascaded_as_of.set(Some(crate::obj::changes_so_far()));
        }
        Ok(())
    }

    fn mark_deleted(self: &Rc<Self>, obj: AnyObj) -> Result<()> {
        self.invalidate_cascades();
        let name = obj.meta().name;
        {
            let state = obj.state()?;
            let persistent = state.key.is_some() && !state.deleted;
            if !persistent {
                return Err(Error::InvalidState {
                    model: name,
                    state: state.state_name(),
                    action: "delete()",
                });
            }
        }
        if !self.is_mine(&obj)? {
            // A detached object is attached first, as SQLAlchemy does.
            self.attach(&obj)?;
        }
        let mut state = obj.state_mut()?;
        if !state.marked_for_delete {
            state.marked_for_delete = true;
            self.deleted.borrow_mut().push(obj.clone());
        }
        Ok(())
    }

    /// Expunges `obj` and what the `expunge` cascade reaches from it.
    pub fn expunge_cascade(self: &Rc<Self>, obj: &AnyObj) -> Result<()> {
        let mut stack = vec![obj.clone()];
        let mut seen = FxHashSet::default();
        while let Some(obj) = stack.pop() {
            if !seen.insert(obj.clone()) || !self.is_mine(&obj)? {
                continue;
            }
            for rel in obj.rel_refs() {
                if crate::sync::info(&obj, rel)?.cascade.expunge {
                    stack.extend(obj.rel(rel)?.items());
                }
            }
            self.expunge(&obj)?;
        }
        Ok(())
    }

    pub fn expunge(self: &Rc<Self>, obj: &AnyObj) -> Result<()> {
        self.expunge_all(std::slice::from_ref(obj))
    }

    /// Expunges several objects with one pass over the pending and deleted
    /// lists (undoing a large cascade stays linear).
    pub fn expunge_all(self: &Rc<Self>, objects: &[AnyObj]) -> Result<()> {
        // Objects leave: every cascade mark is stale.
        self.invalidate_cascades();
        let mut gone: FxHashSet<AnyObj> = FxHashSet::default();
        for obj in objects {
            if !self.is_mine(obj)? {
                continue;
            }
            let mapper = self.mapper_index(obj.meta())?;
            let mut state = obj.state_mut()?;
            if let Some(key) = &state.key {
                self.identity.borrow_mut().remove(mapper, key);
            }
            state.session = None;
            state.marked_for_delete = false;
            drop(state);
            gone.insert(obj.clone());
        }
        if !gone.is_empty() {
            self.new.borrow_mut().retain(|o| !gone.contains(o));
            self.deleted.borrow_mut().retain(|o| !gone.contains(o));
        }
        Ok(())
    }

    /// The object of `mapper` with primary key `key`: identity map first.
    pub fn get_by_key(self: &Rc<Self>, mapper: usize, key: &[Value]) -> Result<Option<AnyObj>> {
        let known = self.identity.borrow().get(mapper, key).cloned();
        if let Some(obj) = known {
            if obj.state()?.expired {
                return match self.refresh(&obj) {
                    Ok(()) => Ok(Some(obj)),
                    Err(Error::ObjectDeleted { .. }) => Ok(None),
                    Err(err) => Err(err),
                };
            }
            return Ok(Some(obj));
        }
        let pk = self.registry.mappers[mapper].primary_key.clone();
        check_key(&self.registry.mappers[mapper], key)?;
        let filter = crate::filter::Condition::key(&pk, key);
        let spec = crate::loading::SelectSpec {
            filter: &filter,
            order: &[],
            page: Default::default(),
            distinct: false,
            joins: &[],
        };
        let mut found = crate::loading::select(self, mapper, &spec)?;
        crate::loading::load_eager_defaults(self, &found)?;
        Ok(found.pop())
    }

    /// The target of an unloaded many-to-one, if it is in the identity map.
    pub fn related_in_identity_map(&self, obj: &AnyObj, rel: RelRef) -> Result<Option<AnyObj>> {
        let mapper = self.mapper(obj.meta())?;
        let Some(resolved) = mapper.resolved(rel) else {
            return Ok(None);
        };
        if resolved.direction != Direction::ManyToOne {
            return Ok(None);
        }
        let target = &self.registry.mappers[resolved.target];
        let mut key = Vec::with_capacity(resolved.pairs.len());
        for &pk in &target.primary_key {
            let Some(&(_, fk)) = resolved.pairs.iter().find(|(p, _)| *p == pk) else {
                return Ok(None);
            };
            let value = obj.column_value(fk)?;
            if value.is_null() {
                return Ok(None);
            }
            key.push(value);
        }
        Ok(self.identity.borrow().get(resolved.target, &key).cloned())
    }

    /// Registers a persistent object of this session that just became
    /// modified, for the next flush.
    pub fn note_modified(&self, obj: &AnyObj) {
        match self.modified.try_borrow_mut() {
            Ok(mut list) => {
                // Registrations of objects no longer modified go when the
                // list doubles, so a session that never flushes does not
                // grow it without bound.
                if list.len() >= self.prune_modified_at.get() {
                    list.retain(|w| w.upgrade().is_some_and(|o| o.modified().get()));
                    self.prune_modified_at.set(MIN_PRUNE.max(2 * list.len()));
                }
                list.push(Rc::downgrade(&obj.0));
                self.registrations.set(self.registrations.get() + 1);
            }
            Err(_) => self.scan_modified.set(true),
        }
    }

    /// The persistent modified objects of the session, in the order they
    /// registered (see [`note_modified`](Self::note_modified)); from a
    /// scan of the identity map when a registration may be missing. The
    /// list keeps them (a failed flush leaves them modified).
    pub fn modified_objects(self: &Rc<Self>) -> Result<Vec<AnyObj>> {
        let missed = missed_registrations();
        let scan = self.scan_modified.replace(false) | (self.missed_seen.replace(missed) != missed);
        let mut list = self.modified.borrow_mut();
        if scan {
            let identity = self.identity.borrow();
            let all: Vec<AnyObj> = identity
                .values()
                .filter(|o| o.is_modified())
                .cloned()
                .collect();
            *list = all.iter().map(|o| Rc::downgrade(&o.0)).collect();
            return Ok(all);
        }
        let registered = std::mem::take(&mut *list);
        let seen = crate::obj::Visit::new();
        let mut found = Vec::with_capacity(registered.len());
        for obj in registered.iter().filter_map(|w| w.upgrade()).map(AnyObj) {
            // Still modified, once, and still a persistent object of this
            // session (the identity map's objects, deleted ones aside).
            if !obj.is_modified() || !obj.first_visit(&seen) {
                continue;
            }
            let held = {
                let state = obj.state()?;
                state.key.is_some()
                    && !state.deleted
                    && state
                        .session
                        .as_ref()
                        .is_some_and(|s| std::ptr::eq(s.as_ptr(), Rc::as_ptr(self)))
            };
            if held {
                list.push(Rc::downgrade(&obj.0));
                found.push(obj);
            }
        }
        Ok(found)
    }

    /// Drops the registrations of objects no longer modified (after a
    /// successful flush: what it wrote, and flags the library set and
    /// reset), so that the list holds no weak handle longer than needed
    /// (a weak handle keeps a dropped object's memory block allocated).
    pub fn prune_modified(&self) {
        if let Ok(mut list) = self.modified.try_borrow_mut() {
            list.retain(|w| w.upgrade().is_some_and(|o| o.modified().get()));
            if list.capacity() > 2 * list.len() + 64 {
                list.shrink_to_fit();
            }
        }
    }

    /// Whether no object registered itself (nor failed to) since the
    /// session had taken `registrations` of them.
    pub fn modified_unchanged_since(&self, registrations: u64) -> bool {
        !self.scan_modified.get()
            && self.missed_seen.get() == missed_registrations()
            && self.registrations.get() == registrations
    }

    /// Registers an object's state change for `rollback`.
    pub fn touch(&self, obj: &AnyObj) -> Result<()> {
        if self.committed_flush.get() {
            return Ok(());
        }
        let mut state = obj.state_mut()?;
        if !state.txn_backup.is_some() {
            state.backup(|| obj.column_values())?;
            self.touched.borrow_mut().push(obj.clone());
        }
        Ok(())
    }

    /// Makes `values` the committed row of `obj`, registering the change
    /// for `rollback` like [`touch`](Self::touch) (the backup takes the
    /// row replaced, without a copy).
    pub fn commit_values(&self, obj: &AnyObj, values: Vec<Value>) -> Result<()> {
        if self.committed_flush.get() {
            obj.state_mut()?.committed = Committed::Row(values);
            return Ok(());
        }
        if obj
            .state_mut()?
            .replace_committed(values, || obj.column_values())?
        {
            self.touched.borrow_mut().push(obj.clone());
        }
        Ok(())
    }

    /// Writes `values` into the committed row of `columns` of a persistent
    /// `obj` (what one UPDATE set), registering the change for `rollback`
    /// like [`touch`](Self::touch). The row keeps its block: an object
    /// changed once is likely to change again.
    pub fn commit_columns(
        &self,
        obj: &AnyObj,
        columns: &[usize],
        values: Vec<Value>,
    ) -> Result<()> {
        self.touch(obj)?;
        let mut state = obj.state_mut()?;
        if state.committed.in_fields() {
            // The values were read from fields that hold the committed
            // row (no column was written): it is what it was.
            return Ok(());
        }
        let Some(committed) = state.committed.row_mut() else {
            return Err(Error::Internal(format!(
                "{} object updated without committed values",
                obj.meta().name
            )));
        };
        for (&column, value) in columns.iter().zip(values) {
            if let Some(slot) = committed.get_mut(column) {
                *slot = value;
            }
        }
        Ok(())
    }

    /// After COMMIT: backups are dropped, deleted objects become detached.
    pub fn end_transaction(&self) {
        self.txn_undo.take();
        self.txn_unlinked.take();
        // Whether a deleted object left the session.
        let mut left = false;
        for obj in self.touched.take() {
            let inserted = obj
                .state()
                .is_ok_and(|s| s.key.is_some() && !s.deleted && s.txn_backup.was_pending());
            if inserted {
                let _ = crate::unitofwork::reconcile::unfilled_collections(self, &obj);
            }
            if let Ok(mut state) = obj.state_mut() {
                state.txn_backup = TxnBackup::None;
                state.generated_key = false;
                if state.deleted {
                    state.session = None;
                    left = true;
                }
            }
        }
        if left {
            self.invalidate_cascades();
        }
    }

    /// After ROLLBACK: every object goes back to its last committed state.
    pub fn restore_after_rollback(self: &Rc<Self>) -> Result<()> {
        self.invalidate_cascades();
        // Restoring sets and clears flags wholesale: the next flush looks
        // at every object.
        self.scan_modified.set(true);
        // Every value the transaction's flushes wrote goes back first (the
        // keys copied into objects that become transient again, say);
        // persistent objects are then restored from their snapshots.
        self.txn_undo.take().revert();
        // Objects that leave the session as transient ones.
        let mut now_transient = Vec::new();
        // Objects whose committed state changed in the transaction.
        for obj in self.touched.take() {
            let mapper = self.mapper_index(obj.meta())?;
            let mut state = obj.state_mut()?;
            let Some(backup) = state.txn_backup.take() else {
                continue;
            };
            if let Some(key) = &state.key {
                if !state.deleted {
                    self.identity.borrow_mut().remove(mapper, key);
                }
            }
            let generated = std::mem::take(&mut state.generated_key);
            state.key = backup.key;
            state.committed = backup.committed.into();
            state.committed_rels = backup
                .committed_rels
                .unwrap_or_else(RelSnapshots::new_object);
            state.deleted = backup.deleted;
            let mine = state
                .session
                .as_ref()
                .is_some_and(|w| std::ptr::eq(w.as_ptr(), Rc::as_ptr(self)));
            match &state.key {
                // An object expunged since stays detached.
                Some(_) if !mine => {}
                Some(key) => {
                    let _ = self
                        .identity
                        .borrow_mut()
                        .insert(mapper, key.clone(), obj.clone());
                }
                None => {
                    // Inserted in this transaction: transient again.
                    state.session = None;
                    drop(state);
                    now_transient.push(obj.clone());
                    if generated {
                        if let Some(col) = self.registry.mappers[mapper].autoincrement() {
                            obj.set_column_value(col, Value::Null)?;
                        }
                    }
                }
            }
        }
        // Pending objects leave the session.
        for obj in self.new.take() {
            obj.state_mut()?.session = None;
            now_transient.push(obj);
        }
        for obj in self.deleted.take() {
            obj.state_mut()?.marked_for_delete = false;
        }
        // Persistent objects drop their unflushed changes.
        let objects: Vec<AnyObj> = self.identity.borrow().values().cloned().collect();
        for obj in objects {
            restore_committed(&obj)?;
        }
        // Links a delete took out of objects that are not restored from
        // a snapshot (they become transient, or were expunged) come back.
        for (obj, rel, target) in self.txn_unlinked.take().into_iter().rev() {
            let restored = self.is_mine(&obj)? && obj.state()?.key.is_some();
            if restored {
                continue;
            }
            let mut field = obj.rel_mut(rel)?;
            // A scalar set again since keeps its new value, and the other
            // side lets go of it (a deleted object kept its own fields).
            let taken = field.cardinality() == crate::meta::Cardinality::One && !field.is_empty();
            if taken {
                drop(field);
                if !obj.rel(rel)?.contains(&target) {
                    if let Some(reverse) = crate::sync::info(&obj, rel)?.reverse {
                        let mut back = target.rel_mut(reverse)?;
                        if back.is_loaded() && back.contains(&obj) {
                            back.remove(&obj);
                        }
                    }
                }
            } else if field.is_loaded() && !field.contains(&target) {
                field.insert(target)?;
            }
        }
        for obj in &now_transient {
            drop_links_to_restored(obj)?;
        }
        Ok(())
    }

    /// Notes that a flush took `target` out of `obj.rel` (see `txn_unlinked`).
    pub fn unlinked(&self, obj: &AnyObj, rel: RelRef, target: &AnyObj) {
        self.txn_unlinked
            .borrow_mut()
            .push((obj.clone(), rel, target.clone()));
    }

    /// Detaches every object and frees the reference cycles among the ones
    /// nobody else holds.
    fn detach_all(&self) {
        self.invalidate_cascades();
        let mut objects: Vec<AnyObj> = self.identity.borrow_mut().drain().collect();
        objects.extend(self.new.take());
        objects.extend(self.deleted.take());
        objects.extend(self.touched.take());
        let me: *const SessionInner = self;
        for obj in &objects {
            if let Ok(mut state) = obj.state_mut() {
                let mine = state.session.as_ref().is_some_and(|w| w.as_ptr() == me);
                if mine {
                    state.session = None;
                    state.marked_for_delete = false;
                }
            }
        }
        crate::cycles::release(objects);
    }
}

/// Puts an object's columns and relationships back to its committed state.
fn restore_committed(obj: &AnyObj) -> Result<()> {
    let rels = obj.state()?.committed_rels.clone();
    obj.discard_column_changes()?;
    for rel in obj.rel_refs() {
        let before = {
            let mut field = obj.rel_mut(rel)?;
            // What the field holds, loaded or pending on an unloaded one.
            let mut before = field.items();
            before.extend(field.pending().0);
            match rels.get(rel) {
                Some(items) => field.reset(items)?,
                None => field.unload(),
            }
            before
        };
        if let Some(reverse) = crate::sync::info(obj, rel)?.reverse {
            let after = obj.rel(rel)?.items();
            let mut before = before;
            if !obj.rel(rel)?.is_loaded() {
                // Unloaded: which objects it will hold is the rows' business;
                // only objects without a row are known to have left it.
                before.retain(|o| o.state().map(|s| s.key.is_none()).unwrap_or(false));
            }
            repair_reverse(obj, rel, reverse, &before, &after);
        }
    }
    obj.clear_modified();
    Ok(())
}

/// A transient object's links to the objects a rollback restored are
/// dropped unless the restored side lists it too: it has no row, so they
/// will never load it.
fn drop_links_to_restored(obj: &AnyObj) -> Result<()> {
    for rel in obj.rel_refs() {
        let Some(reverse) = crate::sync::info(obj, rel)?.reverse else {
            continue;
        };
        let stale: Vec<AnyObj> = obj
            .rel(rel)?
            .items()
            .into_iter()
            .filter(|other| other.session().is_some())
            .filter(|other| {
                other
                    .rel(reverse)
                    .map(|f| !(f.is_loaded() && f.contains(obj)))
                    .unwrap_or(false)
            })
            .collect();
        for other in stale {
            obj.rel_mut(rel)?.remove(&other);
        }
    }
    Ok(())
}

/// After `obj`'s relationship went from `before` to `after` by a rollback,
/// makes the objects on the other side agree where they are loaded:
/// objects that left no longer list `obj`, objects that came back do.
/// Objects restored themselves end at their own snapshot anyway; this is
/// for those that are not (a pending object the rollback made transient, a
/// transient one linked since the commit).
fn repair_reverse(obj: &AnyObj, rel: RelRef, reverse: RelRef, before: &[AnyObj], after: &[AnyObj]) {
    let left = before.iter().filter(|o| !after.contains(o));
    for other in left {
        if let Ok(mut field) = other.rel_mut(reverse) {
            // Loaded: drop it; unloaded: drop a pending addition of it.
            let listed = if field.is_loaded() {
                field.contains(obj)
            } else {
                field.pending().0.contains(obj)
            };
            if listed {
                field.remove(obj);
            }
        }
    }
    let came = after.iter().filter(|o| !before.contains(o));
    for other in came {
        let displaced = match other.rel(reverse) {
            Ok(field) if field.is_loaded() && !field.contains(obj) => {
                if field.cardinality() == crate::meta::Cardinality::One {
                    field.items()
                } else {
                    Vec::new()
                }
            }
            _ => continue,
        };
        // A scalar that held another object: that one loses `other`.
        for previous in displaced {
            if let Ok(mut field) = previous.rel_mut(rel) {
                if field.is_loaded() {
                    field.remove(other);
                }
            }
        }
        if let Ok(mut field) = other.rel_mut(reverse) {
            let _ = field.insert(obj.clone());
        }
    }
}

/// Checks user-given key values against the key columns of `mapper`.
fn check_key(mapper: &Mapper, key: &[Value]) -> Result<()> {
    let columns: Vec<&crate::meta::ColumnMeta> = mapper
        .primary_key
        .iter()
        .map(|&i| &mapper.meta.columns[i])
        .collect();
    let invalid = |problem: String| {
        let described: Vec<String> = columns
            .iter()
            .map(|c| format!("{} {}", c.name, format!("{:?}", c.sql_type).to_uppercase()))
            .collect();
        let plural = if columns.len() == 1 { "" } else { "s" };
        Error::InvalidKey {
            model: mapper.meta.name,
            expected: format!(
                "{} column{plural} ({})",
                columns.len(),
                described.join(", ")
            ),
            problem,
        }
    };
    if key.len() != columns.len() {
        let plural = if key.len() == 1 { "" } else { "s" };
        return Err(invalid(format!(
            "got {} value{plural} ({}); give {}",
            key.len(),
            render_key(key),
            if columns.len() == 1 {
                "a single value".to_owned()
            } else {
                format!("a tuple of {}", columns.len())
            }
        )));
    }
    for (column, value) in columns.iter().zip(key) {
        if !column.sql_type.fits(value) {
            return Err(invalid(format!(
                "got {} value {value} for column {}",
                value.kind(),
                column.name
            )));
        }
    }
    Ok(())
}

pub(crate) fn render_key(key: &[Value]) -> String {
    let parts: Vec<String> = key.iter().map(ToString::to_string).collect();
    if parts.len() == 1 {
        parts.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", parts.join(", "))
    }
}

/// A cascade epoch no session has used (see `SessionInner::cascade_epoch`).
fn next_cascade_epoch() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The shortest list of modified objects that a registration prunes.
const MIN_PRUNE: usize = 1024;

thread_local! {
    /// Registrations of a modified object with its session that could not
    /// be made (its state was borrowed at that moment): every session of
    /// the thread scans its identity map at its next flush.
    static MISSED_REGISTRATIONS: Cell<u64> = const { Cell::new(0) };
}

/// How many registrations the thread has missed so far.
fn missed_registrations() -> u64 {
    MISSED_REGISTRATIONS.with(Cell::get)
}

/// An object became modified: registers it with its session if it is a
/// persistent object of a live one (new objects are flushed from the
/// session's list of pending ones).
pub(crate) fn register_modified(
    state: &RefCell<crate::state::InstanceState>,
    handle: impl FnOnce() -> AnyObj,
) {
    let session = match state.try_borrow() {
        Ok(state) if state.key.is_none() => return,
        Ok(state) => match state.session.as_ref().and_then(|s| s.upgrade()) {
            Some(session) => session,
            None => return,
        },
        Err(_) => {
            MISSED_REGISTRATIONS.with(|missed| missed.set(missed.get() + 1));
            return;
        }
    };
    session.note_modified(&handle());
}
