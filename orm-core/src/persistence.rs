//! Statement emission for the unit of work: INSERT, UPDATE and DELETE of one
//! row, and the key copying that precedes them (SQLAlchemy's
//! `persistence.py` and `sync.py`).

use crate::dependency::KeySync;
use crate::engine::SessionConnection;
use crate::error::{Error, Result};
use crate::obj::AnyObj;
use crate::registry::Mapper;
use crate::session::render_key;
use crate::sql::StatementCache;
use crate::value::Value;

/// Where a row goes: the engine, the table's mapper and the statement texts.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub engine: &'a SessionConnection,
    pub statements: &'a StatementCache,
    pub index: usize,
    pub mapper: &'a Mapper,
}

/// The column values the flush wrote into objects, so a failed flush can put
/// them back.
#[derive(Default)]
pub(crate) struct Undo {
    writes: Vec<(AnyObj, usize, Value)>,
}

impl Undo {
    /// Writes `value` into `obj.col`, remembering the old value.
    pub fn write(&mut self, obj: &AnyObj, col: usize, value: Value) -> Result<()> {
        let old = obj.column_value(col)?;
        if old != value {
            obj.set_column_value(col, value)?;
            self.writes.push((obj.clone(), col, old));
        }
        Ok(())
    }

    /// Appends `later`'s writes (a later flush of the same transaction).
    pub fn absorb(&mut self, later: Undo) {
        self.writes.extend(later.writes);
    }

    /// Puts every written value back, newest first.
    pub fn revert(self) {
        for (obj, col, old) in self.writes.into_iter().rev() {
            // The object was writable a moment ago; nothing else runs between.
            let _ = obj.set_column_value(col, old);
        }
    }
}

/// Copies parent keys into (or clears) the child's foreign key columns.
pub(crate) fn apply_syncs<'a>(
    mapper: &Mapper,
    child: &AnyObj,
    syncs: impl Iterator<Item = &'a KeySync>,
    undo: &mut Undo,
) -> Result<()> {
    for sync in syncs {
        for &(parent_col, child_col) in sync.pairs.iter() {
            let value = match &sync.parent {
                Some(parent) => {
                    let value = parent.column_value(parent_col)?;
                    if value.is_null() {
                        return Err(Error::Internal(format!(
                            "{} has no key yet when {} needs it",
                            parent.meta().name,
                            mapper.meta.name
                        )));
                    }
                    value
                }
                None => Value::Null,
            };
            let column = &mapper.meta.columns[child_col];
            // A key column is NOT NULL in the table even when its field is
            // an `Option` (the database fills in a generated key).
            if value.is_null() && (!column.nullable || column.primary_key) {
                return Err(Error::NullForeignKey {
                    model: mapper.meta.name,
                    table: mapper.meta.table,
                    column: column.name,
                    reason: sync.reason.describe(),
                });
            }
            undo.write(child, child_col, value)?;
        }
    }
    Ok(())
}

/// What an INSERT produced.
pub(crate) struct Inserted {
    pub values: Vec<Value>,
    pub generated_key: bool,
}

/// INSERTs one row; a generated key is copied into the object.
pub(crate) fn insert(target: &Target<'_>, obj: &AnyObj, undo: &mut Undo) -> Result<Inserted> {
    let Target { engine, mapper, .. } = *target;
    let meta = mapper.meta;
    // A versioned row starts at version 1, whatever the field held.
    if let Some(version) = meta.version_column() {
        undo.write(obj, version, Value::Integer(1))?;
    }
    let mut values = obj.column_values()?;
    let autoincrement = mapper.autoincrement().filter(|&c| values[c].is_null());
    for &pk in &mapper.primary_key {
        if values[pk].is_null() && Some(pk) != autoincrement {
            return Err(Error::MissingPrimaryKey {
                model: meta.name,
                column: meta.columns[pk].name,
            });
        }
    }
    let columns: Vec<usize> = (0..values.len())
        .filter(|&c| Some(c) != autoincrement)
        .collect();
    // The dialect says how the generated key comes back: from the row of a
    // `RETURNING` clause, or from the connection after the INSERT.
    let returning = autoincrement.filter(|_| engine.dialect().returning_generated_key());
    let sql = target
        .statements
        .insert(engine.dialect(), target.index, meta, &columns, returning);
    // The generated key is left out of the parameters (without copying them)
    // and put back once the database has chosen it.
    if let Some(col) = autoincrement {
        values.remove(col);
    }
    let generated = if returning.is_some() {
        let rows = engine.query(&sql, &values)?;
        match rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
        {
            Some(Value::Integer(id)) => Some(id),
            Some(other) => {
                return Err(Error::Conversion {
                    expected: "an integer generated key",
                    found: other.kind(),
                })
            }
            None => None,
        }
    } else {
        engine.execute(&sql, &values)?.last_insert_id
    };
    if let Some(col) = autoincrement {
        let id = generated
            .ok_or_else(|| Error::Internal(format!("no generated key for {}", meta.name)))?;
        undo.write(obj, col, Value::Integer(id))?;
        values.insert(col, Value::Integer(id));
    }
    Ok(Inserted {
        values,
        generated_key: autoincrement.is_some(),
    })
}

/// UPDATEs the changed columns of one row; returns the new values, or
/// `None` when nothing changed.
///
/// `committed` is what the row holds now. A versioned row's UPDATE also
/// sets the version to the committed one plus one (written into the object
/// through `undo`) and matches only the committed version, so a row changed
/// by another transaction since it was loaded is [`Error::StaleData`]. The
/// version field is the ORM's: a value set by hand is not written.
pub(crate) fn update(
    target: &Target<'_>,
    obj: &AnyObj,
    committed: &[Value],
    key: &[Value],
    undo: &mut Undo,
) -> Result<Option<Vec<Value>>> {
    let Target { engine, mapper, .. } = *target;
    let version = mapper.meta.version_column();
    let mut values = obj.column_values()?;
    let mut changed: Vec<usize> = (0..values.len())
        .filter(|&c| Some(c) != version && values[c] != committed[c])
        .collect();
    if changed.is_empty() {
        if let Some(v) = version.filter(|&v| values[v] != committed[v]) {
            undo.write(obj, v, committed[v].clone())?;
        }
        return Ok(None);
    }
    let mut key_cols = mapper.primary_key.clone();
    let mut matched_version = None;
    if let Some(v) = version {
        let next = next_version(&committed[v])?;
        undo.write(obj, v, next.clone())?;
        values[v] = next;
        changed.push(v);
        key_cols.push(v);
        matched_version = Some(committed[v].clone());
    }
    let mut params: Vec<Value> = changed.iter().map(|&c| values[c].clone()).collect();
    params.extend_from_slice(key);
    params.extend(matched_version);
    let sql = target.statements.update(
        engine.dialect(),
        target.index,
        mapper.meta,
        &changed,
        &key_cols,
    );
    let outcome = engine.execute(&sql, &params)?;
    expect_one_row(mapper, key, "UPDATE", outcome.rows_affected)?;
    Ok(Some(values))
}

/// The version after `current` (a NOT NULL integer column).
fn next_version(current: &Value) -> Result<Value> {
    match current {
        Value::Integer(n) => Ok(Value::Integer(n.wrapping_add(1))),
        other => Err(Error::Conversion {
            expected: "an integer version",
            found: other.kind(),
        }),
    }
}

/// DELETEs one row by its key; `row` is what the row holds now (its version
/// is matched for a versioned model).
pub(crate) fn delete(target: &Target<'_>, key: &[Value], row: &[Value]) -> Result<()> {
    let Target { engine, mapper, .. } = *target;
    let mut key_cols = mapper.primary_key.clone();
    let mut params = key.to_vec();
    if let Some(v) = mapper.meta.version_column() {
        key_cols.push(v);
        params.push(row.get(v).cloned().unwrap_or_default());
    }
    let sql = target
        .statements
        .delete(engine.dialect(), target.index, mapper.meta, &key_cols);
    let outcome = engine.execute(&sql, &params)?;
    expect_one_row(mapper, key, "DELETE", outcome.rows_affected)
}

fn expect_one_row(
    mapper: &Mapper,
    key: &[Value],
    operation: &'static str,
    matched: u64,
) -> Result<()> {
    if matched == 1 {
        return Ok(());
    }
    Err(Error::StaleData {
        model: mapper.meta.name,
        key: render_key(key),
        operation,
        matched,
    })
}
