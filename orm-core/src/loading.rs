//! Loading rows into objects: SELECTs, identity-map registration and lazy
//! loading of relationships.

use std::rc::Rc;

use crate::error::{Error, Result};
use crate::obj::AnyObj;
use crate::registry::Direction;
use crate::session::SessionInner;
use crate::value::Value;

/// Runs `SELECT ... WHERE filter[i] = values[i] ... ORDER BY order` on the
/// table of `mapper` and returns one object per row, through the identity map.
pub(crate) fn select(
    session: &Rc<SessionInner>,
    mapper: usize,
    filter: &[usize],
    values: Vec<Value>,
    order: &[(usize, bool)],
) -> Result<Vec<AnyObj>> {
    let meta = session.registry.mappers[mapper].meta;
    let nulls: Vec<bool> = values.iter().map(Value::is_null).collect();
    let params: Vec<Value> = values.into_iter().filter(|v| !v.is_null()).collect();
    let sql = session.statements.select(
        session.engine.dialect(),
        mapper,
        meta,
        filter,
        &nulls,
        order,
    );
    let rows = session.engine.query(&sql, &params)?;
    rows.into_iter()
        .map(|row| register_row(session, mapper, row))
        .collect()
}

/// The object for a row: the one in the identity map if there is one (its
/// in-memory state wins), else a new persistent object.
fn register_row(session: &Rc<SessionInner>, mapper: usize, row: Vec<Value>) -> Result<AnyObj> {
    let m = &session.registry.mappers[mapper];
    if row.len() != m.meta.columns.len() {
        return Err(Error::Internal(format!(
            "{} row has {} values for {} columns",
            m.meta.name,
            row.len(),
            m.meta.columns.len()
        )));
    }
    let key: Vec<Value> = m.primary_key.iter().map(|&c| row[c].clone()).collect();
    if let Some(obj) = session.identity.borrow().get(mapper, &key) {
        return Ok(obj.clone());
    }
    let obj = (m.meta.construct)(row.clone())?;
    {
        let mut state = obj.state_mut()?;
        state.session = Some(Rc::downgrade(session));
        state.key = Some(key.clone());
        state.committed = Some(row);
        state.committed_rels = vec![None; m.meta.relationships.len()];
    }
    obj.clear_modified();
    session
        .identity
        .borrow_mut()
        .insert(mapper, key, obj.clone())
        .map_err(|_| Error::Internal("identity map changed during load".into()))?;
    Ok(obj)
}

/// Loads `obj.rel` from the database if it is not loaded yet.
pub(crate) fn ensure_loaded(obj: &AnyObj, rel: usize) -> Result<()> {
    if obj.rel(rel)?.is_loaded() {
        return Ok(());
    }
    let session = obj.session().ok_or_else(|| Error::Detached {
        model: obj.meta().name,
        relationship: obj.meta().relationships[rel].field,
    })?;
    let items = fetch_related(&session, obj, rel)?;
    let was_modified = obj.is_modified();
    obj.rel_mut(rel)?.load(items.clone())?;
    obj.state_mut()?.committed_rels[rel] = Some(items);
    if !was_modified {
        obj.clear_modified();
    }
    Ok(())
}

/// What the database holds for `obj.rel`, as objects.
pub(crate) fn fetch_related(
    session: &Rc<SessionInner>,
    obj: &AnyObj,
    rel: usize,
) -> Result<Vec<AnyObj>> {
    let mapper = session.mapper(obj.meta())?;
    let resolved = &mapper.relationships[rel];
    let target = &session.registry.mappers[resolved.target];
    match resolved.direction {
        Direction::ManyToOne => {
            let mut values = Vec::with_capacity(resolved.pairs.len());
            for &(_, fk) in &resolved.pairs {
                let value = obj.column_value(fk)?;
                if value.is_null() {
                    return Ok(Vec::new());
                }
                values.push(value);
            }
            let referenced: Vec<usize> = resolved.pairs.iter().map(|&(p, _)| p).collect();
            if referenced == target.primary_key {
                return Ok(session
                    .get_by_key(resolved.target, &values)?
                    .into_iter()
                    .collect());
            }
            select(session, resolved.target, &referenced, values, &[])
        }
        Direction::OneToMany => {
            let mut values = Vec::with_capacity(resolved.pairs.len());
            for &(referenced, _) in &resolved.pairs {
                let value = obj.column_value(referenced)?;
                if value.is_null() {
                    return Ok(Vec::new());
                }
                values.push(value);
            }
            let fks: Vec<usize> = resolved.pairs.iter().map(|&(_, fk)| fk).collect();
            select(session, resolved.target, &fks, values, &[])
        }
    }
}
