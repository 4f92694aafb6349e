//! SQLite's catalog, read through its pragma functions, for
//! `Registry::schema_diff`.

use orm_core::{
    ColumnDescription, DbError, DbErrorKind, ForeignKeyDescription, IndexDescription, QueryFn,
    TableDescription, Value,
};

fn text(value: &Value) -> Result<String, DbError> {
    match value {
        Value::Text(text) => Ok(text.clone()),
        Value::Null => Ok(String::new()),
        other => Err(unexpected(other)),
    }
}

fn integer(value: &Value) -> Result<i64, DbError> {
    match value {
        Value::Integer(n) => Ok(*n),
        other => Err(unexpected(other)),
    }
}

fn unexpected(value: &Value) -> DbError {
    DbError::new(
        DbErrorKind::Other,
        format!("unexpected {} value in SQLite's catalog", value.kind()),
    )
}

/// The table's columns (`table_info`), indexes (`index_list`,
/// `index_info`) and foreign keys (`foreign_key_list`).
pub(crate) fn describe_table(
    query: &mut QueryFn<'_>,
    table: &str,
) -> Result<Option<TableDescription>, DbError> {
    let name = Value::from(table);
    let exists = query(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
        std::slice::from_ref(&name),
    )?;
    if exists.first().and_then(|r| r.first()) != Some(&Value::Integer(1)) {
        return Ok(None);
    }
    let mut out = TableDescription::default();
    for row in query(
        "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
        std::slice::from_ref(&name),
    )? {
        let [name, ty, not_null, pk] = &row[..] else {
            continue;
        };
        out.columns.push(ColumnDescription {
            name: text(name)?,
            type_name: text(ty)?.to_uppercase(),
            nullable: integer(not_null)? == 0,
            primary_key: integer(pk)? > 0,
        });
    }
    for row in query(
        "SELECT il.name, il.\"unique\", ii.name FROM pragma_index_list(?) AS il \
         JOIN pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno",
        std::slice::from_ref(&name),
    )? {
        let [index, unique, column] = &row[..] else {
            continue;
        };
        let index = text(index)?;
        let column = text(column)?;
        match out.indexes.last_mut() {
            Some(last) if last.name == index => last.columns.push(column),
            _ => out.indexes.push(IndexDescription {
                name: index,
                columns: vec![column],
                unique: integer(unique)? != 0,
            }),
        }
    }
    for row in query(
        "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        std::slice::from_ref(&name),
    )? {
        let [column, target, target_column] = &row[..] else {
            continue;
        };
        out.foreign_keys.push(ForeignKeyDescription {
            column: text(column)?,
            references_table: text(target)?,
            references_column: text(target_column)?,
        });
    }
    Ok(Some(out))
}
