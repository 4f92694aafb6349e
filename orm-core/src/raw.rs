//! Raw SQL into objects and typed rows: [`Session::query_sql`]
//! (SQLAlchemy's `select(Book).from_statement(text(...))`), which maps
//! the rows through the identity map by column name, and
//! [`Session::select_sql`], which reads each row as a tuple.
//!
//! The SQL is sent as written, with its parameters bound: write the
//! backend's own placeholders (`?` or `?1` on SQLite, `$1` on
//! PostgreSQL; see [`Dialect::placeholder`](crate::Dialect::placeholder)).

use crate::error::{Error, Result};
use crate::model::Model;
use crate::obj::Obj;
use crate::session::{downcast, Session};
use crate::value::{ColumnType, Value};

/// The parameters of a raw statement: `()`, a slice, array or `Vec` of
/// [`Value`]s, or a tuple of up to 8 values that convert into one
/// (`(2000, "Dune")`).
///
/// ```
/// use orm_core::{Params, Value};
/// assert_eq!((2000, "Dune").into_params(), [Value::Integer(2000), Value::from("Dune")]);
/// assert!(().into_params().is_empty());
/// ```
pub trait Params {
    /// The values, in placeholder order.
    fn into_params(self) -> Vec<Value>;
}

impl Params for () {
    fn into_params(self) -> Vec<Value> {
        Vec::new()
    }
}

impl Params for &[Value] {
    fn into_params(self) -> Vec<Value> {
        self.to_vec()
    }
}

impl Params for Vec<Value> {
    fn into_params(self) -> Vec<Value> {
        self
    }
}

impl<const N: usize> Params for [Value; N] {
    fn into_params(self) -> Vec<Value> {
        self.into()
    }
}

macro_rules! tuple_params {
    ($(($($name:ident),+))*) => {$(
        #[allow(non_snake_case)]
        impl<$($name: Into<Value>),+> Params for ($($name,)+) {
            fn into_params(self) -> Vec<Value> {
                let ($($name,)+) = self;
                vec![$($name.into()),+]
            }
        }
    )*};
}

tuple_params! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
}

/// A row of a raw query read as typed values, for [`Session::select_sql`]:
/// one column type (a single-column row), or a tuple of 1 to 12 of them,
/// in the order of the statement's columns.
pub trait FromRow: Sized {
    /// How many columns the row has.
    const WIDTH: usize;
    /// Converts one row; `names` are the statement's column names, for
    /// errors.
    fn from_row(row: Vec<Value>, names: &[String]) -> Result<Self>;
}

fn read<T: ColumnType>(value: Value, index: usize, names: &[String]) -> Result<T> {
    T::from_value(value).map_err(|source| Error::RawValue {
        index,
        column: names.get(index).cloned().unwrap_or_default(),
        source: Box::new(source),
    })
}

impl<T: ColumnType> FromRow for T {
    const WIDTH: usize = 1;
    fn from_row(row: Vec<Value>, names: &[String]) -> Result<Self> {
        let value = row.into_iter().next().unwrap_or_default();
        read(value, 0, names)
    }
}

macro_rules! tuple_from_row {
    ($(($width:expr; $($name:ident $index:tt),+))*) => {$(
        #[allow(non_snake_case)]
        impl<$($name: ColumnType),+> FromRow for ($($name,)+) {
            const WIDTH: usize = $width;
            fn from_row(row: Vec<Value>, names: &[String]) -> Result<Self> {
                let mut values = row.into_iter();
                $(let $name = read::<$name>(values.next().unwrap_or_default(), $index, names)?;)+
                Ok(($($name,)+))
            }
        }
    )*};
}

tuple_from_row! {
    (1; A 0)
    (2; A 0, B 1)
    (3; A 0, B 1, C 2)
    (4; A 0, B 1, C 2, D 3)
    (5; A 0, B 1, C 2, D 3, E 4)
    (6; A 0, B 1, C 2, D 3, E 4, F 5)
    (7; A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, J 8)
    (10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, J 8, K 9)
    (11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, J 8, K 9, N 10)
    (12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, J 8, K 9, N 10, P 11)
}

/// Where each column of `columns` is among `names`: an exact match, else
/// one that differs only in ASCII case (PostgreSQL folds unquoted names to
/// lower case). A column that is missing, or found twice, is an error.
fn positions(
    model: &'static str,
    columns: &[&'static str],
    names: &[String],
) -> Result<Vec<usize>> {
    let available = || names.join(", ");
    columns
        .iter()
        .map(|&column| {
            let exact: Vec<usize> = (0..names.len()).filter(|&i| names[i] == column).collect();
            let found = if exact.is_empty() {
                (0..names.len())
                    .filter(|&i| names[i].eq_ignore_ascii_case(column))
                    .collect()
            } else {
                exact
            };
            match found.as_slice() {
                [one] => Ok(*one),
                [] => Err(Error::RawColumnMissing {
                    model,
                    column,
                    available: available(),
                }),
                _ => Err(Error::RawColumnAmbiguous {
                    model,
                    column,
                    available: available(),
                }),
            }
        })
        .collect()
}

impl Session {
    /// Runs a raw query and maps its rows into objects of `T` through the
    /// identity map (SQLAlchemy's `from_statement`): rows whose key is in
    /// the session come back as the objects there, with their in-memory
    /// state; others become new persistent objects. Columns are matched by
    /// name (`SELECT b.* FROM book b JOIN ...`, or aliases: `SELECT x AS
    /// title ...`); other columns are ignored, and a column of `T` missing
    /// from the result is [`Error::RawColumnMissing`] (one found twice,
    /// [`Error::RawColumnAmbiguous`]). Eager-by-default relationships load
    /// as with a query. Pending changes are not flushed first.
    ///
    /// Write the backend's placeholders (`?` on SQLite, `$1` on
    /// PostgreSQL); the parameters are bound, never spliced into the text.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// let dune = Obj::new(Book { title: "Dune".into(), year: 1965, ..Default::default() });
    /// session.add(&dune)?;
    /// session.add(&Obj::new(Book { title: "Emma".into(), year: 1815, ..Default::default() }))?;
    /// session.commit()?;
    /// let found = session.query_sql::<Book>(
    ///     "SELECT year, title, id FROM book WHERE year > ? ORDER BY year",
    ///     (1900,),
    /// )?;
    /// assert_eq!(found.len(), 1);
    /// assert!(found[0].ptr_eq(&dune)); // the identity map's object
    /// let missing = session.query_sql::<Book>("SELECT id, title FROM book", ());
    /// assert!(matches!(missing, Err(orm_core::Error::RawColumnMissing { column: "year", .. })));
    /// # Ok(()) }
    /// ```
    pub fn query_sql<T: Model>(&self, sql: &str, params: impl Params) -> Result<Vec<Obj<T>>> {
        let inner = self.inner();
        let mapper = inner.mapper_index(T::meta())?;
        let meta = T::meta();
        let (names, rows) = inner.engine.query_columns(sql, &params.into_params())?;
        let columns: Vec<&'static str> = meta.columns.iter().map(|c| c.name).collect();
        let at = positions(meta.name, &columns, &names)?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            let values = at.iter().map(|&i| row[i].clone()).collect();
            found.push(crate::loading::register_row(inner, mapper, values)?);
        }
        crate::loading::load_eager_defaults(inner, &found)?;
        found.iter().map(downcast::<T>).collect()
    }

    /// Runs a raw query and reads each row as `R`: a column type for
    /// one-column rows (`Vec<String>`), or a tuple of column types
    /// (`Vec<(String, i64)>`) matched by position. A row whose width is not
    /// the tuple's is [`Error::RawRowWidth`]; a value that does not convert,
    /// [`Error::RawValue`] naming the column. Nothing goes through the
    /// identity map, and pending changes are not flushed first.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for (title, year) in [("Dune", 1965), ("Emma", 1815), ("Ubik", 1969)] {
    ///     session.add(&Obj::new(Book { title: title.into(), year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let decades: Vec<(i64, i64)> = session.select_sql(
    ///     "SELECT year / 10 * 10 AS decade, count(*) FROM book WHERE year > ? GROUP BY decade ORDER BY decade",
    ///     (1900,),
    /// )?;
    /// assert_eq!(decades, [(1960, 2)]);
    /// let titles: Vec<String> = session.select_sql("SELECT title FROM book ORDER BY title", ())?;
    /// assert_eq!(titles, ["Dune", "Emma", "Ubik"]);
    /// # Ok(()) }
    /// ```
    pub fn select_sql<R: FromRow>(&self, sql: &str, params: impl Params) -> Result<Vec<R>> {
        let inner = self.inner();
        let (names, rows) = inner.engine.query_columns(sql, &params.into_params())?;
        if names.len() != R::WIDTH {
            return Err(Error::RawRowWidth {
                expected: R::WIDTH,
                found: names.len(),
                columns: names.join(", "),
            });
        }
        rows.into_iter()
            .map(|row| R::from_row(row, &names))
            .collect()
    }
}
