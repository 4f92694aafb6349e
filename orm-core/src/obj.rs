//! Object handles: shared identity for model instances.
//!
//! An [`Obj<T>`] is a reference-counted handle to one instance; clones share
//! it, so one row is one object however many paths lead to it. The instance
//! keeps its lifecycle state beside the user's struct.

use std::any::Any;
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::{Rc, Weak};
use thin_vec::ThinVec;

use crate::error::{Error, Result};
use crate::meta::{BackrefId, ModelMeta, RelRef};
use crate::model::Model;
use crate::relation::{Many, One, Rel, RelationKind, RelationshipField};
use crate::session::SessionInner;
use crate::state::{Committed, InstanceState, ObjectState};
use crate::sync;
use crate::value::Value;

/// One model instance with its state.
///
/// The layout is fixed (`repr(C)`) so that what every pass of a flush
/// reads for each object (the flags and marks, and whether it has backref
/// storage) sits right after the reference counts, in the cache line a
/// handle's clone or drop touches anyway; the state and the user's struct
/// follow.
#[repr(C)]
pub(crate) struct Instance<T> {
    /// Set whenever the fields may have changed since the last flush
    /// (`borrow_mut`, relationship changes); the flush compares only these.
    pub(crate) modified: Cell<bool>,
    /// Whether the cycle collector already holds it as a candidate.
    buffered: Cell<bool>,
    /// The object's entry in the current flush's tables (see
    /// `dependency::SyncTable`); stale between flushes, and checked.
    flush_slot: Cell<u32>,
    /// The object's position in the graph of the running collection (see
    /// `cycles::Graph`); stale otherwise, and checked.
    collector_slot: Cell<u32>,
    /// The session cascade epoch at which the save-update cascade last
    /// walked this object's relationships (0: never, or changed since);
    /// see `SessionInner::cascade_epoch`.
    cascaded: Cell<u64>,
    /// The stamp of the last walk that visited the object (see
    /// `AnyObj::first_visit`).
    visited: Cell<u64>,
    /// Storage for the relationships other models' `backref`s create on
    /// this one, made on first use.
    pub(crate) backrefs: RefCell<ThinVec<(BackrefId, Box<dyn RelationshipField>)>>,
    pub(crate) state: RefCell<InstanceState>,
    pub(crate) data: RefCell<T>,
    /// Type-erases a weak handle (kept here so that dropping an `Obj<T>`,
    /// whose type has no `Model` bound, can reach the collector).
    erase: fn(Weak<Instance<T>>) -> Weak<dyn ErasedInstance>,
    as_dyn: fn(&Instance<T>) -> &dyn ErasedInstance,
}

impl<T: Model> Instance<T> {
    pub(crate) fn new(state: InstanceState, modified: bool, data: T) -> Self {
        Instance {
            state: RefCell::new(state),
            modified: Cell::new(modified),
            cascaded: Cell::new(0),
            flush_slot: Cell::new(0),
            visited: Cell::new(0),
            data: RefCell::new(data),
            backrefs: RefCell::new(ThinVec::new()),
            buffered: Cell::new(false),
            collector_slot: Cell::new(0),
            erase: |weak| weak,
            as_dyn: |instance| instance,
        }
    }
}

/// The type-erased view of an instance that the session works with.
pub(crate) trait ErasedInstance {
    fn meta(&self) -> &'static ModelMeta;
    fn state(&self) -> &RefCell<InstanceState>;
    fn modified(&self) -> &Cell<bool>;
    fn cascaded(&self) -> &Cell<u64>;
    fn flush_slot(&self) -> &Cell<u32>;
    fn visited(&self) -> &Cell<u64>;
    fn column_value(&self, index: usize) -> Result<Value>;
    fn set_column_value(&self, index: usize, value: Value) -> Result<()>;
    /// Copies the committed row out of the fields if they hold it, before
    /// a column changes.
    fn keep_committed_row(&self) -> Result<()>;
    /// The column values as the fields hold them.
    fn column_values(&self) -> Result<Vec<Value>>;
    fn column_holds(&self, index: usize, value: &Value) -> Result<bool>;
    fn rel(&self, rel: RelRef) -> Result<Ref<'_, dyn RelationshipField + 'static>>;
    fn rel_mut(&self, rel: RelRef) -> Result<RefMut<'_, dyn RelationshipField + 'static>>;
    /// Fails with `Borrowed` if `rel_mut(rel)` would fail now.
    fn check_writable(&self, rel: RelRef) -> Result<()>;
    fn backref_ids(&self) -> Vec<BackrefId>;
    /// Whether the cycle collector holds the object as a candidate.
    fn buffered(&self) -> &Cell<bool>;
    /// The object's position in the cycle collector's graph.
    fn collector_slot(&self) -> &Cell<u32>;
    fn into_any(self: Rc<Self>) -> Rc<dyn Any>;
}

impl<T: Model> ErasedInstance for Instance<T> {
    fn meta(&self) -> &'static ModelMeta {
        T::meta()
    }

    fn state(&self) -> &RefCell<InstanceState> {
        &self.state
    }

    fn modified(&self) -> &Cell<bool> {
        &self.modified
    }

    fn cascaded(&self) -> &Cell<u64> {
        &self.cascaded
    }

    fn flush_slot(&self) -> &Cell<u32> {
        &self.flush_slot
    }

    fn visited(&self) -> &Cell<u64> {
        &self.visited
    }

    fn column_value(&self, index: usize) -> Result<Value> {
        self.try_data()?.column_value(index)
    }

    fn set_column_value(&self, index: usize, value: Value) -> Result<()> {
        self.keep_committed_row()?;
        self.try_data_mut()?.set_column_value(index, value)
    }

    fn keep_committed_row(&self) -> Result<()> {
        let in_fields = self
            .state
            .try_borrow()
            .map_err(|_| borrowed::<T>())?
            .committed
            .in_fields();
        if in_fields {
            let row = self.column_values()?;
            self.state
                .try_borrow_mut()
                .map_err(|_| borrowed::<T>())?
                .committed = Committed::Row(row);
        }
        Ok(())
    }

    fn column_values(&self) -> Result<Vec<Value>> {
        let data = self.try_data()?;
        let count = T::meta().columns.len();
        let mut values = Vec::with_capacity(count);
        for i in 0..count {
            values.push(data.column_value(i)?);
        }
        Ok(values)
    }

    fn column_holds(&self, index: usize, value: &Value) -> Result<bool> {
        Ok(self.try_data()?.column_holds(index, value))
    }

    fn rel(&self, rel: RelRef) -> Result<Ref<'_, dyn RelationshipField + 'static>> {
        match rel {
            RelRef::Field(index) => {
                let data = self.try_data()?;
                Ref::filter_map(data, |d| d.relationship(index))
                    .map_err(|_| no_relationship::<T>(rel))
            }
            RelRef::Backref(id) => {
                let pos = self.backref_slot(id)?;
                let storage = self.backrefs.try_borrow().map_err(|_| borrowed::<T>())?;
                Ok(Ref::map(storage, |v| &*v[pos].1))
            }
        }
    }

    fn rel_mut(&self, rel: RelRef) -> Result<RefMut<'_, dyn RelationshipField + 'static>> {
        match rel {
            RelRef::Field(index) => {
                let data = self.try_data_mut()?;
                RefMut::filter_map(data, |d| d.relationship_mut(index))
                    .map_err(|_| no_relationship::<T>(rel))
            }
            RelRef::Backref(id) => {
                let pos = self.backref_slot(id)?;
                let storage = self
                    .backrefs
                    .try_borrow_mut()
                    .map_err(|_| borrowed::<T>())?;
                self.changed();
                Ok(RefMut::map(storage, |v| &mut *v[pos].1))
            }
        }
    }

    fn check_writable(&self, rel: RelRef) -> Result<()> {
        let free = match rel {
            RelRef::Field(_) => self.data.try_borrow_mut().is_ok(),
            RelRef::Backref(_) => {
                self.backrefs.try_borrow_mut().is_ok() && self.state.try_borrow().is_ok()
            }
        };
        if free {
            Ok(())
        } else {
            Err(borrowed::<T>())
        }
    }

    fn backref_ids(&self) -> Vec<BackrefId> {
        match self.backrefs.try_borrow() {
            Ok(storage) if !storage.is_empty() => storage.iter().map(|(id, _)| *id).collect(),
            _ => Vec::new(),
        }
    }

    fn buffered(&self) -> &Cell<bool> {
        &self.buffered
    }

    fn collector_slot(&self) -> &Cell<u32> {
        &self.collector_slot
    }

    fn into_any(self: Rc<Self>) -> Rc<dyn Any> {
        self
    }
}

fn no_relationship<T: Model>(rel: RelRef) -> Error {
    Error::Internal(format!("{} has no relationship {rel:?}", T::meta().name))
}

fn borrowed<T: Model>() -> Error {
    Error::Borrowed {
        model: T::meta().name,
    }
}

impl<T: Model> Instance<T> {
    /// The position of a backref's storage, made empty (a new object) or
    /// unloaded (an object with a row) on first use.
    fn backref_slot(&self, id: BackrefId) -> Result<usize> {
        if let Some(pos) = self
            .backrefs
            .try_borrow()
            .map_err(|_| borrowed::<T>())?
            .iter()
            .position(|(k, _)| *k == id)
        {
            return Ok(pos);
        }
        let origin = (id.origin)();
        let declared = origin
            .relationships
            .get(id.index)
            .filter(|r| (r.target)().same(T::meta()));
        let Some(backref) = declared.and_then(|r| r.backref.as_ref()) else {
            return Err(no_relationship::<T>(RelRef::Backref(id)));
        };
        let loaded = self
            .state
            .try_borrow()
            .map_err(|_| borrowed::<T>())?
            .committed_rels
            .is_new_object();
        let mut storage = self
            .backrefs
            .try_borrow_mut()
            .map_err(|_| borrowed::<T>())?;
        storage.push((id, (backref.new_field)(loaded)));
        Ok(storage.len() - 1)
    }

    fn try_data(&self) -> Result<Ref<'_, T>> {
        self.data.try_borrow().map_err(|_| Error::Borrowed {
            model: T::meta().name,
        })
    }

    fn try_data_mut(&self) -> Result<RefMut<'_, T>> {
        let data = self.data.try_borrow_mut().map_err(|_| Error::Borrowed {
            model: T::meta().name,
        })?;
        self.changed();
        Ok(data)
    }

    /// The fields may have changed: the next flush compares the columns and
    /// walks the relationships again.
    fn changed(&self) {
        self.modified.set(true);
        self.cascaded.set(0);
        count_change();
    }
}

thread_local! {
    /// How many times the fields or relationships of an object of this
    /// thread may have changed (objects live on one thread): a session
    /// that knew every object it holds walked by the save-update cascade
    /// at some count knows it still at the same count.
    static CHANGES: Cell<u64> = const { Cell::new(0) };
}

#[inline]
fn count_change() {
    CHANGES.with(|changes| changes.set(changes.get().wrapping_add(1)));
}

/// The thread's count of object changes so far (see `CHANGES`).
pub(crate) fn changes_so_far() -> u64 {
    CHANGES.with(Cell::get)
}

/// An object of any model, borrowed without a handle of its own: what a
/// relationship field shows of its contents to the cycle collector's walk
/// ([`RelationshipField::visit_objects`](crate::RelationshipField::visit_objects)).
#[derive(Clone, Copy)]
pub struct ObjRef<'a>(pub(crate) &'a dyn ErasedInstance);

/// A handle to an object of any model, compared and hashed by identity.
#[derive(Clone)]
pub struct AnyObj(pub(crate) Rc<dyn ErasedInstance>);

impl AnyObj {
    /// The model of the object.
    pub fn meta(&self) -> &'static ModelMeta {
        self.0.meta()
    }

    /// Whether both handles point at the same object.
    pub fn ptr_eq(&self, other: &AnyObj) -> bool {
        self.addr() == other.addr()
    }

    /// Converts back to a typed handle, if the object is a `T`.
    pub fn downcast<T: Model>(&self) -> Option<Obj<T>> {
        self.0
            .clone()
            .into_any()
            .downcast::<Instance<T>>()
            .ok()
            .map(|inner| Obj { inner })
    }

    /// The lifecycle state of the object.
    pub fn object_state(&self) -> ObjectState {
        self.0
            .state()
            .try_borrow()
            .map(|s| s.object_state())
            .unwrap_or(ObjectState::Transient)
    }

    /// Notes that the object may differ from its committed state.
    pub(crate) fn mark_modified(&self) {
        let was_modified = self.0.modified().replace(true);
        self.0.cascaded().set(0);
        count_change();
        self.registered_if_modified(was_modified);
    }

    /// The cascade epoch at which the save-update cascade last walked the
    /// object's relationships (0 when they changed since).
    pub(crate) fn cascade_mark(&self) -> u64 {
        self.0.cascaded().get()
    }

    /// Records that the save-update cascade walked the object's
    /// relationships at `epoch`.
    pub(crate) fn set_cascade_mark(&self, epoch: u64) {
        self.0.cascaded().set(epoch);
    }

    /// The object's position in a table of the current flush (meaningful
    /// only where the table's entry there is this object).
    pub(crate) fn flush_slot(&self) -> u32 {
        self.0.flush_slot().get()
    }

    /// Records the object's position in a table of the current flush.
    pub(crate) fn set_flush_slot(&self, slot: u32) {
        self.0.flush_slot().set(slot);
    }

    /// Marks the object visited by the walk of `stamp` (from
    /// [`Visit::new`]); true the first time. Instead of a hash set of the
    /// objects a walk has seen: no hashing, and no random access into a
    /// large table. Walks with different stamps must not interleave on the
    /// same objects.
    pub(crate) fn first_visit(&self, visit: &Visit) -> bool {
        let cell = self.0.visited();
        if cell.get() == visit.0 {
            return false;
        }
        cell.set(visit.0);
        true
    }

    /// Whether the walk of `visit` has visited the object.
    pub(crate) fn was_visited(&self, visit: &Visit) -> bool {
        self.0.visited().get() == visit.0
    }

    /// Whether the object may differ from its committed state.
    pub(crate) fn is_modified(&self) -> bool {
        self.0.modified().get()
    }

    /// Clears the modified flag (after a flush or a load).
    pub(crate) fn clear_modified(&self) {
        self.0.modified().set(false);
    }

    pub(crate) fn addr(&self) -> *const () {
        Rc::as_ptr(&self.0) as *const ()
    }

    #[inline]
    pub(crate) fn state(&self) -> Result<Ref<'_, InstanceState>> {
        self.0.state().try_borrow().map_err(|_| self.borrowed())
    }

    pub(crate) fn state_mut(&self) -> Result<RefMut<'_, InstanceState>> {
        self.0.state().try_borrow_mut().map_err(|_| self.borrowed())
    }

    pub(crate) fn borrowed(&self) -> Error {
        Error::Borrowed {
            model: self.meta().name,
        }
    }

    pub(crate) fn column_value(&self, index: usize) -> Result<Value> {
        self.0.column_value(index)
    }

    pub(crate) fn set_column_value(&self, index: usize, value: Value) -> Result<()> {
        let was_modified = self.is_modified();
        let written = self.0.set_column_value(index, value);
        self.registered_if_modified(was_modified);
        written
    }

    /// Runs `update`, a change the library makes so that the object agrees
    /// with the database (a load, an unload, a row another statement
    /// changed): the `modified` flag is as it was before, and a flag that
    /// was clear does not register the object with its session.
    pub(crate) fn keeping_modified_flag<R>(&self, update: impl FnOnce() -> Result<R>) -> Result<R> {
        let was_modified = self.0.modified().replace(true);
        let result = update();
        if !was_modified {
            self.0.modified().set(false);
        }
        result
    }

    /// After an operation that may have set the `modified` flag: when it
    /// was not set before, the object's session learns of it.
    fn registered_if_modified(&self, was_modified: bool) {
        if !was_modified && self.is_modified() {
            crate::session::register_modified(self.0.state(), || self.clone());
        }
    }

    /// Whether column `index` of the object holds `value`, compared in
    /// place.
    pub(crate) fn column_holds(&self, index: usize, value: &Value) -> Result<bool> {
        self.0.column_holds(index, value)
    }

    pub(crate) fn column_values(&self) -> Result<Vec<Value>> {
        self.0.column_values()
    }

    /// Writes the committed row back into the columns that differ from it
    /// (unflushed changes discarded); fields that hold the committed row
    /// have nothing to discard.
    pub(crate) fn discard_column_changes(&self) -> Result<()> {
        let Some(row) = self.state()?.committed.row().map(<[Value]>::to_vec) else {
            return Ok(());
        };
        for (i, value) in row.into_iter().enumerate() {
            if self.column_value(i)? != value {
                self.set_column_value(i, value)?;
            }
        }
        Ok(())
    }

    /// A copy of the object's committed row, if it has one.
    pub(crate) fn committed_row(&self) -> Result<Option<Vec<Value>>> {
        self.state()?.committed.to_row(|| self.column_values())
    }

    pub(crate) fn rel(&self, rel: RelRef) -> Result<Ref<'_, dyn RelationshipField + 'static>> {
        self.0.rel(rel)
    }

    /// The relationships this object has storage for: its fields and the
    /// backrefs used so far.
    pub(crate) fn rel_refs(&self) -> impl Iterator<Item = RelRef> + use<> {
        // The backref ids are copied out (nothing when there are none), so
        // the caller may change the relationships while iterating.
        (0..self.meta().relationships.len())
            .map(RelRef::Field)
            .chain(self.0.backref_ids().into_iter().map(RelRef::Backref))
    }

    /// Fails with `Borrowed` if `rel_mut(rel)` would fail now.
    pub(crate) fn check_writable(&self, rel: RelRef) -> Result<()> {
        self.0.check_writable(rel)
    }

    pub(crate) fn rel_mut(
        &self,
        rel: RelRef,
    ) -> Result<RefMut<'_, dyn RelationshipField + 'static>> {
        let was_modified = self.is_modified();
        let field = self.0.rel_mut(rel);
        self.registered_if_modified(was_modified);
        field
    }

    /// The session the object belongs to, if it is still alive.
    pub(crate) fn session(&self) -> Option<Rc<SessionInner>> {
        self.state().ok()?.session.as_ref()?.upgrade()
    }

    /// The primary key values as the object holds them now.
    pub(crate) fn primary_key_values(&self) -> Result<Vec<Value>> {
        self.meta()
            .primary_key()
            .map(|i| self.column_value(i))
            .collect()
    }
}

impl AnyObj {
    /// Drops this handle without telling the cycle collector: for a
    /// temporary handle whose object another handle of the caller holds
    /// on to, so dropping it cannot leave a garbage cycle.
    pub(crate) fn drop_untracked(self) {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so its `Rc` is
        // moved out, and released, exactly once.
        drop(unsafe { std::ptr::read(&this.0) });
    }
}

/// One walk over objects, for [`AnyObj::first_visit`]: a stamp no other
/// walk in the process has used.
pub(crate) struct Visit(u64);

impl Visit {
    pub(crate) fn new() -> Visit {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Visit(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Drop for AnyObj {
    /// An object that outlives this handle may be left in a garbage cycle:
    /// the cycle collector remembers it.
    #[inline]
    fn drop(&mut self) {
        if Rc::strong_count(&self.0) > 1 {
            crate::cycles::handle_dropped(&*self.0, || Rc::downgrade(&self.0));
        }
    }
}

impl PartialEq for AnyObj {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other)
    }
}

impl Eq for AnyObj {}

impl Hash for AnyObj {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr().hash(state);
    }
}

impl fmt::Debug for AnyObj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(f, self.meta(), self.primary_key_values().ok(), self.addr())
    }
}

fn describe(
    f: &mut fmt::Formatter<'_>,
    meta: &ModelMeta,
    key: Option<Vec<Value>>,
    addr: *const (),
) -> fmt::Result {
    match key {
        Some(key) if key.iter().all(|v| !v.is_null()) => {
            let key: Vec<String> = key.iter().map(ToString::to_string).collect();
            write!(f, "<{} {}>", meta.name, key.join(", "))
        }
        _ => write!(f, "<{} at {addr:p}>", meta.name),
    }
}

/// A shared handle to a model instance.
///
/// Clones are cheap and point at the same object: this is how one row stays
/// one object in the identity map and in every collection that holds it.
/// Read and write columns through [`borrow`](Obj::borrow) and
/// [`borrow_mut`](Obj::borrow_mut); change relationships through
/// [`set`](Obj::set), [`append`](Obj::append) and [`remove`](Obj::remove),
/// which keep the other side of a `back_populates` pair in sync at once, with
/// or without a session.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Parent {
///     #[column(primary_key)]
///     pub id: Option<i64>,
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
/// let parent = Obj::new(Parent { id: Some(1), ..Default::default() });
/// let child = Obj::new(Child { id: Some(5), ..Default::default() });
/// child.set(Child::parent, &parent)?;
/// let ids: Vec<_> = parent.get(Parent::children)?.iter().map(|c| c.borrow().id).collect();
/// assert_eq!(ids, [Some(5)]);
/// # Ok(()) }
/// ```
pub struct Obj<T> {
    pub(crate) inner: Rc<Instance<T>>,
}

impl<T: Model> Obj<T> {
    /// Wraps a new (transient) object.
    ///
    /// Objects already placed in its relationship fields are linked back
    /// through `back_populates`, as if they had been appended one by one.
    ///
    /// # Panics
    ///
    /// Panics if one of those related objects is mutably borrowed by the
    /// caller at this moment; [`Obj::try_new`] returns the error instead.
    pub fn new(value: T) -> Self {
        match Self::try_new(value) {
            Ok(obj) => obj,
            Err(err) => panic!("Obj::new: {err}"),
        }
    }

    /// Wraps a new (transient) object; see [`Obj::new`].
    pub fn try_new(value: T) -> Result<Self> {
        let obj = Obj {
            inner: Rc::new(Instance::new(InstanceState::transient(), true, value)),
        };
        // The temporary handle must not make the new object a candidate of
        // the cycle collector: the returned handle still holds it, and
        // dropping that one later is what may leave a cycle behind.
        let erased = obj.erased();
        let linked = sync::link_initial(&erased);
        erased.drop_untracked();
        linked?;
        Ok(obj)
    }

    /// Borrows the object's fields.
    ///
    /// # Panics
    ///
    /// Panics if the object is mutably borrowed; see [`Obj::try_borrow`].
    pub fn borrow(&self) -> Ref<'_, T> {
        self.inner.data.borrow()
    }

    /// Borrows the object's fields mutably, to change columns.
    ///
    /// Column changes are found by comparison with the committed state at the
    /// next flush. Relationship fields must be changed through
    /// [`set`](Obj::set), [`append`](Obj::append) and [`remove`](Obj::remove).
    /// The first mutable borrow of a loaded (or flushed) object copies its
    /// committed row out of the fields, which hold it until then.
    ///
    /// # Panics
    ///
    /// Panics if the object is already borrowed, or a column of a loaded
    /// object cannot be read for that copy; see [`Obj::try_borrow_mut`].
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        match self.try_borrow_mut() {
            Ok(data) => data,
            Err(err) => panic!("{err}"),
        }
    }

    /// Borrows the object's fields, or says that it is mutably borrowed.
    pub fn try_borrow(&self) -> Result<Ref<'_, T>> {
        self.inner.try_data()
    }

    /// Borrows the object's fields mutably, or says that it is borrowed.
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, T>> {
        // The committed row leaves the fields before they change.
        self.inner.keep_committed_row()?;
        let was_modified = self.inner.modified.get();
        let data = self.inner.try_data_mut()?;
        if !was_modified {
            crate::session::register_modified(&self.inner.state, || self.erased());
        }
        Ok(data)
    }

    /// Whether both handles point at the same object.
    pub fn ptr_eq(&self, other: &Obj<T>) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// The lifecycle state of the object.
    pub fn state(&self) -> ObjectState {
        self.erased().object_state()
    }

    /// A weak handle that does not keep the object alive.
    pub fn downgrade(&self) -> WeakObj<T> {
        WeakObj {
            inner: Rc::downgrade(&self.inner),
        }
    }

    /// The object, type-erased, without a new handle.
    pub(crate) fn instance(&self) -> ObjRef<'_> {
        ObjRef(&*self.inner)
    }

    /// A type-erased handle to the same object.
    pub fn erased(&self) -> AnyObj {
        AnyObj(self.inner.clone())
    }

    /// Reads a relationship, loading it from the database first if it is
    /// not loaded yet (lazy loading).
    ///
    /// Returns `Vec<Obj<U>>` for a `Many<U>` field and `Option<Obj<U>>` for a
    /// `One<U>` field. Loading needs the object's session; an unloaded
    /// relationship of an object without one is [`Error::Detached`].
    pub fn get<F: RelationKind>(&self, rel: Rel<T, F>) -> Result<F::Output> {
        let this = self.erased();
        crate::loading::ensure_loaded(&this, rel.rel_ref())?;
        let items = this.rel(rel.rel_ref())?.items();
        F::output(items)
    }

    /// Sets a scalar (`One`) relationship, or clears it with `None`.
    ///
    /// The reverse side is updated at once: with `back_populates`, the new
    /// target's collection gains this object and the old target's loses it.
    pub fn set<'a, U: Model>(
        &self,
        rel: Rel<T, One<U>>,
        target: impl Into<Option<&'a Obj<U>>>,
    ) -> Result<()> {
        let this = self.erased();
        match target.into() {
            Some(target) => sync::link(&this, rel.rel_ref(), &target.erased()),
            None => sync::clear_one(&this, rel.rel_ref()),
        }
    }

    /// Appends to a collection (`Many`) relationship; appending an object
    /// that is already there does nothing.
    ///
    /// With `back_populates`, the item's reverse side points here at once
    /// (and leaves its previous owner's collection).
    pub fn append<U: Model>(&self, rel: Rel<T, Many<U>>, item: &Obj<U>) -> Result<()> {
        sync::link(&self.erased(), rel.rel_ref(), &item.erased())
    }

    /// Makes a collection hold exactly `items`, in that order (SQLAlchemy's
    /// `parent.children = [a, b]`).
    ///
    /// Members not among `items` are removed as by [`remove`](Obj::remove)
    /// (un-parented at flush, or deleted with `delete-orphan`), new ones
    /// appended as by [`append`](Obj::append), both sides kept in sync.
    /// An unloaded collection is loaded first. Every change is checked
    /// before the first one is made: on error nothing has changed.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Parent {
    /// #     #[column(primary_key)]
    /// #     pub id: Option<i64>,
    /// #     #[relationship(back_populates = "parent")]
    /// #     pub children: Many<Child>,
    /// # }
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Child {
    /// #     #[column(primary_key)]
    /// #     pub id: Option<i64>,
    /// #     #[column(foreign_key = "parent.id")]
    /// #     pub parent_id: Option<i64>,
    /// #     #[relationship(back_populates = "children")]
    /// #     pub parent: One<Parent>,
    /// # }
    /// # fn main() -> orm_core::Result<()> {
    /// let p = Obj::new(Parent::default());
    /// let (a, b, c) = (Obj::new(Child::default()), Obj::new(Child::default()), Obj::new(Child::default()));
    /// p.append(Parent::children, &a)?;
    /// p.append(Parent::children, &b)?;
    /// p.replace(Parent::children, [&c, &a])?;
    /// assert_eq!(p.get(Parent::children)?, [c.clone(), a.clone()]);
    /// assert!(b.get(Child::parent)?.is_none());
    /// assert!(c.get(Child::parent)?.is_some_and(|x| x.ptr_eq(&p)));
    /// # Ok(()) }
    /// ```
    pub fn replace<U, I>(&self, rel: Rel<T, Many<U>>, items: I) -> Result<()>
    where
        U: Model,
        I: IntoIterator,
        I::Item: std::borrow::Borrow<Obj<U>>,
    {
        use std::borrow::Borrow;
        let this = self.erased();
        let items: Vec<AnyObj> = items.into_iter().map(|o| o.borrow().erased()).collect();
        crate::loading::ensure_loaded(&this, rel.rel_ref())?;
        sync::replace(&this, rel.rel_ref(), items)
    }

    /// Empties a collection: [`replace`](Obj::replace) with nothing.
    pub fn clear<U: Model>(&self, rel: Rel<T, Many<U>>) -> Result<()> {
        self.replace(rel, std::iter::empty::<Obj<U>>())
    }

    /// Removes an object from a collection relationship.
    ///
    /// At flush, a removed child of a one-to-many gets its foreign key set to NULL.
    pub fn remove<U: Model>(&self, rel: Rel<T, Many<U>>, item: &Obj<U>) -> Result<()> {
        sync::unlink(&self.erased(), rel.rel_ref(), &item.erased())
    }
}

impl<T> Obj<T> {
    /// The object's address: its identity.
    pub(crate) fn addr(&self) -> *const () {
        Rc::as_ptr(&self.inner) as *const ()
    }
}

impl<T> Clone for Obj<T> {
    fn clone(&self) -> Self {
        Obj {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Drop for Obj<T> {
    /// See [`AnyObj`]'s: the object may be left in a garbage cycle.
    fn drop(&mut self) {
        if Rc::strong_count(&self.inner) > 1 && !self.inner.buffered.get() {
            let inner = &self.inner;
            crate::cycles::handle_dropped((inner.as_dyn)(inner), || {
                (inner.erase)(Rc::downgrade(inner))
            });
        }
    }
}

impl<T: Model> PartialEq for Obj<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other)
    }
}

impl<T: Model> Eq for Obj<T> {}

impl<T: Model> Hash for Obj<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Rc::as_ptr(&self.inner) as *const ()).hash(state);
    }
}

impl<T: Model> fmt::Debug for Obj<T> {
    /// Shows the model and primary key, never the related objects (which
    /// would recurse through back references).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let erased = self.erased();
        describe(
            f,
            T::meta(),
            erased.primary_key_values().ok(),
            erased.addr(),
        )
    }
}

/// A weak handle to an object, from [`Obj::downgrade`].
pub struct WeakObj<T> {
    inner: Weak<Instance<T>>,
}

impl<T: Model> WeakObj<T> {
    /// The object, if it is still alive.
    pub fn upgrade(&self) -> Option<Obj<T>> {
        self.inner.upgrade().map(|inner| Obj { inner })
    }
}

impl<T> Clone for WeakObj<T> {
    fn clone(&self) -> Self {
        WeakObj {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakObj<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(WeakObj)")
    }
}

/// A weak reference to a session, as kept in instance state.
pub(crate) type SessionRef = Weak<SessionInner>;
