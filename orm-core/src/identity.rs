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
    by_mapper: Vec<ModelMap>,
    len: usize,
}

/// The rows of one mapper. A key of one integer column, the usual case,
/// is kept as that integer: one word to hash and compare, 24 bytes an
/// entry instead of 56.
#[derive(Default)]
struct ModelMap {
    ints: FxIndexMap<i64, AnyObj>,
    other: FxIndexMap<Key, AnyObj>,
}

/// The integer of a key of one integer column.
fn single_integer(key: &[Value]) -> Option<i64> {
    match key {
        [Value::Integer(i)] => Some(*i),
        _ => None,
    }
}

/// Inserts into one of a mapper's maps; `Ok(true)` when the entry is new.
fn insert_into<K: std::hash::Hash + Eq>(
    map: &mut FxIndexMap<K, AnyObj>,
    key: K,
    obj: AnyObj,
) -> Result<bool, AnyObj> {
    match map.entry(key) {
        Entry::Occupied(e) if !e.get().ptr_eq(&obj) => Err(e.get().clone()),
        Entry::Occupied(_) => Ok(false),
        Entry::Vacant(e) => {
            e.insert(obj);
            Ok(true)
        }
    }
}

impl ModelMap {
    fn values(&self) -> impl Iterator<Item = &AnyObj> {
        self.ints.values().chain(self.other.values())
    }
}

impl IdentityMap {
    pub fn get(&self, mapper: usize, key: &[Value]) -> Option<&AnyObj> {
        let map = self.by_mapper.get(mapper)?;
        match single_integer(key) {
            Some(i) => map.ints.get(&i),
            None => map.other.get(key),
        }
    }

    /// Inserts `obj`, or returns the different object already there.
    pub fn insert(&mut self, mapper: usize, key: Key, obj: AnyObj) -> Result<(), AnyObj> {
        if self.by_mapper.len() <= mapper {
            self.by_mapper.resize_with(mapper + 1, ModelMap::default);
        }
        let map = &mut self.by_mapper[mapper];
        let new = match single_integer(&key) {
            Some(i) => insert_into(&mut map.ints, i, obj)?,
            None => insert_into(&mut map.other, key, obj)?,
        };
        if new {
            self.len += 1;
        }
        Ok(())
    }

    pub fn remove(&mut self, mapper: usize, key: &[Value]) -> Option<AnyObj> {
        let map = self.by_mapper.get_mut(mapper)?;
        let removed = match single_integer(key) {
            Some(i) => map.ints.swap_remove(&i),
            None => map.other.swap_remove(key),
        };
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
            .flat_map(ModelMap::values)
    }

    pub fn values(&self) -> impl Iterator<Item = &AnyObj> {
        self.by_mapper.iter().flat_map(ModelMap::values)
    }

    /// Whether the map holds no object of `mapper`.
    pub fn is_empty_for(&self, mapper: usize) -> bool {
        match self.by_mapper.get(mapper) {
            Some(m) => m.ints.is_empty() && m.other.is_empty(),
            None => true,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn drain(&mut self) -> impl Iterator<Item = AnyObj> + '_ {
        self.len = 0;
        self.by_mapper.iter_mut().flat_map(|m| {
            m.ints
                .drain(..)
                .map(|(_, v)| v)
                .chain(m.other.drain(..).map(|(_, v)| v))
        })
    }
}
