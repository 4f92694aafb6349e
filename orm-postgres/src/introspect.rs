//! PostgreSQL's catalog (`pg_catalog`), for `Registry::schema_diff`.
//! Tables are found through the search path, as unqualified names are.

use orm_core::{
    ColumnDescription, DbError, DbErrorKind, Dialect, ForeignKeyDescription, IndexDescription,
    QueryFn, TableDescription, Value,
};

use crate::PgDialect;

fn text(value: &Value) -> Result<String, DbError> {
    match value {
        Value::Text(text) => Ok(text.clone()),
        other => Err(unexpected(other)),
    }
}

fn flag(value: &Value) -> Result<bool, DbError> {
    match value {
        Value::Integer(n) => Ok(*n != 0),
        other => Err(unexpected(other)),
    }
}

fn unexpected(value: &Value) -> DbError {
    DbError::new(
        DbErrorKind::Other,
        format!("unexpected {} value in PostgreSQL's catalog", value.kind()),
    )
}

/// `format_type`'s spelling as the dialect's `type_name` spells it.
fn type_name(formatted: &str) -> String {
    match formatted {
        "timestamp without time zone" => "TIMESTAMP".to_owned(),
        "timestamp with time zone" => "TIMESTAMPTZ".to_owned(),
        other => other.to_uppercase(),
    }
}

/// The table's columns and key (`pg_attribute`, `pg_index`), indexes
/// (`pg_index`) and foreign keys (`pg_constraint`).
pub(crate) fn describe_table(
    query: &mut QueryFn<'_>,
    table: &str,
) -> Result<Option<TableDescription>, DbError> {
    let name = Value::Text(PgDialect.quote(table).into_owned());
    let param = std::slice::from_ref(&name);
    let exists = query("SELECT to_regclass($1) IS NOT NULL", param)?;
    if exists.first().and_then(|r| r.first()) != Some(&Value::Integer(1)) {
        return Ok(None);
    }
    let mut out = TableDescription::default();
    for row in query(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
         EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary \
         AND a.attnum = ANY (i.indkey::int2[])) \
         FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 \
         AND NOT a.attisdropped ORDER BY a.attnum",
        param,
    )? {
        let [name, ty, nullable, key] = &row[..] else {
            continue;
        };
        out.columns.push(ColumnDescription {
            name: text(name)?,
            type_name: type_name(&text(ty)?),
            nullable: flag(nullable)?,
            primary_key: flag(key)?,
        });
    }
    for row in query(
        "SELECT c.relname::text, i.indisunique, a.attname::text FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) ON true \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
         WHERE i.indrelid = to_regclass($1) ORDER BY c.relname, k.n",
        param,
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
                unique: flag(unique)?,
            }),
        }
    }
    for row in query(
        "SELECT a.attname::text, t.relname::text, r.attname::text FROM pg_constraint c \
         JOIN LATERAL unnest(c.conkey, c.confkey) AS k(local, remote) ON true \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.local \
         JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = k.remote \
         JOIN pg_class t ON t.oid = c.confrelid \
         WHERE c.contype = 'f' AND c.conrelid = to_regclass($1) ORDER BY c.conname",
        param,
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
