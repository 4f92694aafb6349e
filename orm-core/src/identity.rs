//! The identity map: one object per (model, primary key) within a session.

use std::collections::HashMap;

use crate::obj::AnyObj;
use crate::value::Value;

/// Maps `(mapper index, primary key values)` to the one object for that row.
#[derive(Default)]
pub(crate) struct IdentityMap {
    objects: HashMap<(usize, Vec<Value>), AnyObj>,
}

impl IdentityMap {
    pub fn get(&self, mapper: usize, key: &[Value]) -> Option<&AnyObj> {
        // The key is cloned for the lookup; keys are short.
        self.objects.get(&(mapper, key.to_vec()))
    }

    /// Inserts `obj`, or returns the different object already there.
    pub fn insert(&mut self, mapper: usize, key: Vec<Value>, obj: AnyObj) -> Result<(), AnyObj> {
        match self.objects.entry((mapper, key)) {
            std::collections::hash_map::Entry::Occupied(e) if !e.get().ptr_eq(&obj) => {
                Err(e.get().clone())
            }
            std::collections::hash_map::Entry::Occupied(_) => Ok(()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(obj);
                Ok(())
            }
        }
    }

    pub fn remove(&mut self, mapper: usize, key: &[Value]) -> Option<AnyObj> {
        self.objects.remove(&(mapper, key.to_vec()))
    }

    pub fn values(&self) -> impl Iterator<Item = &AnyObj> {
        self.objects.values()
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn drain(&mut self) -> impl Iterator<Item = AnyObj> + '_ {
        self.objects.drain().map(|(_, v)| v)
    }
}
