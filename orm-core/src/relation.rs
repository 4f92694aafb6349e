//! Relationship fields ([`One`], [`Many`]) and the typed descriptors that name
//! relationships and columns in user code.

use std::fmt;
use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::meta::{BackrefId, Cardinality, ModelMeta, RelRef};
use crate::model::Model;
use crate::obj::{AnyObj, Obj, ObjRef};
use crate::objlist::ObjList;

/// The type-erased interface of a relationship field, used by the session.
///
/// These are raw operations: they never touch the other side of the
/// relationship. [`Obj::set`], [`Obj::append`] and [`Obj::remove`] are the
/// user-facing operations that keep both sides in sync.
pub trait RelationshipField {
    /// `One` or `Many`.
    fn cardinality(&self) -> Cardinality;
    /// Whether the contents are known (always true for new objects).
    fn is_loaded(&self) -> bool;
    /// The current contents (empty when not loaded).
    fn items(&self) -> Vec<AnyObj>;
    /// The first of the current contents: a `One`'s object, without the
    /// `Vec` of [`items`](Self::items).
    fn first(&self) -> Option<AnyObj> {
        self.items().into_iter().next()
    }
    /// Whether the current contents are empty (true when not loaded),
    /// without the `Vec` of [`items`](Self::items).
    fn is_empty(&self) -> bool {
        self.items().is_empty()
    }
    /// Whether `obj` is among the current contents or pending additions.
    fn contains(&self, obj: &AnyObj) -> bool;
    /// Adds `obj` (a `One` is replaced). Unloaded collections record it as a
    /// pending addition.
    fn insert(&mut self, obj: AnyObj) -> Result<()>;
    /// Removes `obj`; an unloaded `One` becomes empty and an unloaded
    /// collection records a pending removal. Returns whether anything changed.
    fn remove(&mut self, obj: &AnyObj) -> bool;
    /// Empties a `One` (no-op on collections).
    fn clear(&mut self);
    /// Fills an unloaded field with what the database holds, merged with the
    /// pending additions and removals.
    fn load(&mut self, items: Vec<AnyObj>) -> Result<()>;
    /// Additions and removals made while the field was not loaded.
    fn pending(&self) -> (Vec<AnyObj>, Vec<AnyObj>);
    /// Forgets the pending additions and removals (after a flush wrote them).
    fn clear_pending(&mut self);
    /// Replaces the contents, as loaded (rollback restores this way).
    fn reset(&mut self, items: Vec<AnyObj>) -> Result<()>;
    /// Drops the contents and marks the field unloaded.
    fn unload(&mut self);
    /// The loaded contents as a committed snapshot (a scalar's one object
    /// inline). The flush's, not part of the public contract.
    #[doc(hidden)]
    fn snapshot(&self) -> crate::state::Snapshot {
        smallvec::SmallVec::from_vec(self.items())
    }
    /// Calls `f` with every object the field refers to, its contents and
    /// pending changes, without cloning handles (the cycle collector's
    /// walk).
    fn visit_objects(&self, f: &mut dyn FnMut(ObjRef<'_>)) {
        let (added, removed) = self.pending();
        for obj in self.items().iter().chain(&added).chain(&removed) {
            f(ObjRef(&*obj.0));
        }
    }
    /// Pushes onto `out` a handle to every object the field refers to (its
    /// contents and pending changes) that `keep` accepts, without copying
    /// the others (the cycle collector's walk).
    fn collect_into(&self, keep: &mut dyn FnMut(ObjRef<'_>) -> bool, out: &mut Vec<AnyObj>) {
        let (added, removed) = self.pending();
        for obj in self.items().into_iter().chain(added).chain(removed) {
            if keep(ObjRef(&*obj.0)) {
                out.push(obj);
            }
        }
    }
    /// Pushes onto `out` a handle to each object of the current contents,
    /// then of the pending additions (what the save-update cascade
    /// follows), without a `Vec` of its own.
    #[doc(hidden)]
    fn push_reachable(&self, out: &mut Vec<AnyObj>) {
        out.extend(self.items());
        out.extend(self.pending().0);
    }
    /// Puts the loaded items in the order they have in `order` (items not
    /// in it go last, in their current order).
    fn reorder(&mut self, order: &[AnyObj]) {
        let _ = order;
    }
}

fn downcast<T: Model>(obj: &AnyObj) -> Result<Obj<T>> {
    obj.downcast::<T>().ok_or_else(|| {
        Error::Internal(format!(
            "expected a {} object, got a {}",
            T::meta().name,
            obj.meta().name
        ))
    })
}

/// A scalar relationship field: at most one related object.
///
/// Read it with [`Obj::get`] (which loads it when needed), write it with
/// [`Obj::set`]. On a new object it starts empty.
pub struct One<T> {
    state: OneState<T>,
}

enum OneState<T> {
    Unloaded,
    Loaded(Option<Obj<T>>),
}

impl<T> One<T> {
    /// A relationship that will be loaded on first use.
    #[doc(hidden)]
    pub fn unloaded() -> Self {
        One {
            state: OneState::Unloaded,
        }
    }
}

impl<T: Model> One<T> {
    /// An empty relationship (what `Default` gives).
    pub fn new() -> Self {
        One {
            state: OneState::Loaded(None),
        }
    }

    /// The related object, if loaded and set.
    pub fn get(&self) -> Option<&Obj<T>> {
        match &self.state {
            OneState::Loaded(Some(obj)) => Some(obj),
            _ => None,
        }
    }

    /// Whether the field is loaded.
    pub fn is_loaded(&self) -> bool {
        matches!(self.state, OneState::Loaded(_))
    }
}

impl<T: Model> From<Obj<T>> for One<T> {
    /// A relationship set to `obj`: `Child { parent: parent.clone().into(), .. }`.
    fn from(obj: Obj<T>) -> Self {
        One {
            state: OneState::Loaded(Some(obj)),
        }
    }
}

impl<T: Model> Default for One<T> {
    fn default() -> Self {
        One::new()
    }
}

impl<T: Model> Clone for One<T> {
    fn clone(&self) -> Self {
        One {
            state: match &self.state {
                OneState::Unloaded => OneState::Unloaded,
                OneState::Loaded(v) => OneState::Loaded(v.clone()),
            },
        }
    }
}

impl<T: Model> fmt::Debug for One<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            OneState::Unloaded => f.write_str("<not loaded>"),
            OneState::Loaded(None) => f.write_str("None"),
            OneState::Loaded(Some(obj)) => write!(f, "{obj:?}"),
        }
    }
}

impl<T: Model> RelationshipField for One<T> {
    fn cardinality(&self) -> Cardinality {
        Cardinality::One
    }

    fn is_loaded(&self) -> bool {
        One::is_loaded(self)
    }

    fn items(&self) -> Vec<AnyObj> {
        self.get().map(Obj::erased).into_iter().collect()
    }

    fn first(&self) -> Option<AnyObj> {
        self.get().map(Obj::erased)
    }

    fn snapshot(&self) -> crate::state::Snapshot {
        self.get().map(Obj::erased).into_iter().collect()
    }

    fn is_empty(&self) -> bool {
        self.get().is_none()
    }

    fn contains(&self, obj: &AnyObj) -> bool {
        self.get().is_some_and(|o| o.addr() == obj.addr())
    }

    fn visit_objects(&self, f: &mut dyn FnMut(ObjRef<'_>)) {
        if let Some(obj) = self.get() {
            f(obj.instance());
        }
    }

    fn collect_into(&self, keep: &mut dyn FnMut(ObjRef<'_>) -> bool, out: &mut Vec<AnyObj>) {
        if let Some(obj) = self.get().filter(|o| keep(o.instance())) {
            out.push(obj.erased());
        }
    }

    fn push_reachable(&self, out: &mut Vec<AnyObj>) {
        out.extend(self.get().map(Obj::erased));
    }

    fn insert(&mut self, obj: AnyObj) -> Result<()> {
        self.state = OneState::Loaded(Some(downcast(&obj)?));
        Ok(())
    }

    fn remove(&mut self, obj: &AnyObj) -> bool {
        let matches = match &self.state {
            OneState::Unloaded => true,
            OneState::Loaded(current) => current.as_ref().is_some_and(|c| c.addr() == obj.addr()),
        };
        if matches {
            self.state = OneState::Loaded(None);
        }
        matches
    }

    fn clear(&mut self) {
        self.state = OneState::Loaded(None);
    }

    fn load(&mut self, items: Vec<AnyObj>) -> Result<()> {
        if !self.is_loaded() {
            self.reset(items)?;
        }
        Ok(())
    }

    fn pending(&self) -> (Vec<AnyObj>, Vec<AnyObj>) {
        (Vec::new(), Vec::new())
    }

    fn clear_pending(&mut self) {}

    fn reset(&mut self, items: Vec<AnyObj>) -> Result<()> {
        let value = match items.first() {
            Some(obj) => Some(downcast(obj)?),
            None => None,
        };
        self.state = OneState::Loaded(value);
        Ok(())
    }

    fn unload(&mut self) {
        self.state = OneState::Unloaded;
    }
}

/// A collection relationship field.
///
/// Read it with [`Obj::get`] (which loads it when needed) or, once loaded,
/// through the field itself; change it with [`Obj::append`] and
/// [`Obj::remove`]. On a new object it starts empty; `Many::from(vec![..])`
/// fills it at construction, and [`Obj::new`] links the items back.
pub struct Many<T> {
    items: ObjList<T>,
    loaded: bool,
    /// Changes made while unloaded, applied when the collection loads
    /// (boxed: most collections never have any).
    pending: Option<Box<Pending<T>>>,
}

/// The changes to an unloaded collection.
struct Pending<T> {
    add: ObjList<T>,
    remove: ObjList<T>,
}

impl<T> Clone for Pending<T> {
    fn clone(&self) -> Self {
        Pending {
            add: self.add.clone(),
            remove: self.remove.clone(),
        }
    }
}

impl<T> Many<T> {
    fn pending_mut(&mut self) -> &mut Pending<T> {
        self.pending.get_or_insert_with(|| {
            Box::new(Pending {
                add: ObjList::new(),
                remove: ObjList::new(),
            })
        })
    }

    fn pending_contains(&self, addr: *const ()) -> (bool, bool) {
        match &self.pending {
            Some(p) => (p.add.contains(addr), p.remove.contains(addr)),
            None => (false, false),
        }
    }
}

impl<T> Many<T> {
    /// A collection that will be loaded on first use.
    #[doc(hidden)]
    pub fn unloaded() -> Self {
        Many {
            items: ObjList::new(),
            loaded: false,
            pending: None,
        }
    }
}

impl<T: Model> Many<T> {
    /// An empty collection (what `Default` gives).
    pub fn new() -> Self {
        Many {
            items: ObjList::new(),
            loaded: true,
            pending: None,
        }
    }

    /// Whether the collection is loaded.
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// The loaded items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Obj<T>> {
        self.items.as_slice().iter()
    }

    /// The number of loaded items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item is loaded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether `obj` is in the loaded items.
    pub fn contains(&self, obj: &Obj<T>) -> bool {
        self.items.contains(obj.addr())
    }

    /// The loaded items as a vector of handles.
    pub fn to_vec(&self) -> Vec<Obj<T>> {
        self.items.as_slice().to_vec()
    }
}

impl<T: Model> From<Vec<Obj<T>>> for Many<T> {
    /// A collection of `items` (an object given twice is kept once).
    fn from(items: Vec<Obj<T>>) -> Self {
        Many {
            items: items.into_iter().collect(),
            ..Many::new()
        }
    }
}

impl<T: Model> FromIterator<Obj<T>> for Many<T> {
    fn from_iter<I: IntoIterator<Item = Obj<T>>>(iter: I) -> Self {
        Many::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<'a, T: Model> IntoIterator for &'a Many<T> {
    type Item = &'a Obj<T>;
    type IntoIter = std::slice::Iter<'a, Obj<T>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Model> Default for Many<T> {
    fn default() -> Self {
        Many::new()
    }
}

impl<T: Model> Clone for Many<T> {
    fn clone(&self) -> Self {
        Many {
            items: self.items.clone(),
            loaded: self.loaded,
            pending: self.pending.clone(),
        }
    }
}

impl<T: Model> fmt::Debug for Many<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.loaded {
            f.debug_list().entries(self.items.as_slice()).finish()
        } else {
            f.write_str("<not loaded>")
        }
    }
}

impl<T: Model> RelationshipField for Many<T> {
    fn cardinality(&self) -> Cardinality {
        Cardinality::Many
    }

    fn is_loaded(&self) -> bool {
        self.loaded
    }

    fn items(&self) -> Vec<AnyObj> {
        self.items.as_slice().iter().map(Obj::erased).collect()
    }

    fn push_reachable(&self, out: &mut Vec<AnyObj>) {
        out.extend(self.items.as_slice().iter().map(Obj::erased));
        if let Some(pending) = &self.pending {
            out.extend(pending.add.as_slice().iter().map(Obj::erased));
        }
    }

    fn is_empty(&self) -> bool {
        self.items.as_slice().is_empty()
    }

    fn contains(&self, obj: &AnyObj) -> bool {
        self.items.contains(obj.addr()) || self.pending_contains(obj.addr()).0
    }

    fn visit_objects(&self, f: &mut dyn FnMut(ObjRef<'_>)) {
        let pending = self
            .pending
            .iter()
            .flat_map(|p| p.add.as_slice().iter().chain(p.remove.as_slice()));
        for obj in self.items.as_slice().iter().chain(pending) {
            f(obj.instance());
        }
    }

    fn collect_into(&self, keep: &mut dyn FnMut(ObjRef<'_>) -> bool, out: &mut Vec<AnyObj>) {
        let pending = self
            .pending
            .iter()
            .flat_map(|p| p.add.as_slice().iter().chain(p.remove.as_slice()));
        for obj in self.items.as_slice().iter().chain(pending) {
            if keep(obj.instance()) {
                out.push(obj.erased());
            }
        }
    }

    fn insert(&mut self, obj: AnyObj) -> Result<()> {
        let typed = downcast::<T>(&obj)?;
        if self.loaded {
            self.items.push(typed);
        } else {
            let pending = self.pending_mut();
            // Re-adding what a pending removal took out only cancels it.
            if !pending.remove.remove(obj.addr()) {
                pending.add.push(typed);
            }
        }
        Ok(())
    }

    fn remove(&mut self, obj: &AnyObj) -> bool {
        if self.loaded {
            self.items.remove(obj.addr())
        } else {
            let pending = self.pending_mut();
            if pending.add.remove(obj.addr()) {
                return true;
            }
            if let Some(typed) = obj.downcast::<T>() {
                pending.remove.push(typed);
            }
            true
        }
    }

    fn clear(&mut self) {}

    fn load(&mut self, items: Vec<AnyObj>) -> Result<()> {
        if self.loaded {
            return Ok(());
        }
        let mut loaded = ObjList::new();
        for obj in &items {
            if !self.pending_contains(obj.addr()).1 {
                loaded.push(downcast::<T>(obj)?);
            }
        }
        if let Some(mut pending) = self.pending.take() {
            for obj in pending.add.take() {
                loaded.push(obj);
            }
        }
        self.items = loaded;
        self.loaded = true;
        Ok(())
    }

    fn pending(&self) -> (Vec<AnyObj>, Vec<AnyObj>) {
        match &self.pending {
            Some(p) => (
                p.add.as_slice().iter().map(Obj::erased).collect(),
                p.remove.as_slice().iter().map(Obj::erased).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        }
    }

    fn clear_pending(&mut self) {
        self.pending = None;
    }

    fn reset(&mut self, items: Vec<AnyObj>) -> Result<()> {
        self.items = items
            .iter()
            .map(downcast::<T>)
            .collect::<Result<ObjList<T>>>()?;
        self.loaded = true;
        self.clear_pending();
        Ok(())
    }

    fn unload(&mut self) {
        self.items.clear();
        self.clear_pending();
        self.loaded = false;
    }

    fn reorder(&mut self, order: &[AnyObj]) {
        let rank: rustc_hash::FxHashMap<*const (), usize> = order
            .iter()
            .enumerate()
            .map(|(i, o)| (o.addr(), i))
            .collect();
        self.items
            .sort_by_key(|o| rank.get(&o.addr()).copied().unwrap_or(usize::MAX));
    }
}

/// What reading a relationship returns: `Vec<Obj<T>>` for [`Many<T>`],
/// `Option<Obj<T>>` for [`One<T>`].
pub trait RelationKind: 'static {
    /// The related model.
    type Target: Model;
    /// What [`Obj::get`] returns.
    type Output;
    /// Builds the output from the field's items.
    #[doc(hidden)]
    fn output(items: Vec<AnyObj>) -> Result<Self::Output>;
}

impl<T: Model> RelationKind for Many<T> {
    type Target = T;
    type Output = Vec<Obj<T>>;
    fn output(items: Vec<AnyObj>) -> Result<Self::Output> {
        items.iter().map(downcast::<T>).collect()
    }
}

impl<T: Model> RelationKind for One<T> {
    type Target = T;
    type Output = Option<Obj<T>>;
    fn output(items: Vec<AnyObj>) -> Result<Self::Output> {
        items.first().map(downcast::<T>).transpose()
    }
}

/// Names a relationship of model `M` whose field has type `F`.
///
/// `#[derive(Model)]` generates one per relationship field as an associated
/// constant with the field's name (`Parent::children`, `Child::parent`), and
/// one on the target model for each `backref = "..."`.
pub struct Rel<M, F> {
    rel: RelRef,
    _marker: PhantomData<fn() -> (M, F)>,
}

impl<M, F> Rel<M, F> {
    #[doc(hidden)]
    pub const fn new(index: usize) -> Self {
        Rel {
            rel: RelRef::Field(index),
            _marker: PhantomData,
        }
    }

    #[doc(hidden)]
    pub const fn backref(origin: fn() -> &'static ModelMeta, index: usize) -> Self {
        Rel {
            rel: RelRef::Backref(BackrefId { origin, index }),
            _marker: PhantomData,
        }
    }

    /// Which relationship of the model this is.
    pub const fn rel_ref(&self) -> RelRef {
        self.rel
    }
}

impl<M, F> Clone for Rel<M, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, F> Copy for Rel<M, F> {}

impl<M: Model, F> fmt::Debug for Rel<M, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.rel.info(M::meta()).map_or("?", |i| i.name);
        write!(f, "{}.{}", M::meta().name, name)
    }
}

/// Names a column of model `M` whose field has type `V`, for queries.
///
/// `#[derive(Model)]` generates one per column as an associated constant with
/// the field's name: `Child::parent_id`.
pub struct Col<M, V> {
    index: usize,
    _marker: PhantomData<fn() -> (M, V)>,
}

impl<M, V> Col<M, V> {
    #[doc(hidden)]
    pub const fn new(index: usize) -> Self {
        Col {
            index,
            _marker: PhantomData,
        }
    }

    /// The position of the column in the model's metadata.
    pub const fn index(&self) -> usize {
        self.index
    }
}

impl<M, V> Clone for Col<M, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, V> Copy for Col<M, V> {}
