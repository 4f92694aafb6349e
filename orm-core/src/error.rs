//! The error types of the ORM.

use std::fmt;

/// The result type used throughout the ORM.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring models, working with a
/// session or talking to the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The models are misconfigured; the message says what to change.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// The database reported an error.
    #[error(transparent)]
    Database(#[from] DbError),

    /// A value read from the database does not fit the field type.
    #[error("cannot convert a database {found} value into {expected}")]
    Conversion {
        /// The Rust type of the field.
        expected: &'static str,
        /// The kind of value that was found.
        found: &'static str,
    },

    /// An unloaded relationship was used on an object that belongs to no session.
    #[error("`{model}.{relationship}` is not loaded and the object is not attached to a session; add it to a session first")]
    Detached {
        /// The model that owns the relationship.
        model: &'static str,
        /// The relationship field.
        relationship: &'static str,
    },

    /// A column's value could not be converted between its field and the
    /// database: a stored value that does not fit the field's type (an
    /// integer out of the field's range, text in an integer column), or a
    /// field value the database cannot store (a `u64` above `i64::MAX`).
    #[error("column {model}.{column}: {source}")]
    Column {
        /// The model.
        model: &'static str,
        /// The column name.
        column: &'static str,
        /// What went wrong, usually [`Error::Conversion`].
        source: Box<Error>,
    },

    /// A field holds a value its column cannot store (a `u64` above
    /// `i64::MAX`); nothing was written.
    #[error("the value {value} cannot be stored: {reason}")]
    Unstorable {
        /// The value, rendered.
        value: String,
        /// Why.
        reason: &'static str,
    },

    /// The operation needs an object that is persistent (flushed) in this session.
    #[error("{model} object is {state}; {action} needs a persistent object of this session")]
    InvalidState {
        /// The model of the object.
        model: &'static str,
        /// Its lifecycle state.
        state: &'static str,
        /// What was attempted.
        action: &'static str,
    },

    /// The object is attached to a different session.
    #[error("{model} object is already attached to another session; expunge it there first")]
    OtherSession {
        /// The model of the object.
        model: &'static str,
    },

    /// A second object with the same primary key as one already in the identity map.
    #[error("another {model} object with primary key {key} is already present in this session")]
    IdentityConflict {
        /// The model of the object.
        model: &'static str,
        /// The rendered primary key.
        key: String,
    },

    /// A primary key given to [`Session::get`](crate::Session::get) does not
    /// fit the model's key columns (wrong number of values, a value of the
    /// wrong type, or NULL).
    #[error("{model} has a primary key of {expected}; {problem}")]
    InvalidKey {
        /// The model looked up.
        model: &'static str,
        /// The key columns and their types, e.g. `1 column (id INTEGER)`.
        expected: String,
        /// What is wrong with the given values.
        problem: String,
    },

    /// The row of an object was deleted by another transaction (found by
    /// [`Session::refresh`](crate::Session::refresh)); the object has left
    /// the session.
    #[error("the row of {model} with primary key {key} no longer exists (deleted by another transaction); the object has left the session")]
    ObjectDeleted {
        /// The model of the object.
        model: &'static str,
        /// Its primary key.
        key: String,
    },

    /// The model is not in the session's registry.
    #[error("model {model} is not registered: add `.model::<{model}>()` to the `Registry::builder()` that built this session's registry, or relate it to a registered model (relationship targets are registered with their owners)")]
    UnregisteredModel {
        /// The model that was used.
        model: &'static str,
    },

    /// The object is borrowed (through `Obj::borrow_mut`, say) while the ORM needs it.
    #[error("{model} object is already borrowed; release the `borrow()`/`borrow_mut()` guard before this call")]
    Borrowed {
        /// The model of the object.
        model: &'static str,
    },

    /// The unit of work would write NULL into a NOT NULL foreign key.
    #[error("flushing would set NOT NULL column {table}.{column} to NULL ({reason}); delete the {model} object instead, or add a delete cascade to the relationship")]
    NullForeignKey {
        /// The model whose row would be updated.
        model: &'static str,
        /// Its table.
        table: &'static str,
        /// The NOT NULL column.
        column: &'static str,
        /// Why the unit of work wanted to clear it.
        reason: String,
    },

    /// The rows to flush depend on each other in a cycle.
    #[error("the rows of {model} (table {table}) depend on each other in a cycle{hint}")]
    Cycle {
        /// The model of the rows.
        model: &'static str,
        /// Its table.
        table: &'static str,
        /// How to break the cycle, if known (starts with "; ").
        hint: String,
    },

    /// The primary key of a row to write is missing.
    #[error("{model} object has no value for primary key column `{column}`, and the column is not autoincrement")]
    MissingPrimaryKey {
        /// The model.
        model: &'static str,
        /// The primary key column.
        column: &'static str,
    },

    /// [`Query::one`](crate::Query::one) found no row.
    #[error("expected one {model} row, found none")]
    NoResultFound {
        /// The model queried.
        model: &'static str,
    },

    /// [`Query::one`](crate::Query::one) or
    /// [`one_or_none`](crate::Query::one_or_none) found more than one row.
    #[error("expected at most one {model} row, found several")]
    MultipleResultsFound {
        /// The model queried.
        model: &'static str,
    },

    /// A query joins a table that is already in it (a self-referential
    /// relationship, or two paths to one model) without an alias.
    #[error("cannot join {model}.{relationship}: table `{table}` is already in the query; join it under an alias with `join_aliased` and name its columns with `.aliased()`")]
    UnsupportedJoin {
        /// The model the join starts from.
        model: &'static str,
        /// The relationship joined along.
        relationship: &'static str,
        /// The table that would appear twice.
        table: &'static str,
    },

    /// A raw query mapped into objects
    /// ([`Session::query_sql`](crate::Session::query_sql)) has no column
    /// named after a column of the model.
    #[error("raw SQL for {model} returns no column `{column}` (its columns: {available}); select every column of the model, aliased to its name if needed")]
    RawColumnMissing {
        /// The model mapped into.
        model: &'static str,
        /// The model's column not found.
        column: &'static str,
        /// The query's columns.
        available: String,
    },

    /// A raw query mapped into objects has two columns with the name of a
    /// column of the model (`SELECT *` over a join, say).
    #[error("raw SQL for {model} returns column `{column}` more than once (its columns: {available}); select one table's columns, or alias the others")]
    RawColumnAmbiguous {
        /// The model mapped into.
        model: &'static str,
        /// The model's column found twice.
        column: &'static str,
        /// The query's columns.
        available: String,
    },

    /// A raw query read into tuples
    /// ([`Session::select_sql`](crate::Session::select_sql)) returns rows of
    /// another width than the tuple's.
    #[error("raw SQL returns {found} columns ({columns}), the row type reads {expected}")]
    RawRowWidth {
        /// The width of the row type.
        expected: usize,
        /// How many columns the query returns.
        found: usize,
        /// Their names.
        columns: String,
    },

    /// A value of a raw query's row does not convert into its place in the
    /// row type.
    #[error("raw SQL column {index} (`{column}`): {source}")]
    RawValue {
        /// The column's position, from 0.
        index: usize,
        /// The column's name.
        column: String,
        /// The conversion error.
        source: Box<Error>,
    },

    /// A bulk [`update`](crate::Query::update) or
    /// [`delete`](crate::Query::delete) asks for what one UPDATE or DELETE
    /// statement cannot do (a join, an order or window, no assignment, a
    /// new primary key); nothing was sent.
    #[error("cannot bulk update or delete {model}: {reason}")]
    UnsupportedBulk {
        /// The model of the query.
        model: &'static str,
        /// What is not possible.
        reason: &'static str,
    },

    /// A query binds more values than the backend accepts in one statement
    /// and cannot be split into several that give the same rows; nothing
    /// was sent.
    #[error("a query of {model} binds {count} values, more than the {limit} the database accepts in one statement; split the list of values")]
    TooManyParameters {
        /// The model queried.
        model: &'static str,
        /// How many values the statement would bind.
        count: usize,
        /// The backend's limit ([`Dialect::max_parameters`](crate::Dialect::max_parameters)).
        limit: usize,
    },

    /// Deleting a row failed because association rows still point at it and
    /// no relationship on its side knows that table.
    #[error("cannot delete {model} with primary key {key}: rows of association table `{table}` still refer to it, and no relationship of {model} uses that table (only {relationships}); add the reverse relationship (back_populates or backref), remove the object from those collections first, or give the association table's foreign key `on_delete = \"cascade\"` (with passive_deletes on the relationship)")]
    AssociationRowsRemain {
        /// The model of the object.
        model: &'static str,
        /// Its primary key.
        key: String,
        /// The association table.
        table: &'static str,
        /// The relationships that use the table.
        relationships: String,
    },

    /// An UPDATE or DELETE matched no row: another transaction changed the
    /// row's version (`#[column(version)]`) or deleted the row since this
    /// session loaded it. The flush was rolled back like any failed flush.
    #[error("{operation} of {model} with primary key {key} matched {matched} rows instead of 1: another transaction changed or deleted the row since it was loaded; reload it (`session.refresh(&obj)`) and apply the change again")]
    StaleData {
        /// The model.
        model: &'static str,
        /// The primary key.
        key: String,
        /// `UPDATE` or `DELETE`.
        operation: &'static str,
        /// Rows matched.
        matched: u64,
    },

    /// [`Session::begin`](crate::Session::begin) was called while the
    /// session's transaction is open.
    #[error("the session already has an open transaction; commit or roll it back before beginning another")]
    TransactionInProgress,

    /// An internal invariant was broken; please report this as a bug.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A misconfiguration found while configuring the models.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two models map the same table.
    #[error("models {first} and {second} both map table `{table}`; give one of them another `#[model(table = \"...\")]`")]
    DuplicateTable {
        /// The table.
        table: String,
        /// The first model.
        first: &'static str,
        /// The second model.
        second: &'static str,
    },

    /// A foreign key names a table no registered model maps.
    #[error("{model}.{field}: foreign key `{reference}` names table `{table}`, which no registered model maps; register that model or fix the reference")]
    UnknownTable {
        /// The model with the foreign key.
        model: &'static str,
        /// The field with the foreign key.
        field: &'static str,
        /// The foreign key reference as written.
        reference: &'static str,
        /// The table part of it.
        table: String,
    },

    /// A foreign key names a column the referenced table does not have.
    #[error("{model}.{field}: foreign key `{reference}` names column `{column}`, which table `{table}` does not have (it has {available})")]
    UnknownColumn {
        /// The model with the foreign key.
        model: &'static str,
        /// The field with the foreign key.
        field: &'static str,
        /// The foreign key reference as written.
        reference: &'static str,
        /// The referenced table.
        table: String,
        /// The missing column.
        column: String,
        /// The columns the table has.
        available: String,
    },

    /// A foreign key is not of the form `table.column`.
    #[error("{model}.{field}: foreign key `{reference}` must have the form \"table.column\"")]
    MalformedForeignKey {
        /// The model.
        model: &'static str,
        /// The field.
        field: &'static str,
        /// The reference as written.
        reference: &'static str,
    },

    /// A relationship's target model is not registered.
    #[error(
        "{model}.{relationship}: target model {target} is not registered; add it to the registry"
    )]
    UnregisteredTarget {
        /// The model that owns the relationship.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The target model.
        target: &'static str,
    },

    /// No foreign key links the two tables of a relationship.
    #[error("{model}.{relationship}: no foreign key links table `{table}` and table `{target_table}`; add `#[column(foreign_key = \"{target_table}.<column>\")]` on one side")]
    NoForeignKey {
        /// The model that owns the relationship.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// Its table.
        table: &'static str,
        /// The target table.
        target_table: &'static str,
    },

    /// More than one foreign key path links the two tables.
    #[error("{model}.{relationship}: more than one foreign key links `{table}` and `{target_table}` ({candidates}); say which with `foreign_keys = \"...\"`")]
    AmbiguousForeignKeys {
        /// The model that owns the relationship.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// Its table.
        table: &'static str,
        /// The target table.
        target_table: &'static str,
        /// The candidate columns.
        candidates: String,
    },

    /// A `foreign_keys` entry names no foreign key column between the two tables.
    #[error("{model}.{relationship}: `foreign_keys` names `{column}`, which is not a foreign key column between `{table}` and `{target_table}`")]
    BadForeignKeysArgument {
        /// The model that owns the relationship.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The column as written.
        column: String,
        /// Its table.
        table: &'static str,
        /// The target table.
        target_table: &'static str,
    },

    /// `back_populates` names a field the target does not have.
    #[error("{model}.{relationship}: back_populates = \"{back_populates}\", but {target} has no relationship `{back_populates}`")]
    UnknownBackPopulates {
        /// The model.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The target model.
        target: &'static str,
        /// The name given.
        back_populates: &'static str,
    },

    /// The two sides of a `back_populates` pair do not match.
    #[error("{model}.{relationship} and {target}.{other}: {problem}")]
    MismatchedBackPopulates {
        /// The model.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The target model.
        target: &'static str,
        /// The other side.
        other: &'static str,
        /// What is wrong and how to fix it.
        problem: String,
    },

    /// A collection field on the side that holds the foreign key.
    #[error("{model}.{relationship}: the foreign key is on `{table}`, so this side is many-to-one and holds one object: declare it as `One<{target}>`")]
    CollectionOnManyToOne {
        /// The model.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The model's table, which holds the foreign key.
        table: &'static str,
        /// The target model.
        target: &'static str,
    },

    /// The model has no primary key.
    #[error("model {model} has no primary key; mark a column with `#[column(primary_key)]`")]
    NoPrimaryKey {
        /// The model.
        model: &'static str,
    },

    /// The foreign keys between tables form a cycle.
    #[error("the foreign keys of tables {tables} form a cycle; add `post_update = true` to {relationships} so that its foreign key is written by a second UPDATE")]
    TableCycle {
        /// The tables in the cycle.
        tables: String,
        /// The relationships that could break it.
        relationships: String,
    },

    /// `secondary` names a table that is neither declared nor mapped.
    #[error("{model}.{relationship}: secondary table `{table}` is not declared; declare it with #[derive(Table)] or map it with a model")]
    UnknownSecondary {
        /// The model.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The table name.
        table: &'static str,
    },

    /// The association table has no foreign key to one of the two sides.
    #[error("{model}.{relationship}: secondary table `{secondary}` has no foreign key to `{table}`; add `#[column(foreign_key = \"{table}.<column>\")]` to it")]
    SecondaryWithoutForeignKey {
        /// The model.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The association table.
        secondary: &'static str,
        /// The side it does not reference.
        table: &'static str,
    },

    /// `order_by` names a column the target does not have.
    #[error(
        "{model}.{relationship}: order_by names `{column}`, which is not a column of {target}"
    )]
    UnknownOrderBy {
        /// The model.
        model: &'static str,
        /// The relationship.
        relationship: &'static str,
        /// The column as written.
        column: &'static str,
        /// The target model.
        target: &'static str,
    },

    /// A backref's name is already used on the target.
    #[error("{model}.{relationship}: backref `{name}` clashes with an existing field or relationship of {target}; choose another name")]
    BackrefClash {
        /// The model declaring the backref.
        model: &'static str,
        /// The relationship declaring it.
        relationship: &'static str,
        /// The target model.
        target: &'static str,
        /// The backref name.
        name: &'static str,
    },

    /// A backref on the many-to-one side declared as a collection.
    #[error("{model}.{relationship}: backref `{name}` is many-to-one and holds one object; write `backref(name = \"{name}\", uselist = false)`")]
    BackrefCardinality {
        /// The model declaring the backref.
        model: &'static str,
        /// The relationship declaring it.
        relationship: &'static str,
        /// The backref name.
        name: &'static str,
    },

    /// An association table is written both as a secondary and as a model.
    #[error("table `{table}` is the secondary of {relationship} and also the table of model {model}, written through {other}; both would INSERT and DELETE its rows: mark one of them `viewonly = true`")]
    SecondaryMappedTwice {
        /// The association table.
        table: &'static str,
        /// The many-to-many relationship.
        relationship: String,
        /// The model mapping the table.
        model: &'static str,
        /// A writable relationship of (or to) that model.
        other: String,
    },
}

/// The class of a database failure, so callers can match on it.
///
/// The names are backend-neutral: each backend maps its own codes onto them
/// (SQLite result codes in `orm-sqlite`; a server backend would map SQLSTATEs,
/// noted on each variant). New kinds may be added, so a `match` needs a
/// wildcard arm.
///
/// # Which failures are worth retrying
///
/// [`is_retryable`](DbErrorKind::is_retryable) is true for [`Busy`],
/// [`SerializationFailure`] and [`Deadlock`]: they say that *another*
/// connection got in the way, not that the statement or the data is wrong,
/// so the same work can succeed once the other side has finished. Retry the
/// whole transaction, not the failed statement: roll back (a failed
/// [`Session::commit`](crate::Session::commit) restores the objects), wait
/// a little, with a growing delay and a limit on the attempts, and redo the
/// work from its first read.
///
/// Everything else is not retryable as is: a constraint violation fails
/// again with the same data, a read-only or corrupt database and a full disk
/// need someone to act, and a failed connection needs a new connection (a
/// pool may reconnect; a plain engine holds one connection).
///
/// [`Busy`]: DbErrorKind::Busy
/// [`SerializationFailure`]: DbErrorKind::SerializationFailure
/// [`Deadlock`]: DbErrorKind::Deadlock
///
/// ```
/// use orm_core::DbErrorKind;
/// assert!(DbErrorKind::Busy.is_retryable());
/// assert!(!DbErrorKind::UniqueViolation.is_retryable());
/// assert!(!DbErrorKind::DiskFull.is_retryable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A `UNIQUE` or `PRIMARY KEY` constraint failed (SQLSTATE 23505).
    UniqueViolation,
    /// A `FOREIGN KEY` constraint failed (SQLSTATE 23503).
    ForeignKeyViolation,
    /// A `NOT NULL` constraint failed (SQLSTATE 23502).
    NotNullViolation,
    /// A `CHECK` constraint failed (SQLSTATE 23514).
    CheckViolation,
    /// Another connection holds a lock the statement needs, and it was not
    /// released within the busy timeout (SQLite `SQLITE_BUSY`,
    /// `SQLITE_LOCKED` and their extended codes; SQLSTATE 55P03).
    /// Retryable.
    Busy,
    /// The transaction read data that another transaction has since changed,
    /// so it cannot commit as if it ran alone; only rerunning the whole
    /// transaction helps (SQLite `SQLITE_BUSY_SNAPSHOT` in WAL mode;
    /// SQLSTATE 40001). Retryable.
    SerializationFailure,
    /// The database chose this transaction as the victim of a deadlock and
    /// aborted it (SQLSTATE 40P01; SQLite reports its lock deadlocks as
    /// [`Busy`](DbErrorKind::Busy)). Retryable.
    Deadlock,
    /// The database, the file or the transaction is read-only (SQLite
    /// `SQLITE_READONLY` and its extended codes; SQLSTATE 25006).
    ReadOnly,
    /// The disk or the database's size limit is full (SQLite `SQLITE_FULL`,
    /// including `PRAGMA max_page_count`; SQLSTATE 53100).
    DiskFull,
    /// The database file is damaged or is not a database at all (SQLite
    /// `SQLITE_CORRUPT`, `SQLITE_NOTADB`; SQLSTATE XX001).
    Corrupt,
    /// The database could not be opened or reached, or the connection to it
    /// was lost (SQLite `SQLITE_CANTOPEN`; SQLSTATE class 08).
    ConnectionFailed,
    /// Every connection of the engine's pool was in use, and none became
    /// free within the pool's `connection_timeout`
    /// ([`PoolOptions`](crate::PoolOptions)). Not retryable: the pool is
    /// too small for the load, or sessions are kept open too long (a
    /// session holds its connection until `commit`, `rollback` or `close`).
    PoolTimeout,
    /// Anything else.
    Other,
}

impl DbErrorKind {
    /// Whether rerunning the failed transaction may succeed without any
    /// change: true for [`Busy`](DbErrorKind::Busy),
    /// [`SerializationFailure`](DbErrorKind::SerializationFailure) and
    /// [`Deadlock`](DbErrorKind::Deadlock), which are caused by concurrent
    /// transactions. See the [type documentation](DbErrorKind) for how to
    /// retry.
    ///
    /// ```
    /// use orm_core::DbErrorKind;
    /// assert!(DbErrorKind::SerializationFailure.is_retryable());
    /// assert!(!DbErrorKind::ReadOnly.is_retryable());
    /// ```
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            DbErrorKind::Busy | DbErrorKind::SerializationFailure | DbErrorKind::Deadlock
        )
    }
}

impl fmt::Display for DbErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DbErrorKind::UniqueViolation => "unique constraint violation",
            DbErrorKind::ForeignKeyViolation => "foreign key constraint violation",
            DbErrorKind::NotNullViolation => "not null constraint violation",
            DbErrorKind::CheckViolation => "check constraint violation",
            DbErrorKind::Busy => "database is busy",
            DbErrorKind::SerializationFailure => "serialization failure",
            DbErrorKind::Deadlock => "deadlock detected",
            DbErrorKind::ReadOnly => "database is read-only",
            DbErrorKind::DiskFull => "database or disk is full",
            DbErrorKind::Corrupt => "database is corrupt",
            DbErrorKind::ConnectionFailed => "cannot connect to the database",
            DbErrorKind::PoolTimeout => "timed out waiting for a pooled connection",
            DbErrorKind::Other => "database error",
        })
    }
}

/// An error reported by the database backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}{}", sql.as_ref().map(|s| format!(" [SQL: {s}]")).unwrap_or_default())]
pub struct DbError {
    /// The class of the failure.
    pub kind: DbErrorKind,
    /// The backend's message.
    pub message: String,
    /// The statement that failed, when known.
    pub sql: Option<String>,
}

impl DbError {
    /// A database error of the given kind.
    pub fn new(kind: DbErrorKind, message: impl Into<String>) -> Self {
        DbError {
            kind,
            message: message.into(),
            sql: None,
        }
    }

    /// Attaches the statement that failed.
    pub fn with_sql(mut self, sql: &str) -> Self {
        self.sql = Some(sql.to_owned());
        self
    }

    /// Whether rerunning the failed transaction may succeed; see
    /// [`DbErrorKind::is_retryable`].
    ///
    /// ```
    /// use orm_core::{DbError, DbErrorKind};
    /// assert!(DbError::new(DbErrorKind::Busy, "database is locked").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl Error {
    /// The class of the database failure, if this is one.
    ///
    /// ```
    /// use orm_core::{DbError, DbErrorKind, Error};
    /// let err = Error::from(DbError::new(DbErrorKind::UniqueViolation, "dup"));
    /// assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
    /// ```
    pub fn db_kind(&self) -> Option<DbErrorKind> {
        match self {
            Error::Database(e) => Some(e.kind),
            _ => None,
        }
    }

    /// Whether this is a database failure that rerunning the transaction
    /// may cure (see [`DbErrorKind::is_retryable`]); false for every
    /// error that is not a [`Database`](Error::Database) error.
    ///
    /// ```
    /// # #[derive(orm_core::Model, Default)]
    /// # pub struct Counter { #[column(primary_key)] pub id: Option<i64>, pub n: i64 }
    /// use orm_core::prelude::*;
    /// # fn main() -> orm_core::Result<()> {
    /// # let engine = orm_sqlite::memory()?;
    /// # let registry = Registry::builder().model::<Counter>().build()?;
    /// # registry.create_all(&engine)?;
    /// let mut attempts = 0;
    /// loop {
    ///     let session = Session::new(&engine, &registry);
    ///     session.add(&Obj::new(Counter { n: 1, ..Default::default() }))?;
    ///     match session.commit() {
    ///         Err(e) if e.is_retryable() && attempts < 3 => {
    ///             attempts += 1;
    ///             std::thread::sleep(std::time::Duration::from_millis(50 << attempts));
    ///         }
    ///         other => break other?,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Database(e) if e.is_retryable())
    }
}
