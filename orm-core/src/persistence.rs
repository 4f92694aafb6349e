//! Statement emission for the unit of work: INSERT, UPDATE and DELETE of one
//! row, and the key copying that precedes them (SQLAlchemy's
//! `persistence.py` and `sync.py`).

use smallvec::SmallVec;

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
/// them back. The objects are borrowed from the flush's lists: a flush that
/// ends its transaction (`Session::commit`'s) drops the log without
/// touching them again; another hands it to the transaction's
/// [`TxnUndo`].
#[derive(Default)]
pub(crate) struct Undo<'f> {
    writes: Vec<Write<'f>>,
    /// The generated keys written into new objects' key columns, which
    /// were NULL before (kept apart: no old value to remember, and a
    /// rollback of the transaction clears them anyway, see
    /// `InstanceState::generated_key`).
    generated: Vec<(&'f AnyObj, usize)>,
}

/// One value written into an object: `(object, column, old value)`.
struct Write<'f> {
    obj: &'f AnyObj,
    col: usize,
    old: Value,
}

impl<'f> Undo<'f> {
    /// Writes `value` into `obj.col`, remembering the old value.
    pub fn write(&mut self, obj: &'f AnyObj, col: usize, value: Value) -> Result<()> {
        let old = obj.column_value(col)?;
        if old != value {
            obj.set_column_value(col, value)?;
            self.writes.push(Write { obj, col, old });
        }
        Ok(())
    }

    /// Writes the key the database generated for a new row into its key
    /// column (NULL until now: only a NULL key is generated).
    pub fn write_generated_key(&mut self, obj: &'f AnyObj, col: usize, id: i64) -> Result<()> {
        obj.set_column_value(col, Value::Integer(id))?;
        self.generated.push((obj, col));
        Ok(())
    }

    /// Puts every written value back, newest first, and the generated
    /// keys' NULL last (a later write into a key column remembered the
    /// generated key as its old value).
    pub fn revert(self) {
        // The objects were writable a moment ago; nothing else runs between.
        for Write { obj, col, old } in self.writes.into_iter().rev() {
            let _ = obj.set_column_value(col, old);
        }
        for (obj, col) in self.generated {
            let _ = obj.set_column_value(col, Value::Null);
        }
    }
}

/// The values the successful flushes of the open transaction wrote into
/// objects, for its rollback: their [`Undo`] logs, with a handle on each
/// object.
#[derive(Default)]
pub(crate) struct TxnUndo {
    /// `(object, column, old value)`, oldest first.
    writes: Vec<(AnyObj, usize, Value)>,
}

impl TxnUndo {
    /// Appends `later`'s writes (a flush of the transaction that
    /// succeeded), but for the generated keys, which the rollback of the
    /// transaction clears by itself.
    pub fn absorb(&mut self, later: Undo<'_>) {
        self.writes.extend(
            later
                .writes
                .into_iter()
                .map(|Write { obj, col, old }| (obj.clone(), col, old)),
        );
    }

    /// Puts every written value back, newest first.
    pub fn revert(self) {
        for (obj, col, old) in self.writes.into_iter().rev() {
            let _ = obj.set_column_value(col, old);
        }
    }
}

/// Copies parent keys into (or clears) the child's foreign key columns.
pub(crate) fn apply_syncs<'a, 'f>(
    mapper: &Mapper,
    child: &'f AnyObj,
    syncs: impl Iterator<Item = &'a KeySync>,
    undo: &mut Undo<'f>,
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

/// INSERTs rows of one table, in order, several per statement where the
/// dialect allows it ([`Dialect::max_insert_rows`](crate::Dialect::max_insert_rows));
/// generated keys are copied into the objects, and each row, once written,
/// goes to `written` with its object (in order). No row may need the key
/// of another row of the same call.
///
/// The rows are built one statement ahead of the database: a statement's
/// values are dropped once `written` has seen them, so a large batch never
/// holds a copy of every row at once.
pub(crate) fn insert_many<'f>(
    target: &Target<'_>,
    objs: &[&'f AnyObj],
    undo: &mut Undo<'f>,
    written: &mut dyn FnMut(&AnyObj, Inserted) -> Result<()>,
) -> Result<()> {
    let mut objs = objs.iter();
    let mut rows: Vec<NewRow<'_>> = Vec::new();
    let mut out = Vec::new();
    loop {
        // The first row decides how many go in one statement.
        let mut limit = rows
            .first()
            .map_or(1, |first| rows_per_statement(target, first));
        while rows.len() < limit {
            let Some(obj) = objs.next() else { break };
            rows.push(new_row(target, obj, undo)?);
            if rows.len() == 1 {
                limit = rows_per_statement(target, &rows[0]);
                rows.reserve(limit - 1);
            }
        }
        let Some(first) = rows.first() else {
            return Ok(());
        };
        // Runs of rows with the same columns go in multi-row statements of
        // a power-of-two number of rows (so a table has a few statement
        // texts, not one per batch size), the rest one by one.
        let generated = first.generated;
        let same = rows
            .iter()
            .take(limit)
            .take_while(|r| r.generated == generated && r.defaulted.is_empty())
            .count()
            .max(1);
        let chunk = 1 << same.ilog2();
        insert_chunk(target, &mut rows[..chunk], undo, &mut out)?;
        for (row, inserted) in rows.drain(..chunk).zip(out.drain(..)) {
            written(row.obj, inserted)?;
        }
    }
}

/// How many rows shaped like `first` one INSERT may hold.
fn rows_per_statement(target: &Target<'_>, first: &NewRow<'_>) -> usize {
    let dialect = target.engine.dialect();
    // The columns written are all but the generated key and the
    // defaulted ones, so rows with the same generated column and no
    // defaulted one have the same columns.
    let width = target.mapper.meta.columns.len();
    let written = width - usize::from(first.generated.is_some()) - first.defaulted.len();
    // `INSERT ... DEFAULT VALUES` has no multi-row form; a row whose
    // server defaults are read back goes alone, its `RETURNING` row then
    // being its own; several generated keys come back only with
    // `RETURNING`.
    if written == 0
        || !first.defaulted.is_empty()
        || (first.generated.is_some() && !dialect.supports_returning())
    {
        1
    } else {
        dialect.max_insert_rows(written).max(1)
    }
}

/// A row about to be inserted.
struct NewRow<'o> {
    obj: &'o AnyObj,
    /// The values of the columns written: all but `generated` and
    /// `defaulted`.
    values: Vec<Value>,
    /// The key column the database generates, if any.
    generated: Option<usize>,
    /// The `None` columns with a `server_default`, left out for the
    /// database to fill in (ascending).
    defaulted: Vec<usize>,
}

impl NewRow<'_> {
    /// The columns written, without a list per row in the usual case (no
    /// server default left to the database).
    fn columns<'m>(&self, mapper: &'m Mapper) -> std::borrow::Cow<'m, [usize]> {
        if !self.defaulted.is_empty() {
            let width = mapper.meta.columns.len();
            return (0..width)
                .filter(|&c| Some(c) != self.generated && !self.defaulted.contains(&c))
                .collect::<Vec<_>>()
                .into();
        }
        // Only the autoincrement key is ever generated.
        match self.generated {
            None => mapper.all_columns[..].into(),
            Some(_) => mapper.columns_but_generated[..].into(),
        }
    }
}

fn new_row<'o>(target: &Target<'_>, obj: &'o AnyObj, undo: &mut Undo<'o>) -> Result<NewRow<'o>> {
    let mapper = target.mapper;
    let meta = mapper.meta;
    // A versioned row starts at version 1, whatever the field held.
    if let Some(version) = meta.version_column() {
        undo.write(obj, version, Value::Integer(1))?;
    }
    let mut values = obj.column_values()?;
    apply_defaults(meta, obj, &mut values, undo)?;
    let generated = mapper.autoincrement().filter(|&c| values[c].is_null());
    let defaulted = server_defaulted(meta, &values, generated);
    // A key a server default fills in is known once it is read back.
    let read_back = target.engine.dialect().supports_returning();
    for &pk in &mapper.primary_key {
        let filled = Some(pk) == generated || (read_back && defaulted.contains(&pk));
        if values[pk].is_null() && !filled {
            return Err(Error::MissingPrimaryKey {
                model: meta.name,
                column: meta.columns[pk].name,
            });
        }
    }
    // The generated key and the defaulted columns are left out of the
    // parameters (without copying them) and put back once the database
    // has chosen them; from the last, so that each index still holds.
    let mut omitted: SmallVec<[usize; 4]> = generated
        .into_iter()
        .chain(defaulted.iter().copied())
        .collect();
    omitted.sort_unstable();
    for &col in omitted.iter().rev() {
        values.remove(col);
    }
    Ok(NewRow {
        obj,
        values,
        generated,
        defaulted,
    })
}

/// Gives the `None` columns with a `default = <expr>` their value, in the
/// row and in the object (SQLAlchemy's `default=`).
fn apply_defaults<'f>(
    meta: &crate::ModelMeta,
    obj: &'f AnyObj,
    values: &mut [Value],
    undo: &mut Undo<'f>,
) -> Result<()> {
    for (c, column) in meta.columns.iter().enumerate() {
        let Some(default) = column.default.filter(|_| values[c].is_null()) else {
            continue;
        };
        let value =
            default().map_err(|e| crate::__private::column_error(meta.name, column.name, e))?;
        undo.write(obj, c, value.clone())?;
        values[c] = value;
    }
    Ok(())
}

/// The `None` columns with a `server_default` (but not the generated key).
fn server_defaulted(
    meta: &crate::ModelMeta,
    values: &[Value],
    generated: Option<usize>,
) -> Vec<usize> {
    if !meta.columns.iter().any(|c| c.server_default.is_some()) {
        return Vec::new();
    }
    (0..values.len())
        .filter(|&c| {
            Some(c) != generated && values[c].is_null() && meta.columns[c].server_default.is_some()
        })
        .collect()
}

/// One INSERT statement for rows with the same columns; what it produced
/// goes to `out`, row by row.
fn insert_chunk<'f>(
    target: &Target<'_>,
    rows: &mut [NewRow<'f>],
    undo: &mut Undo<'f>,
    out: &mut Vec<Inserted>,
) -> Result<()> {
    let Target { engine, mapper, .. } = *target;
    let meta = mapper.meta;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let generated = first.generated;
    // The dialect says how the generated key comes back: from the row of a
    // `RETURNING` clause, or from the connection after the INSERT (of one
    // row: the keys of several always come back with `RETURNING`).
    let returning =
        generated.filter(|_| rows.len() > 1 || engine.dialect().returning_generated_key());
    if !first.defaulted.is_empty() && engine.dialect().supports_returning() {
        out.push(insert_reading_defaults(target, rows, undo)?);
        return Ok(());
    }
    let columns = first.columns(mapper);
    let sql = target.statements.insert(
        engine.dialect(),
        target.index,
        meta,
        &columns,
        rows.len(),
        returning.as_slice(),
    );
    let returning = returning.is_some();
    let keys = match &mut rows[..] {
        [single] => run_insert(target, &sql, &single.values, returning, 1)?,
        _ => {
            // The rows' values are moved into one parameter list, not
            // cloned, and moved back after the statement (the rows keep
            // their buffers).
            let count = rows.len();
            let width = rows[0].values.len();
            let mut params = Vec::with_capacity(count * width);
            for row in rows.iter_mut() {
                params.append(&mut row.values);
            }
            let result = run_insert(target, &sql, &params, returning, count);
            let mut params = params.into_iter();
            for row in rows.iter_mut() {
                row.values.extend(params.by_ref().take(width));
            }
            result?
        }
    };
    let count = rows.len();
    for (i, row) in rows.iter_mut().enumerate() {
        let mut values = std::mem::take(&mut row.values);
        if let Some(col) = row.generated {
            let id = keys
                .get(i)
                .copied()
                .filter(|_| keys.len() == count)
                .ok_or_else(|| Error::Internal(format!("no generated key for {}", meta.name)))?;
            undo.write_generated_key(row.obj, col, id)?;
            // Server defaults that could not be read back stay NULL (None).
            let before = row.defaulted.iter().filter(|&&c| c < col).count();
            values.insert(col - before, Value::Integer(id));
        }
        for &col in &row.defaulted {
            values.insert(col, Value::Null);
        }
        out.push(Inserted {
            values,
            generated_key: row.generated.is_some(),
        });
    }
    Ok(())
}

/// Runs one INSERT of `count` rows; returns the generated keys in the order
/// of the rows (read with `RETURNING` when `returning`, else the
/// connection's last insert id, for one row), or none.
fn run_insert(
    target: &Target<'_>,
    sql: &str,
    params: &[Value],
    returning: bool,
    count: usize,
) -> Result<Vec<i64>> {
    let engine = target.engine;
    if !returning {
        let outcome = engine.execute(sql, params)?;
        return Ok(outcome.last_insert_id.into_iter().collect());
    }
    let mut keys = Vec::with_capacity(count);
    for row in engine.query(sql, params)? {
        match row.into_iter().next() {
            Some(Value::Integer(id)) => keys.push(id),
            Some(other) => {
                return Err(Error::Conversion {
                    expected: "an integer generated key",
                    found: other.kind(),
                })
            }
            None => {}
        }
    }
    // The database draws the keys in the order of the VALUES list;
    // `RETURNING` need not list them in that order.
    keys.sort_unstable();
    if engine.dialect().generated_keys_consecutive()
        && keys.windows(2).any(|pair| pair[1] != pair[0] + 1)
    {
        return Err(Error::Internal(format!(
            "the database drew the keys of new {} rows out of order \
             (a table holding the largest integer key draws them at random)",
            target.mapper.meta.name
        )));
    }
    Ok(keys)
}

/// One INSERT of one row with `RETURNING` the generated key (if any) and
/// the columns its server defaults filled in, which are written into the
/// object.
fn insert_reading_defaults<'f>(
    target: &Target<'_>,
    rows: &mut [NewRow<'f>],
    undo: &mut Undo<'f>,
) -> Result<Inserted> {
    let Target { engine, mapper, .. } = *target;
    let [row] = rows else {
        return Err(Error::Internal(
            "server defaults are read back one row at a time".into(),
        ));
    };
    let mut read: Vec<usize> = row
        .generated
        .into_iter()
        .chain(row.defaulted.iter().copied())
        .collect();
    read.sort_unstable();
    let sql = target.statements.insert(
        engine.dialect(),
        target.index,
        mapper.meta,
        &row.columns(mapper),
        1,
        &read,
    );
    let returned = engine
        .query(&sql, &row.values)?
        .into_iter()
        .next()
        .filter(|r| r.len() == read.len())
        .ok_or_else(|| {
            Error::Internal(format!("INSERT of {} returned no row", mapper.meta.name))
        })?;
    let mut values = std::mem::take(&mut row.values);
    for (col, value) in read.into_iter().zip(returned) {
        undo.write(row.obj, col, value)?;
        // As the field writes it (the database may spell it otherwise).
        values.insert(col, row.obj.column_value(col)?);
    }
    Ok(Inserted {
        values,
        generated_key: row.generated.is_some(),
    })
}

/// An UPDATE ready to run: its text, its parameters and the columns it
/// sets.
pub(crate) struct PendingUpdate {
    pub sql: std::rc::Rc<str>,
    /// The values of `columns`, in that order, then the key (and the
    /// version the row must still have).
    pub params: Vec<Value>,
    /// The columns set, a versioned row's version last.
    pub columns: SmallVec<[usize; 4]>,
}

impl PendingUpdate {
    /// The key it matches (in the parameters, after the values), for the
    /// error when it matches no row.
    fn key<'a>(&'a self, mapper: &Mapper) -> &'a [Value] {
        let start = self.columns.len();
        let end = (start + mapper.primary_key.len()).min(self.params.len());
        self.params.get(start..end).unwrap_or_default()
    }

    /// The columns set and their values (the parameters, moved).
    pub fn into_columns(mut self) -> (SmallVec<[usize; 4]>, Vec<Value>) {
        self.params.truncate(self.columns.len());
        (self.columns, self.params)
    }

    /// The row after the UPDATE, from what it held before.
    pub fn into_row(self, before: &[Value]) -> Vec<Value> {
        let mut row = before.to_vec();
        let (columns, values) = self.into_columns();
        for (column, value) in columns.into_iter().zip(values) {
            if let Some(slot) = row.get_mut(column) {
                *slot = value;
            }
        }
        row
    }
}

/// UPDATEs the changed columns of one row; returns the new values, or
/// `None` when nothing changed. See [`prepare_update`].
pub(crate) fn update<'f>(
    target: &Target<'_>,
    obj: &'f AnyObj,
    committed: &[Value],
    key: &[Value],
    undo: &mut Undo<'f>,
) -> Result<Option<Vec<Value>>> {
    let Some(update) = prepare_update(target, obj, committed, key, undo)? else {
        return Ok(None);
    };
    let outcome = target.engine.execute(&update.sql, &update.params)?;
    expect_one_row(target.mapper, key, "UPDATE", outcome.rows_affected)?;
    Ok(Some(update.into_row(committed)))
}

/// Runs UPDATEs of one table with the same text, the statement prepared
/// once; each must match its one row.
pub(crate) fn run_updates(target: &Target<'_>, updates: &mut [PendingUpdate]) -> Result<()> {
    let Some(sql) = updates.first().map(|u| u.sql.clone()) else {
        return Ok(());
    };
    let rows: Vec<Vec<Value>> = updates
        .iter_mut()
        .map(|u| std::mem::take(&mut u.params))
        .collect();
    let affected = target.engine.execute_each(&sql, &rows)?;
    for ((update, params), matched) in updates.iter_mut().zip(rows).zip(affected) {
        update.params = params;
        expect_one_row(target.mapper, update.key(target.mapper), "UPDATE", matched)?;
    }
    Ok(())
}

/// The UPDATE of the changed columns of one row, or `None` when nothing
/// changed.
///
/// `committed` is what the row holds now; each column is compared with
/// the field in place ([`ColumnType::holds`](crate::ColumnType::holds)),
/// and only the changed ones are read out. A versioned row's UPDATE also
/// sets the version to the committed one plus one (written into the object
/// through `undo`) and matches only the committed version, so a row changed
/// by another transaction since it was loaded is [`Error::StaleData`]. The
/// version field is the ORM's: a value set by hand is not written.
pub(crate) fn prepare_update<'f>(
    target: &Target<'_>,
    obj: &'f AnyObj,
    committed: &[Value],
    key: &[Value],
    undo: &mut Undo<'f>,
) -> Result<Option<PendingUpdate>> {
    let Target { engine, mapper, .. } = *target;
    let version = mapper.meta.version_column();
    let mut columns: SmallVec<[usize; 4]> = SmallVec::new();
    for (column, value) in committed.iter().enumerate() {
        if Some(column) != version && !obj.column_holds(column, value)? {
            columns.push(column);
        }
    }
    if columns.is_empty() {
        if let Some(v) = version {
            if !obj.column_holds(v, &committed[v])? {
                undo.write(obj, v, committed[v].clone())?;
            }
        }
        return Ok(None);
    }
    // The values, the key, and for a versioned row the new and the
    // matched version.
    let versions = if version.is_some() { 2 } else { 0 };
    let mut params: Vec<Value> = Vec::with_capacity(columns.len() + key.len() + versions);
    for &column in &columns {
        params.push(obj.column_value(column)?);
    }
    let mut key_cols = std::borrow::Cow::Borrowed(&mapper.primary_key[..]);
    let mut matched_version = None;
    if let Some(v) = version {
        let next = next_version(&committed[v])?;
        undo.write(obj, v, next.clone())?;
        params.push(next);
        columns.push(v);
        key_cols.to_mut().push(v);
        matched_version = Some(committed[v].clone());
    }
    params.extend_from_slice(key);
    params.extend(matched_version);
    let sql = target.statements.update(
        engine.dialect(),
        target.index,
        mapper.meta,
        &columns,
        &key_cols,
    );
    Ok(Some(PendingUpdate {
        sql,
        params,
        columns,
    }))
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
