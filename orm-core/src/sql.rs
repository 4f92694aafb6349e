//! Statement text for the unit of work and the loaders, built through the
//! dialect.

use crate::engine::Dialect;
use crate::filter::{in_list_slots, AggFunc, Condition, Expr, LIKE_ESCAPE};
use crate::meta::{ColumnMeta, ModelMeta};
use crate::operators::{Nulls, OrderTerm};
use crate::select::{SelectItem, SelectOrder};

/// Builds SQL text with numbered placeholders.
struct Builder<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    params: usize,
    /// The FROM-clause entries a condition's `Source` nodes refer to:
    /// `(qualifier, columns)`.
    sources: Vec<(&'d str, &'static [ColumnMeta])>,
    /// Set while writing the test of an `Expr::Aggregate`: its column is
    /// written inside this aggregate.
    wrap: Option<AggFunc>,
}

impl<'d> Builder<'d> {
    fn new(dialect: &'d dyn Dialect) -> Self {
        Builder {
            dialect,
            sql: String::with_capacity(96),
            params: 0,
            sources: Vec::new(),
            wrap: None,
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.sql.push_str(text);
        self
    }

    fn ident(&mut self, name: &str) -> &mut Self {
        let quoted = self.dialect.quote(name);
        self.sql.push_str(&quoted);
        self
    }

    fn placeholder(&mut self) -> &mut Self {
        self.params += 1;
        let p = self.dialect.placeholder(self.params);
        self.sql.push_str(&p);
        self
    }

    fn column_list(&mut self, meta: &ModelMeta, cols: &[usize]) -> &mut Self {
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(meta.columns[c].name);
        }
        self
    }

    /// `a = ? AND b = ?`, or `a IS NULL` where `nulls[i]`.
    fn conditions(&mut self, meta: &ModelMeta, cols: &[usize], nulls: &[bool]) -> &mut Self {
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.ident(meta.columns[c].name);
            if nulls.get(i).copied().unwrap_or(false) {
                self.push(" IS NULL");
            } else {
                self.push(" = ").placeholder();
            }
        }
        self
    }

    /// A column of a condition, qualified with its table when `qualifier`
    /// is set.
    fn column(&mut self, columns: &[ColumnMeta], qualifier: Option<&str>, c: usize) -> &mut Self {
        if let Some(func) = self.wrap.take() {
            self.aggregate(func, columns, qualifier, c);
            self.wrap = Some(func);
            return self;
        }
        if let Some(table) = qualifier {
            self.ident(table).push(".");
        }
        self.ident(columns[c].name)
    }

    /// An aggregate of a column: `count(t.c)`, `count(DISTINCT t.c)`,
    /// `count(*)`, `CAST(sum(t.c) AS BIGINT)`, ...
    fn aggregate(
        &mut self,
        func: AggFunc,
        columns: &[ColumnMeta],
        qualifier: Option<&str>,
        c: usize,
    ) -> &mut Self {
        let (open, close) = match func {
            AggFunc::CountAll => return self.push("count(*)"),
            AggFunc::Count => ("count(", ")"),
            AggFunc::CountDistinct => ("count(DISTINCT ", ")"),
            AggFunc::Sum { integral: false } => ("sum(", ")"),
            AggFunc::Sum { integral: true } => ("CAST(sum(", ""),
            AggFunc::Avg => ("CAST(avg(", ""),
            AggFunc::Min => ("min(", ")"),
            AggFunc::Max => ("max(", ")"),
        };
        self.push(open).column(columns, qualifier, c);
        match func {
            AggFunc::Sum { integral: true } => {
                let ty = self.dialect.type_name(crate::value::SqlType::Integer);
                self.push(") AS ").push(ty).push(")")
            }
            AggFunc::Avg => {
                let ty = self.dialect.type_name(crate::value::SqlType::Real);
                self.push(") AS ").push(ty).push(")")
            }
            _ => self.push(close),
        }
    }

    /// A condition's expression tree, written inside `within` (a group of
    /// two or more terms is parenthesised inside a group of the other
    /// kind).
    fn expr(
        &mut self,
        columns: &[ColumnMeta],
        qualifier: Option<&str>,
        expr: &Expr,
        within: Within,
    ) -> &mut Self {
        match expr {
            Expr::And(terms) | Expr::Or(terms) => {
                let (joiner, empty, kind) = match expr {
                    Expr::And(_) => (" AND ", "1 = 1", Within::And),
                    _ => (" OR ", "1 = 0", Within::Or),
                };
                if terms.is_empty() {
                    return self.push(empty);
                }
                let parens = within != Within::Top && within != kind && terms.len() > 1;
                if parens {
                    self.push("(");
                }
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        self.push(joiner);
                    }
                    self.expr(columns, qualifier, term, kind);
                }
                if parens {
                    self.push(")");
                }
            }
            Expr::Exists {
                owner,
                filter,
                negated,
                sql,
                ..
            } => {
                self.push(if *negated {
                    "NOT EXISTS (SELECT 1 FROM "
                } else {
                    "EXISTS (SELECT 1 FROM "
                });
                let Some(x) = sql else {
                    // Never rendered unresolved; stay valid SQL if it were.
                    return self.push("(SELECT 1) AS unresolved WHERE 1 = 0)");
                };
                let outer = qualifier.unwrap_or(owner.table);
                let target = x.target.table;
                // The same table inside and out (a self-referential
                // relationship): the inner one gets an alias.
                let alias = if target == outer {
                    format!("{target}_{}", self.sql.matches("EXISTS (").count())
                } else {
                    target.to_owned()
                };
                let from_target = |b: &mut Self| {
                    b.ident(target);
                    if alias != target {
                        b.push(" AS ").ident(&alias);
                    }
                };
                let correlate =
                    |b: &mut Self, pairs: &[(usize, usize)], inner: (&str, &[ColumnMeta])| {
                        for (i, &(o, t)) in pairs.iter().enumerate() {
                            if i > 0 {
                                b.push(" AND ");
                            }
                            b.column(inner.1, Some(inner.0), t).push(" = ").column(
                                columns,
                                Some(outer),
                                o,
                            );
                        }
                    };
                match &x.secondary {
                    Some((assoc, assoc_columns, remote)) => {
                        self.ident(assoc).push(" JOIN ");
                        from_target(self);
                        self.push(" ON ");
                        for (i, &(a, t)) in remote.iter().enumerate() {
                            if i > 0 {
                                self.push(" AND ");
                            }
                            self.column(assoc_columns, Some(assoc), a)
                                .push(" = ")
                                .column(x.target.columns, Some(&alias), t);
                        }
                        self.push(" WHERE ");
                        correlate(self, &x.on, (assoc, assoc_columns));
                    }
                    None => {
                        from_target(self);
                        self.push(" WHERE ");
                        correlate(self, &x.on, (&alias, x.target.columns));
                    }
                }
                if !matches!(&**filter, Expr::And(v) if v.is_empty()) {
                    self.push(" AND ")
                        .expr(x.target.columns, Some(&alias), filter, Within::And);
                }
                self.push(")");
            }
            Expr::Source { source, expr } => {
                if let Some(&(table, columns)) = self.sources.get(*source) {
                    self.expr(columns, Some(table), expr, within);
                }
            }
            Expr::Aggregate { func, expr } => {
                let outer = self.wrap.replace(*func);
                self.expr(columns, qualifier, expr, within);
                self.wrap = outer;
            }
            Expr::Not(inner) => {
                self.push("NOT (")
                    .expr(columns, qualifier, inner, Within::Top)
                    .push(")");
            }
            Expr::Cmp { column, op, .. } => {
                self.column(columns, qualifier, *column)
                    .push(op.sql())
                    .placeholder();
            }
            Expr::Null { column, negated } => {
                self.column(columns, qualifier, *column).push(if *negated {
                    " IS NOT NULL"
                } else {
                    " IS NULL"
                });
            }
            Expr::Between {
                column, negated, ..
            } => {
                self.column(columns, qualifier, *column)
                    .push(if *negated {
                        " NOT BETWEEN "
                    } else {
                        " BETWEEN "
                    })
                    .placeholder()
                    .push(" AND ")
                    .placeholder();
            }
            Expr::In {
                column,
                values,
                negated,
            } => {
                self.column(columns, qualifier, *column).push(if *negated {
                    " NOT IN ("
                } else {
                    " IN ("
                });
                for i in 0..in_list_slots(values.len()) {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.placeholder();
                }
                self.push(")");
            }
            Expr::Like {
                column,
                negated,
                fold_case,
                escaped,
                ..
            } => {
                let like = if *negated { " NOT LIKE " } else { " LIKE " };
                if *fold_case {
                    self.push("lower(")
                        .column(columns, qualifier, *column)
                        .push(")")
                        .push(like)
                        .push("lower(")
                        .placeholder()
                        .push(")");
                } else {
                    self.column(columns, qualifier, *column)
                        .push(like)
                        .placeholder();
                }
                if *escaped {
                    self.push(" ESCAPE '")
                        .push(LIKE_ESCAPE.encode_utf8(&mut [0; 4]))
                        .push("'");
                }
            }
        }
        self
    }

    /// `t JOIN u ON ... JOIN v ON ...`: the root table and its joins
    /// (whose FROM entries are in `sources` already).
    fn tables_and_joins(&mut self, meta: &ModelMeta, joins: &'d [crate::join::Join]) -> &mut Self {
        self.ident(meta.table);
        for join in joins {
            let from = self.sources[join.key.from];
            self.push(" JOIN ");
            let target = (join.qualifier(), join.columns);
            let table = |b: &mut Self| {
                b.ident(join.table);
                if let Some(alias) = &join.alias {
                    b.push(" AS ").ident(alias);
                }
                b.push(" ON ");
            };
            match (&join.key.secondary, join.secondary) {
                (Some((_, remote)), Some(assoc)) => {
                    self.ident(assoc.0).push(" ON ");
                    self.on_pairs(&join.key.on, from, assoc);
                    self.push(" JOIN ");
                    table(self);
                    self.on_pairs(remote, assoc, target);
                }
                _ => {
                    table(self);
                    self.on_pairs(&join.key.on, from, target);
                }
            }
            if !join.filter.is_empty() {
                self.push(" AND ").expr(
                    join.columns,
                    Some(join.qualifier()),
                    &join.filter.expr,
                    Within::And,
                );
            }
        }
        self
    }

    /// A select list's column or aggregate, qualified with its table when
    /// `qualify`.
    fn item(&mut self, item: &SelectItem, qualify: bool) -> &mut Self {
        let Some(&(table, columns)) = self.sources.get(item.source) else {
            return self.push("NULL");
        };
        let qualifier = qualify.then_some(table);
        match item.func {
            Some(func) => self.aggregate(func, columns, qualifier, item.column),
            None => self.column(columns, qualifier, item.column),
        }
    }

    /// `l.a = r.b AND ...` for `(a, b)` pairs of `left` and `right`.
    fn on_pairs(
        &mut self,
        pairs: &[(usize, usize)],
        left: (&str, &[ColumnMeta]),
        right: (&str, &[ColumnMeta]),
    ) -> &mut Self {
        for (i, &(l, r)) in pairs.iter().enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.column(left.1, Some(left.0), l)
                .push(" = ")
                .column(right.1, Some(right.0), r);
        }
        self
    }

    /// `ORDER BY a, b DESC NULLS LAST` (nothing when `order` is empty).
    fn order_by(
        &mut self,
        columns: &[ColumnMeta],
        qualifier: Option<&str>,
        order: &[OrderTerm],
    ) -> &mut Self {
        for (i, term) in order.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            match self.sources.get(term.source) {
                Some(&(table, joined)) if term.source > 0 => {
                    self.column(joined, Some(table), term.column)
                }
                _ => self.column(columns, qualifier, term.column),
            };
            if term.descending {
                self.push(" DESC");
            }
            match term.nulls {
                Some(Nulls::First) => self.push(" NULLS FIRST"),
                Some(Nulls::Last) => self.push(" NULLS LAST"),
                None => self,
            };
        }
        self
    }
}

/// Where an expression is written: alone, or among the terms of an `AND`
/// or an `OR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Within {
    Top,
    And,
    Or,
}

/// `INSERT INTO t (a, b) VALUES (?, ?)`, with `rows` rows of values
/// (`VALUES (?, ?), (?, ?)`), and `RETURNING id, b` when `returning` names
/// columns to read back.
pub(crate) fn insert(
    dialect: &dyn Dialect,
    meta: &ModelMeta,
    cols: &[usize],
    rows: usize,
    returning: &[usize],
) -> String {
    let mut b = Builder::new(dialect);
    b.push("INSERT INTO ").ident(meta.table);
    if cols.is_empty() {
        b.push(" DEFAULT VALUES");
    } else {
        b.push(" (").column_list(meta, cols).push(") VALUES ");
        for row in 0..rows.max(1) {
            if row > 0 {
                b.push(", ");
            }
            b.push("(");
            for i in 0..cols.len() {
                if i > 0 {
                    b.push(", ");
                }
                b.placeholder();
            }
            b.push(")");
        }
    }
    if !returning.is_empty() {
        b.push(" RETURNING ").column_list(meta, returning);
    }
    b.sql
}

/// `UPDATE t SET a = ?, b = ? WHERE id = ?`.
pub(crate) fn update(
    dialect: &dyn Dialect,
    meta: &ModelMeta,
    set: &[usize],
    key: &[usize],
) -> String {
    let mut b = Builder::new(dialect);
    b.push("UPDATE ").ident(meta.table).push(" SET ");
    for (i, &c) in set.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.ident(meta.columns[c].name).push(" = ").placeholder();
    }
    b.push(" WHERE ").conditions(meta, key, &[]);
    b.sql
}

/// `DELETE FROM t WHERE id = ?`.
pub(crate) fn delete(dialect: &dyn Dialect, meta: &ModelMeta, key: &[usize]) -> String {
    let mut b = Builder::new(dialect);
    b.push("DELETE FROM ")
        .ident(meta.table)
        .push(" WHERE ")
        .conditions(meta, key, &[]);
    b.sql
}

/// `SELECT [DISTINCT] <all columns> FROM t [WHERE ...] [ORDER BY ...]
/// [LIMIT ? OFFSET ?]`, or what [`SelectShape::output`] asks for instead
/// of the rows.
pub(crate) fn select<'a>(
    dialect: &'a dyn Dialect,
    meta: &'static ModelMeta,
    shape: &SelectShape<'a>,
) -> String {
    let mut b = Builder::new(dialect);
    let joined = !shape.joins.is_empty();
    let root = joined.then_some(meta.table);
    b.sources.push((meta.table, meta.columns));
    for join in shape.joins {
        b.sources.push((join.qualifier(), join.columns));
    }
    let from = |b: &mut Builder<'a>| {
        b.tables_and_joins(meta, shape.joins);
    };
    let rows = |b: &mut Builder<'a>, order: &[OrderTerm]| {
        b.push("SELECT ");
        if shape.distinct {
            b.push("DISTINCT ");
        }
        for (i, c) in meta.columns.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            if let Some(table) = root {
                b.ident(table).push(".");
            }
            b.ident(c.name);
        }
        b.push(" FROM ");
        from(b);
        where_clause(b, meta, root, shape.filter);
        b.order_by(meta.columns, root, order);
        if shape.paged {
            b.push(" LIMIT ")
                .placeholder()
                .push(" OFFSET ")
                .placeholder();
        }
    };
    match shape.output {
        Output::Rows => rows(&mut b, shape.order),
        Output::Count if shape.paged || shape.distinct => {
            // The window (or the distinct rows) first, then their number.
            b.push("SELECT count(*) FROM (");
            rows(&mut b, shape.order);
            b.push(") AS counted");
        }
        Output::Count => {
            b.push("SELECT count(*) FROM ");
            from(&mut b);
            where_clause(&mut b, meta, root, shape.filter);
        }
        Output::One => {
            b.push("SELECT 1 FROM ");
            from(&mut b);
            where_clause(&mut b, meta, root, shape.filter);
            b.push(" LIMIT ")
                .placeholder()
                .push(" OFFSET ")
                .placeholder();
        }
    }
    b.sql
}

/// `UPDATE t SET a = ?, b = b + ? [WHERE ...] RETURNING k, a, b`.
pub(crate) fn bulk_update(
    dialect: &dyn Dialect,
    meta: &'static ModelMeta,
    set: &[(usize, crate::bulk::AssignedValue)],
    filter: &Condition,
    returning: &[usize],
) -> String {
    let mut b = Builder::new(dialect);
    b.sources.push((meta.table, meta.columns));
    b.push("UPDATE ").ident(meta.table).push(" SET ");
    for (i, (column, value)) in set.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.ident(meta.columns[*column].name).push(" = ");
        match value {
            crate::bulk::AssignedValue::Value(_)
            | crate::bulk::AssignedValue::Unstorable { .. } => b.placeholder(),
            crate::bulk::AssignedValue::Arith { column, op, .. } => b
                .ident(meta.columns[*column].name)
                .push(op.sql())
                .placeholder(),
        };
    }
    where_clause(&mut b, meta, None, filter);
    b.push(" RETURNING ").column_list(meta, returning);
    b.sql
}

/// `DELETE FROM t [WHERE ...] RETURNING k`.
pub(crate) fn bulk_delete(
    dialect: &dyn Dialect,
    meta: &'static ModelMeta,
    filter: &Condition,
    returning: &[usize],
) -> String {
    let mut b = Builder::new(dialect);
    b.sources.push((meta.table, meta.columns));
    b.push("DELETE FROM ").ident(meta.table);
    where_clause(&mut b, meta, None, filter);
    b.push(" RETURNING ").column_list(meta, returning);
    b.sql
}

/// The shape of a query of columns and aggregates ([`crate::Select`]).
pub(crate) struct ItemsShape<'a> {
    pub items: &'a [SelectItem],
    pub filter: &'a Condition,
    pub joins: &'a [crate::join::Join],
    pub group_by: &'a [SelectItem],
    pub having: &'a Condition,
    pub order: &'a [SelectOrder],
    pub paged: bool,
    pub distinct: bool,
}

/// `SELECT [DISTINCT] items FROM t [JOIN ...] [WHERE ...] [GROUP BY ...]
/// [HAVING ...] [ORDER BY ...] [LIMIT ? OFFSET ?]`; columns are qualified
/// with their table when the query joins others.
pub(crate) fn select_items<'a>(
    dialect: &'a dyn Dialect,
    meta: &'static ModelMeta,
    shape: &ItemsShape<'a>,
) -> String {
    let mut b = Builder::new(dialect);
    let joined = !shape.joins.is_empty();
    let root = joined.then_some(meta.table);
    b.sources.push((meta.table, meta.columns));
    for join in shape.joins {
        b.sources.push((join.qualifier(), join.columns));
    }
    b.push("SELECT ");
    if shape.distinct {
        b.push("DISTINCT ");
    }
    for (i, item) in shape.items.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.item(item, joined);
    }
    b.push(" FROM ").tables_and_joins(meta, shape.joins);
    where_clause(&mut b, meta, root, shape.filter);
    for (i, item) in shape.group_by.iter().enumerate() {
        b.push(if i == 0 { " GROUP BY " } else { ", " });
        b.item(item, joined);
    }
    if !shape.having.is_empty() {
        b.push(" HAVING ")
            .expr(meta.columns, root, &shape.having.expr, Within::Top);
    }
    for (i, term) in shape.order.iter().enumerate() {
        b.push(if i == 0 { " ORDER BY " } else { ", " });
        b.item(&term.item, joined);
        if term.descending {
            b.push(" DESC");
        }
        match term.nulls {
            Some(Nulls::First) => b.push(" NULLS FIRST"),
            Some(Nulls::Last) => b.push(" NULLS LAST"),
            None => &mut b,
        };
    }
    if shape.paged {
        b.push(" LIMIT ")
            .placeholder()
            .push(" OFFSET ")
            .placeholder();
    }
    b.sql
}

fn where_clause(b: &mut Builder<'_>, meta: &ModelMeta, root: Option<&str>, filter: &Condition) {
    if !filter.is_empty() {
        b.push(" WHERE ")
            .expr(meta.columns, root, &filter.expr, Within::Top);
    }
}

/// What a one-table SELECT returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Output {
    /// Every column of the matching rows.
    Rows,
    /// `count(*)` of them.
    Count,
    /// `1` for the first of them (`LIMIT ? OFFSET ?`): whether one exists.
    One,
}

/// The shape of a query on one table: `WHERE filter`, `ORDER BY order`,
/// `LIMIT ? OFFSET ?` when paged.
#[derive(Clone, Copy)]
pub(crate) struct SelectShape<'a> {
    pub filter: &'a Condition,
    pub order: &'a [OrderTerm],
    pub paged: bool,
    pub distinct: bool,
    pub output: Output,
    /// The joins, in FROM-clause order (entry `k` is `joins[k - 1]`).
    pub joins: &'a [crate::join::Join],
}

/// The shape of a relationship load: the rows of `target` whose key
/// columns match one of `keys` key tuples. The key columns are on the
/// association table when `secondary` is set (its columns are then selected
/// first, to group the rows by owner), else on the target.
pub(crate) struct RelatedSelect<'a> {
    pub target: &'a ModelMeta,
    /// The association table joined in, for many-to-many.
    pub secondary: Option<JoinTable<'a>>,
    pub key_columns: &'a [usize],
    pub keys: usize,
    pub order: &'a [(usize, bool)],
    /// The relationship's extra condition on target columns, tested
    /// before the keys.
    pub filter: &'a Condition,
}

/// An association table joined into a relationship load.
#[derive(Clone, Copy)]
pub(crate) struct JoinTable<'a> {
    pub name: &'a str,
    pub columns: &'a [ColumnMeta],
    /// `(target column, association column)` pairs.
    pub join: &'a [(usize, usize)],
}

/// `SELECT ... FROM target [JOIN secondary ON ...] WHERE key = ?` (or
/// `IN (...)` for several keys) `[ORDER BY ...]`.
pub(crate) fn select_related(dialect: &dyn Dialect, s: &RelatedSelect<'_>) -> String {
    let mut b = Builder::new(dialect);
    let target = s.target.table;
    let qualified = s.secondary.is_some();
    let col = |b: &mut Builder<'_>, table: &str, name: &str| {
        if qualified {
            b.ident(table).push(".");
        }
        b.ident(name);
    };
    b.push("SELECT ");
    let mut first = true;
    if let Some(JoinTable {
        name: table,
        columns,
        ..
    }) = s.secondary
    {
        for &k in s.key_columns {
            if !first {
                b.push(", ");
            }
            first = false;
            col(&mut b, table, columns[k].name);
        }
    }
    for c in s.target.columns {
        if !first {
            b.push(", ");
        }
        first = false;
        col(&mut b, target, c.name);
    }
    b.push(" FROM ").ident(target);
    let (key_table, key_columns): (&str, Vec<&str>) = match s.secondary {
        Some(JoinTable {
            name: table,
            columns,
            join,
        }) => {
            b.push(" JOIN ").ident(table).push(" ON ");
            for (i, &(t, sc)) in join.iter().enumerate() {
                if i > 0 {
                    b.push(" AND ");
                }
                col(&mut b, target, s.target.columns[t].name);
                b.push(" = ");
                col(&mut b, table, columns[sc].name);
            }
            (
                table,
                s.key_columns.iter().map(|&k| columns[k].name).collect(),
            )
        }
        None => (
            target,
            s.key_columns
                .iter()
                .map(|&k| s.target.columns[k].name)
                .collect(),
        ),
    };
    b.push(" WHERE ");
    if !s.filter.is_empty() {
        let qualifier = qualified.then_some(target);
        b.expr(s.target.columns, qualifier, &s.filter.expr, Within::And)
            .push(" AND ");
    }
    let group_keys = !s.filter.is_empty() && key_columns.len() > 1 && s.keys > 1;
    if group_keys {
        b.push("(");
    }
    if key_columns.len() == 1 {
        col(&mut b, key_table, key_columns[0]);
        if s.keys == 1 {
            b.push(" = ").placeholder();
        } else {
            b.push(" IN (");
            for i in 0..s.keys {
                if i > 0 {
                    b.push(", ");
                }
                b.placeholder();
            }
            b.push(")");
        }
    } else {
        for k in 0..s.keys {
            if k > 0 {
                b.push(" OR ");
            }
            b.push("(");
            for (i, name) in key_columns.iter().enumerate() {
                if i > 0 {
                    b.push(" AND ");
                }
                col(&mut b, key_table, name);
                b.push(" = ").placeholder();
            }
            b.push(")");
        }
    }
    if group_keys {
        b.push(")");
    }
    if !s.order.is_empty() {
        b.push(" ORDER BY ");
        for (i, &(c, descending)) in s.order.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            col(&mut b, target, s.target.columns[c].name);
            if descending {
                b.push(" DESC");
            }
        }
    }
    b.sql
}

/// `INSERT INTO t (a, b) VALUES (?, ?)` for an association table.
pub(crate) fn insert_row(dialect: &dyn Dialect, table: &str, columns: &[&str]) -> String {
    let mut b = Builder::new(dialect);
    b.push("INSERT INTO ").ident(table).push(" (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.ident(c);
    }
    b.push(") VALUES (");
    for i in 0..columns.len() {
        if i > 0 {
            b.push(", ");
        }
        b.placeholder();
    }
    b.push(")");
    b.sql
}

/// `DELETE FROM t WHERE a = ? AND b = ?` for an association table.
pub(crate) fn delete_row(dialect: &dyn Dialect, table: &str, columns: &[&str]) -> String {
    let mut b = Builder::new(dialect);
    b.push("DELETE FROM ").ident(table).push(" WHERE ");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            b.push(" AND ");
        }
        b.ident(c).push(" = ").placeholder();
    }
    b.sql
}

/// Identifies a statement text by what it does, so the text is built once
/// per session and the backend's prepared-statement cache sees one string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum StatementKey {
    Insert(usize, u128, usize),
    Update(usize, u128),
    Delete(usize),
    Select {
        mapper: usize,
        filter: Vec<u32>,
        order: Vec<OrderTerm>,
        paged: bool,
        distinct: bool,
        output: Output,
        joins: Vec<crate::join::JoinKey>,
    },
    Related {
        target: usize,
        secondary: Option<usize>,
        key_columns: Vec<usize>,
        keys: usize,
        order: Vec<(usize, bool)>,
        filter: Vec<u32>,
    },
}

/// Statement texts built so far, by [`StatementKey`].
#[derive(Default)]
pub(crate) struct StatementCache {
    texts: std::cell::RefCell<rustc_hash::FxHashMap<StatementKey, std::rc::Rc<str>>>,
}

/// The columns as a bit set, when they are ascending and fit in one.
fn column_mask(cols: &[usize]) -> Option<u128> {
    let mut mask = 0u128;
    let mut last = None;
    for &c in cols {
        if c >= 128 || last.is_some_and(|l| l >= c) {
            return None;
        }
        mask |= 1 << c;
        last = Some(c);
    }
    Some(mask)
}

impl StatementCache {
    fn get(&self, key: Option<StatementKey>, build: impl FnOnce() -> String) -> std::rc::Rc<str> {
        let Some(key) = key else {
            return build().into();
        };
        if let Some(text) = self.texts.borrow().get(&key) {
            return text.clone();
        }
        let text: std::rc::Rc<str> = build().into();
        self.texts.borrow_mut().insert(key, text.clone());
        text
    }

    /// An INSERT of `rows` rows of `cols`; `returning` are the columns to
    /// read back (the generated key, the server-defaulted columns), which
    /// for one mapper follow from the columns left out of `cols`, so the
    /// columns and the row count identify the text.
    pub fn insert(
        &self,
        dialect: &dyn Dialect,
        mapper: usize,
        meta: &ModelMeta,
        cols: &[usize],
        rows: usize,
        returning: &[usize],
    ) -> std::rc::Rc<str> {
        let key = column_mask(cols).map(|m| StatementKey::Insert(mapper, m, rows));
        self.get(key, || insert(dialect, meta, cols, rows, returning))
    }

    pub fn update(
        &self,
        dialect: &dyn Dialect,
        mapper: usize,
        meta: &ModelMeta,
        set: &[usize],
        key_cols: &[usize],
    ) -> std::rc::Rc<str> {
        let key = column_mask(set).map(|m| StatementKey::Update(mapper, m));
        self.get(key, || update(dialect, meta, set, key_cols))
    }

    pub fn delete(
        &self,
        dialect: &dyn Dialect,
        mapper: usize,
        meta: &ModelMeta,
        key_cols: &[usize],
    ) -> std::rc::Rc<str> {
        self.get(Some(StatementKey::Delete(mapper)), || {
            delete(dialect, meta, key_cols)
        })
    }

    /// A relationship load for `target` (mapper index), through association
    /// table `secondary` (table index) when set.
    pub fn related(
        &self,
        dialect: &dyn Dialect,
        target: usize,
        secondary: Option<usize>,
        shape: &RelatedSelect<'_>,
    ) -> std::rc::Rc<str> {
        let key = StatementKey::Related {
            target,
            secondary,
            key_columns: shape.key_columns.to_vec(),
            keys: shape.keys,
            order: shape.order.to_vec(),
            filter: shape.filter.shape(),
        };
        self.get(Some(key), || select_related(dialect, shape))
    }

    pub fn select(
        &self,
        dialect: &dyn Dialect,
        mapper: usize,
        meta: &'static ModelMeta,
        shape: &SelectShape<'_>,
    ) -> std::rc::Rc<str> {
        let key = StatementKey::Select {
            mapper,
            filter: shape.filter.shape(),
            order: shape.order.to_vec(),
            paged: shape.paged,
            distinct: shape.distinct,
            output: shape.output,
            joins: shape.joins.iter().map(|j| j.key.clone()).collect(),
        };
        self.get(Some(key), || select(dialect, meta, shape))
    }
}
