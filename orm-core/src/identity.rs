//! The identity map: one object per (model, primary key) within a session.

use indexmap::map::Entry;
use rustc_hash::FxBuildHasher;

type FxIndexMap<K, V> = indexmap::IndexMap<K, V, FxBuildHasher>;

use crate::obj::AnyObj;
use crate::value::Value;

/// An identity key: the primary key values of a row, in the order of the
/// mapper's primary key columns. Inline for a key of one column.
pub(crate) type Key = smallvec::SmallVec<[Value; 1]>;

/// Maps primary key values to the one object for that row, per mapper.
///
/// An insertion-ordered map: a flush scans it for modified objects, and
/// in load order each object it touches lies beside the last one (in the
/// hash order of a plain map, every one is a cache miss). A removal moves
/// the last entry into the hole.
#[derive(Default)]
pub(crate) struct IdentityMap {
    by_mapper: Vec<FxIndexMap<Key, AnyObj>>,
    len: usize,
}

impl IdentityMap {
    pub fn get(&self, mapper: usize, key: &[Value]) -> Option<&AnyObj> {
        self.by_mapper.get(mapper)?.get(key)
    }

    /// Inserts `obj`, or returns the different object already there.
    pub fn insert(&mut self, mapper: usize, key: Key, obj: AnyObj) -> Result<(), AnyObj> {
        if self.by_mapper.len() <= mapper {
            self.by_mapper.resize_with(mapper + 1, FxIndexMap::default);
        }
        match self.by_mapper[mapper].entry(key) {
            Entry::Occupied(e) if !e.get().ptr_eq(&obj) => Err(e.get().clone()),
            Entry::Occupied(_) => Ok(()),
            Entry::Vacant(e) => {
                e.insert(obj);
                self.len += 1;
                Ok(())
            }
        }
    }

    pub fn remove(&mut self, mapper: usize, key: &[Value]) -> Option<AnyObj> {
        let removed = self.by_mapper.get_mut(mapper)?.swap_remove(key);
        if removed.is_some() {
            self.len -= 1;
        }
        removed
    }

    /// The objects of one mapper.
    pub fn values_of(&self, mapper: usize) -> impl Iterator<Item = &AnyObj> {
        self.by_mapper
            .get(mapper)
            .into_iter()
            .flat_map(|m| m.values())
    }

    pub fn values(&self) -> impl Iterator<Item = &AnyObj> {
        self.by_mapper.iter().flat_map(|m| m.values())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn drain(&mut self) -> impl Iterator<Item = AnyObj> + '_ {
        self.len = 0;
        self.by_mapper
            .iter_mut()
            .flat_map(|m| m.drain(..).map(|(_, v)| v))
    }
}
