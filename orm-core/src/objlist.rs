//! An ordered list of distinct objects with constant-time membership: the
//! storage of a collection relationship.

use rustc_hash::FxHashSet;

use crate::obj::Obj;

/// From this many items on, membership goes through a hash index rather
/// than a scan (small collections stay a plain vector).
const INDEX_FROM: usize = 16;

/// Distinct objects in insertion order; membership is by identity.
pub(crate) struct ObjList<T> {
    items: Vec<Obj<T>>,
    /// The addresses of `items`, once there are [`INDEX_FROM`] of them.
    index: Option<Box<FxHashSet<*const ()>>>,
}

impl<T> ObjList<T> {
    pub const fn new() -> Self {
        ObjList {
            items: Vec::new(),
            index: None,
        }
    }

    pub fn contains(&self, addr: *const ()) -> bool {
        match &self.index {
            Some(index) => index.contains(&addr),
            None => self.items.iter().any(|o| o.addr() == addr),
        }
    }

    /// Appends `obj` unless it is already there; returns whether it was added.
    pub fn push(&mut self, obj: Obj<T>) -> bool {
        let addr = obj.addr();
        if self.contains(addr) {
            return false;
        }
        self.items.push(obj);
        match &mut self.index {
            Some(index) => {
                index.insert(addr);
            }
            None if self.items.len() >= INDEX_FROM => {
                self.index = Some(Box::new(self.items.iter().map(Obj::addr).collect()));
            }
            None => {}
        }
        true
    }

    /// Removes the object at `addr`; returns whether it was there.
    pub fn remove(&mut self, addr: *const ()) -> bool {
        if !self.contains(addr) {
            return false;
        }
        if let Some(i) = self.items.iter().position(|o| o.addr() == addr) {
            self.items.remove(i);
        }
        if let Some(index) = &mut self.index {
            index.remove(&addr);
        }
        true
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.index = None;
    }

    pub fn as_slice(&self) -> &[Obj<T>] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Takes every item out, in order.
    pub fn take(&mut self) -> Vec<Obj<T>> {
        self.index = None;
        std::mem::take(&mut self.items)
    }

    /// Reorders the items (the set stays the same, and so does the index).
    pub fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(&Obj<T>) -> K) {
        self.items.sort_by_key(key);
    }
}

impl<T> FromIterator<Obj<T>> for ObjList<T> {
    /// Keeps the first of repeated objects.
    fn from_iter<I: IntoIterator<Item = Obj<T>>>(iter: I) -> Self {
        let mut list = ObjList::new();
        for obj in iter {
            list.push(obj);
        }
        list
    }
}

impl<T> Clone for ObjList<T> {
    fn clone(&self) -> Self {
        ObjList {
            items: self.items.clone(),
            index: self.index.clone(),
        }
    }
}
