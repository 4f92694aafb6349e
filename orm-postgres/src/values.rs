//! [`Value`] to and from PostgreSQL's wire types.
//!
//! Parameters are converted to the type the server inferred for them when
//! the statement was prepared, so the core's values fit PostgreSQL's
//! stricter types: an `Integer` bound to a `BOOLEAN` parameter is sent as
//! `true`/`false`, to an `INTEGER` as a 4-byte integer (out of range is an
//! error, never a wrap), to a `DOUBLE PRECISION` as a float. Result columns
//! are read by their type: the integer types into `Integer`, `BOOLEAN` into
//! `Integer` 0 or 1 (how the core stores booleans), the float types into
//! `Real`, the text types into `Text`, `BYTEA` into `Blob`. `DATE`,
//! `TIMESTAMP`, `TIMESTAMPTZ`, `UUID`, `JSON`, `JSONB` and `NUMERIC` travel
//! as `Text` in the forms of `orm_core::types::text`, converted here (see
//! the `typed` module).

use std::error::Error as StdError;

use bytes::BytesMut;
use orm_core::{DbError, Value};
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use postgres::Row;

use crate::error::{convert, ConversionError};
use crate::typed;

type BoxError = Box<dyn StdError + Sync + Send>;

/// A [`Value`] as a parameter of a prepared statement.
#[derive(Debug)]
pub(crate) struct Param<'a>(pub &'a Value);

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

fn out_of_range(value: i64, ty: &Type) -> BoxError {
    Box::new(ConversionError::OutOfRange {
        value,
        ty: ty.name().to_owned(),
    })
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)
                    .map_err(|_| out_of_range(*v, ty))?
                    .to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)
                    .map_err(|_| out_of_range(*v, ty))?
                    .to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                Type::OID => u32::try_from(*v)
                    .map_err(|_| out_of_range(*v, ty))?
                    .to_sql(ty, out),
                _ => Err(mismatch(self.0, ty)),
            },
            Value::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(mismatch(self.0, ty)),
            },
            Value::Text(v) if is_text(ty) => v.as_str().to_sql(ty, out),
            Value::Text(v) if typed::is_typed(ty) => {
                let mut buf = Vec::new();
                typed::encode(v, ty, &mut buf).map_err(Box::new)?;
                out.extend_from_slice(&buf);
                Ok(IsNull::No)
            }
            Value::Blob(v) if *ty == Type::BYTEA => v.as_slice().to_sql(ty, out),
            other => Err(mismatch(other, ty)),
        }
    }

    /// Every type is accepted here; [`to_sql`](ToSql::to_sql) refuses the
    /// pairs it cannot convert with a [`ConversionError`].
    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn mismatch(value: &Value, ty: &Type) -> BoxError {
    Box::new(ConversionError::Bind {
        value: value.kind(),
        ty: ty.name().to_owned(),
    })
}

/// The bytes of a value as the server sent them, for [`typed::decode`].
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Raw(raw))
    }

    fn accepts(ty: &Type) -> bool {
        typed::is_typed(ty)
    }
}

/// The values of a row, by the types of its columns.
pub(crate) fn read_row(row: &Row) -> Result<Vec<Value>, DbError> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = match *ty {
            Type::INT8 => row
                .try_get::<_, Option<i64>>(i)
                .map(|v| v.map(Value::Integer)),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|v| Value::Integer(v.into()))),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)
                .map(|v| v.map(|v| Value::Integer(v.into()))),
            Type::OID => row
                .try_get::<_, Option<u32>>(i)
                .map(|v| v.map(|v| Value::Integer(v.into()))),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map(|v| Value::Integer(v.into()))),
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(i)
                .map(|v| v.map(|v| Value::Real(v.into()))),
            Type::BYTEA => row
                .try_get::<_, Option<Vec<u8>>>(i)
                .map(|v| v.map(Value::Blob)),
            ref t if is_text(t) => row
                .try_get::<_, Option<String>>(i)
                .map(|v| v.map(Value::Text)),
            ref t if typed::is_typed(t) => {
                let raw = row.try_get::<_, Option<Raw<'_>>>(i).map_err(convert)?;
                let text = raw.map(|raw| typed::decode(raw.0, t)).transpose()?;
                values.push(text.map_or(Value::Null, Value::Text));
                continue;
            }
            _ => {
                return Err(ConversionError::UnsupportedColumn {
                    column: column.name().to_owned(),
                    ty: ty.name().to_owned(),
                }
                .into())
            }
        };
        values.push(value.map_err(convert)?.unwrap_or(Value::Null));
    }
    Ok(values)
}
