//! Expiry and refresh: bringing objects back in line with their rows when
//! another transaction may have changed them.
//!
//! Plain struct fields cannot load themselves on access, so "expired" means
//! here: the object's unflushed changes are discarded, its relationships
//! are unloaded (they load again on next use), and the next time a query,
//! `get` or relationship load meets its row, the row's values overwrite the
//! columns. `get` of an expired object reads the row at once. `refresh`
//! reads it now.

use std::rc::Rc;

use crate::error::{Error, Result};
use crate::obj::AnyObj;
use crate::session::{render_key, SessionInner};
use crate::state::Committed;
use crate::value::Value;

impl SessionInner {
    /// Reloads the columns of `obj` from its row now and unloads its
    /// relationships.
    pub(crate) fn refresh(self: &Rc<Self>, obj: &AnyObj) -> Result<()> {
        let (mapper, key) = self.persistent_key(obj, "refresh()")?;
        let m = &self.registry.mappers[mapper];
        let filter = crate::filter::Condition::key(&m.primary_key, &key);
        let shape = crate::sql::SelectShape {
            filter: &filter,
            order: &[],
            paged: false,
            distinct: false,
            output: crate::sql::Output::Rows,
            joins: &[],
        };
        let sql = self
            .statements
            .select(self.engine.dialect(), mapper, m.meta, &shape);
        let mut rows = self.engine.query(&sql, &key)?;
        match rows.pop() {
            Some(row) => overwrite(obj, row),
            None => {
                self.expunge(obj)?;
                Err(Error::ObjectDeleted {
                    model: m.meta.name,
                    key: render_key(&key),
                })
            }
        }
    }

    /// Discards the unflushed changes of `obj`, unloads its relationships
    /// and marks its columns to be overwritten by the next load of its row.
    pub(crate) fn expire(self: &Rc<Self>, obj: &AnyObj) -> Result<()> {
        self.persistent_key(obj, "expire()")?;
        obj.discard_column_changes()?;
        unload_relationships(obj)?;
        obj.state_mut()?.expired = true;
        obj.clear_modified();
        Ok(())
    }

    /// Expires every object of the identity map.
    pub(crate) fn expire_all(self: &Rc<Self>) -> Result<()> {
        let objects: Vec<AnyObj> = self.identity.borrow().values().cloned().collect();
        for obj in objects {
            let deleted = {
                let state = obj.state()?;
                state.deleted || state.marked_for_delete
            };
            if !deleted {
                self.expire(&obj)?;
            }
        }
        Ok(())
    }

    /// The mapper and identity key of a persistent object of this session.
    fn persistent_key(
        self: &Rc<Self>,
        obj: &AnyObj,
        action: &'static str,
    ) -> Result<(usize, crate::identity::Key)> {
        let mapper = self.mapper_index(obj.meta())?;
        let state = obj.state()?;
        let mine = state
            .session
            .as_ref()
            .and_then(|w| w.upgrade())
            .is_some_and(|s| Rc::ptr_eq(&s, self));
        match (&state.key, mine && !state.deleted) {
            (Some(key), true) => Ok((mapper, key.clone())),
            _ => Err(Error::InvalidState {
                model: obj.meta().name,
                state: state.state_name(),
                action,
            }),
        }
    }
}

/// Makes `obj` hold `row` as its columns and committed state, with its
/// relationships unloaded; it is no longer expired or modified.
pub(crate) fn overwrite(obj: &AnyObj, row: Vec<Value>) -> Result<()> {
    for (i, value) in row.iter().enumerate() {
        if obj.column_value(i)? != *value {
            obj.set_column_value(i, value.clone())?;
        }
    }
    unload_relationships(obj)?;
    {
        let mut state = obj.state_mut()?;
        // The fields hold the row now, as the object writes it.
        state.committed = Committed::InFields;
        state.expired = false;
    }
    obj.clear_modified();
    Ok(())
}

/// Unloads every relationship of `obj` (pending changes included) so that
/// each loads again on next use.
fn unload_relationships(obj: &AnyObj) -> Result<()> {
    for rel in obj.rel_refs() {
        obj.rel_mut(rel)?.unload();
    }
    let mut state = obj.state_mut()?;
    let rels: Vec<_> = state.committed_rels.iter().map(|(rel, _)| rel).collect();
    for rel in rels {
        state.committed_rels.set(rel, None);
    }
    Ok(())
}
