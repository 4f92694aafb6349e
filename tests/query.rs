//! The query language: typed comparisons, lists, patterns, `and`/`or`/`not`,
//! ordering, and the terminal methods (`first`, `one`, `one_or_none`,
//! `count`, `exists`, `distinct`), on both backends, asserting the SQL sent
//! and the rows returned.

#[macro_use]
mod common;

use common::{selects, setup};
use orm_core::prelude::*;
use orm_core::{Error, Filter};

#[derive(Model, Debug, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub country: Option<String>,
    pub born: Option<i64>,
}

#[derive(Model, Debug, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    pub year: i64,
    pub rating: f64,
    pub in_print: bool,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Author>()
        .model::<Book>()
        .build()
        .unwrap()
}

/// Authors 1-5 and books 1-6, committed; the recorded SQL is cleared.
fn stored(engine: &Engine, session: &Session) -> orm_core::Result<()> {
    let authors = [
        ("Ann", Some("FR"), Some(1950)),
        ("bob", Some("DE"), None),
        ("Cid", None, Some(1980)),
        ("Dee", Some("FR"), Some(1990)),
        ("Eve", Some("UK"), Some(1970)),
    ];
    for (name, country, born) in authors {
        session.add(&Obj::new(Author {
            name: name.into(),
            country: country.map(Into::into),
            born,
            ..Default::default()
        }))?;
    }
    let books = [
        ("Rust in Action", 2021, 4.5, true),
        ("100% Rust", 2019, 3.0, false),
        ("snake_case style", 2005, 2.5, true),
        ("Dune", 1965, 5.0, true),
        ("rusty nails", 1999, 1.0, false),
        ("a/b testing", 2010, 3.5, true),
    ];
    for (title, year, rating, in_print) in books {
        session.add(&Obj::new(Book {
            title: title.into(),
            year,
            rating,
            in_print,
            ..Default::default()
        }))?;
    }
    session.commit()?;
    engine.take_recorded();
    Ok(())
}

fn book_ids(session: &Session, filter: Filter<Book>) -> orm_core::Result<Vec<i64>> {
    let books = session
        .query::<Book>()
        .filter(filter)
        .order_by(Book::id)
        .all()?;
    Ok(books.iter().filter_map(|b| b.borrow().id).collect())
}

fn author_ids(session: &Session, filter: Filter<Author>) -> orm_core::Result<Vec<i64>> {
    let authors = session
        .query::<Author>()
        .filter(filter)
        .order_by(Author::id)
        .all()?;
    Ok(authors.iter().filter_map(|a| a.borrow().id).collect())
}

const BOOK: &str = "SELECT id, title, year, rating, in_print FROM book";
const AUTHOR: &str = "SELECT id, name, country, born FROM author";

backend_tests! {
    #[test]
    fn comparisons() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        assert_eq!(book_ids(&session, Book::year.eq(2021))?, [1]);
        assert_eq!(book_ids(&session, Book::year.ne(2021))?, [2, 3, 4, 5, 6]);
        assert_eq!(book_ids(&session, Book::year.lt(2005))?, [4, 5]);
        assert_eq!(book_ids(&session, Book::year.le(2005))?, [3, 4, 5]);
        assert_eq!(book_ids(&session, Book::year.gt(2010))?, [1, 2]);
        assert_eq!(book_ids(&session, Book::rating.ge(3.5))?, [1, 4, 6]);
        assert_eq!(book_ids(&session, Book::year.between(1999, 2010))?, [3, 5, 6]);
        assert_eq!(book_ids(&session, Book::in_print.eq(false))?, [2, 5]);
        assert_eq!(book_ids(&session, Book::title.eq("Dune"))?, [4]);
        assert_eq!(
            selects(&engine),
            [
                format!("{BOOK} WHERE year = ? ORDER BY id [2021]"),
                format!("{BOOK} WHERE year <> ? ORDER BY id [2021]"),
                format!("{BOOK} WHERE year < ? ORDER BY id [2005]"),
                format!("{BOOK} WHERE year <= ? ORDER BY id [2005]"),
                format!("{BOOK} WHERE year > ? ORDER BY id [2010]"),
                format!("{BOOK} WHERE rating >= ? ORDER BY id [3.5]"),
                format!("{BOOK} WHERE year BETWEEN ? AND ? ORDER BY id [1999, 2010]"),
                format!("{BOOK} WHERE in_print = ? ORDER BY id [0]"),
                format!("{BOOK} WHERE title = ? ORDER BY id ['Dune']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn a_nullable_column_compares_with_a_plain_value() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        assert_eq!(author_ids(&session, Author::country.eq("FR"))?, [1, 4]);
        assert_eq!(author_ids(&session, Author::born.gt(1960))?, [3, 4, 5]);
        // NULL is neither equal nor unequal to a value.
        assert_eq!(author_ids(&session, Author::country.ne("FR"))?, [2, 5]);
        assert_eq!(author_ids(&session, Author::country.eq(None::<String>))?, [3]);
        assert_eq!(author_ids(&session, Author::country.ne(None::<String>))?, [1, 2, 4, 5]);
        assert_eq!(author_ids(&session, Author::born.is_null())?, [2]);
        assert_eq!(author_ids(&session, Author::born.is_not_null())?, [1, 3, 4, 5]);
        let country = String::from("DE");
        assert_eq!(author_ids(&session, Author::country.eq(&country))?, [2]);
        assert_eq!(author_ids(&session, Author::country.eq(Some(country)))?, [2]);
        assert_eq!(
            selects(&engine),
            [
                format!("{AUTHOR} WHERE country = ? ORDER BY id ['FR']"),
                format!("{AUTHOR} WHERE born > ? ORDER BY id [1960]"),
                format!("{AUTHOR} WHERE country <> ? ORDER BY id ['FR']"),
                format!("{AUTHOR} WHERE country IS NULL ORDER BY id"),
                format!("{AUTHOR} WHERE country IS NOT NULL ORDER BY id"),
                format!("{AUTHOR} WHERE born IS NULL ORDER BY id"),
                format!("{AUTHOR} WHERE born IS NOT NULL ORDER BY id"),
                format!("{AUTHOR} WHERE country = ? ORDER BY id ['DE']"),
                format!("{AUTHOR} WHERE country = ? ORDER BY id ['DE']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn lists() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        assert_eq!(book_ids(&session, Book::year.in_([2021, 1965, 1800]))?, [1, 4]);
        assert_eq!(book_ids(&session, Book::year.not_in(vec![2021, 1965]))?, [2, 3, 5, 6]);
        assert_eq!(author_ids(&session, Author::country.in_(["FR", "UK"]))?, [1, 4, 5]);
        // Any iterator.
        assert_eq!(book_ids(&session, Book::id.in_((2..4).map(Some)))?, [2, 3]);
        // Empty lists: no row, every row; never `IN ()`.
        assert_eq!(book_ids(&session, Book::year.in_(Vec::<i64>::new()))?, Vec::<i64>::new());
        assert_eq!(book_ids(&session, Book::year.not_in(Vec::<i64>::new()))?, [1, 2, 3, 4, 5, 6]);
        assert_eq!(
            book_ids(&session, Book::in_print.eq(true).and(Book::year.in_(Vec::<i64>::new())))?,
            Vec::<i64>::new()
        );
        assert_eq!(
            book_ids(&session, Book::in_print.eq(false).or(Book::year.in_(Vec::<i64>::new())))?,
            [2, 5]
        );
        assert_eq!(
            selects(&engine),
            [
                format!("{BOOK} WHERE year IN (?, ?, ?) ORDER BY id [2021, 1965, 1800]"),
                format!("{BOOK} WHERE year NOT IN (?, ?) ORDER BY id [2021, 1965]"),
                format!("{AUTHOR} WHERE country IN (?, ?) ORDER BY id ['FR', 'UK']"),
                format!("{BOOK} WHERE id IN (?, ?) ORDER BY id [2, 3]"),
                format!("{BOOK} WHERE 1 = 0 ORDER BY id"),
                format!("{BOOK} ORDER BY id"),
                format!("{BOOK} WHERE 1 = 0 ORDER BY id"),
                format!("{BOOK} WHERE in_print = ? ORDER BY id [0]"),
            ]
        );
        Ok(())
    }

    #[test]
    fn long_lists_share_statement_texts() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // Beyond 8 values, placeholders come in powers of two, the last value repeated.
        assert_eq!(book_ids(&session, Book::id.in_((1..=10).map(Some)))?, [1, 2, 3, 4, 5, 6]);
        assert_eq!(book_ids(&session, Book::id.in_((3..=14).map(Some)))?, [3, 4, 5, 6]);
        let statements = selects(&engine);
        let placeholders = format!("({})", vec!["?"; 16].join(", "));
        assert_eq!(
            statements[0],
            format!(
                "{BOOK} WHERE id IN {placeholders} ORDER BY id [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 10]"
            )
        );
        assert!(statements[1].starts_with(&format!("{BOOK} WHERE id IN {placeholders} ORDER BY id [3, 4,")));
        Ok(())
    }

    #[test]
    fn lists_beyond_the_parameter_limit() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let many: Vec<i64> = (1..=70_000).collect();
        // One list in the WHERE's conjunction, no order or window: several
        // statements, each under the limit, give the same rows.
        let found = session
            .query::<Book>()
            .filter(Book::year.in_(many.clone()) & Book::in_print.eq(true))
            .all()?;
        let mut ids: Vec<i64> = found.iter().filter_map(|b| b.borrow().id).collect();
        ids.sort_unstable();
        assert_eq!(ids, [1, 3, 4, 6]);
        let statements = selects(&engine);
        assert!(statements.len() >= 2, "{} statements", statements.len());
        assert_eq!(
            session.query::<Book>().filter(Book::year.in_(many.clone())).count()?,
            6
        );
        assert!(session.query::<Book>().filter(Book::year.in_(many.clone())).exists()?);
        assert_eq!(
            session
                .query::<Book>()
                .filter(Book::year.in_(many.clone()) & Book::title.eq("Dune"))
                .one()?
                .borrow()
                .year,
            1965
        );
        // What several statements cannot answer is refused before any SQL.
        engine.take_recorded();
        let ordered = session
            .query::<Book>()
            .filter(Book::year.in_(many.clone()))
            .order_by(Book::year)
            .all();
        assert!(matches!(ordered, Err(Error::TooManyParameters { model: "Book", .. })), "{ordered:?}");
        let negated = session.query::<Book>().filter(Book::year.not_in(many)).all();
        assert!(matches!(negated, Err(Error::TooManyParameters { .. })), "{negated:?}");
        assert!(selects(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn patterns_are_case_sensitive_and_escaped() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // LIKE is case-sensitive on both backends.
        assert_eq!(book_ids(&session, Book::title.like("Rust%"))?, [1]);
        assert_eq!(book_ids(&session, Book::title.like("%ust%"))?, [1, 2, 5]);
        assert_eq!(book_ids(&session, Book::title.not_like("%ust%"))?, [3, 4, 6]);
        // starts_with / ends_with / contains take their text literally.
        assert_eq!(book_ids(&session, Book::title.starts_with("100%"))?, [2]);
        assert_eq!(book_ids(&session, Book::title.starts_with("10_"))?, Vec::<i64>::new());
        assert_eq!(book_ids(&session, Book::title.contains("e_c"))?, [3]);
        assert_eq!(book_ids(&session, Book::title.contains("a/b"))?, [6]);
        assert_eq!(book_ids(&session, Book::title.ends_with("Rust"))?, [2]);
        // `_` unescaped matches any character: `snake_case` and `snakeXcase` alike.
        assert_eq!(book_ids(&session, Book::title.like("snake_case%"))?, [3]);
        assert_eq!(
            selects(&engine),
            [
                format!("{BOOK} WHERE title LIKE ? ORDER BY id ['Rust%']"),
                format!("{BOOK} WHERE title LIKE ? ORDER BY id ['%ust%']"),
                format!("{BOOK} WHERE title NOT LIKE ? ORDER BY id ['%ust%']"),
                format!("{BOOK} WHERE title LIKE ? ESCAPE '/' ORDER BY id ['100/%%']"),
                format!("{BOOK} WHERE title LIKE ? ESCAPE '/' ORDER BY id ['10/_%']"),
                format!("{BOOK} WHERE title LIKE ? ESCAPE '/' ORDER BY id ['%e/_c%']"),
                format!("{BOOK} WHERE title LIKE ? ESCAPE '/' ORDER BY id ['%a//b%']"),
                format!("{BOOK} WHERE title LIKE ? ESCAPE '/' ORDER BY id ['%Rust']"),
                format!("{BOOK} WHERE title LIKE ? ORDER BY id ['snake_case%']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn case_insensitive_patterns() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        assert_eq!(book_ids(&session, Book::title.ilike("RUST%"))?, [1, 5]);
        assert_eq!(book_ids(&session, Book::title.not_ilike("%rust%"))?, [3, 4, 6]);
        assert_eq!(book_ids(&session, Book::title.icontains("RUST"))?, [1, 2, 5]);
        assert_eq!(book_ids(&session, Book::title.istarts_with("100%"))?, [2]);
        assert_eq!(book_ids(&session, Book::title.iends_with("NAILS"))?, [5]);
        assert_eq!(author_ids(&session, Author::name.istarts_with("B"))?, [2]);
        assert_eq!(author_ids(&session, Author::country.icontains("f"))?, [1, 4]);
        assert_eq!(
            selects(&engine)[..3],
            [
                format!("{BOOK} WHERE lower(title) LIKE lower(?) ORDER BY id ['RUST%']"),
                format!("{BOOK} WHERE lower(title) NOT LIKE lower(?) ORDER BY id ['%rust%']"),
                format!("{BOOK} WHERE lower(title) LIKE lower(?) ESCAPE '/' ORDER BY id ['%RUST%']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn and_or_not_group_as_written() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // (year < 2000 OR rating >= 4.5) AND in_print
        let a = Book::year.lt(2000).or(Book::rating.ge(4.5)).and(Book::in_print.eq(true));
        assert_eq!(book_ids(&session, a)?, [1, 4]);
        // year < 2000 OR (rating >= 4.5 AND in_print), with operators
        let b = Book::year.lt(2000) | (Book::rating.ge(4.5) & Book::in_print.eq(true));
        assert_eq!(book_ids(&session, b)?, [1, 4, 5]);
        // Negation of single tests flips them; of a group wraps it.
        let c = !Book::year.lt(2000) & !Book::title.contains("Rust");
        assert_eq!(book_ids(&session, c)?, [3, 6]);
        let d = !(Book::year.lt(2000) | Book::in_print.eq(false));
        assert_eq!(book_ids(&session, d)?, [1, 3, 6]);
        let e = Book::year.between(2000, 2020).not().or(Book::id.in_([Some(3)]).not().not());
        assert_eq!(book_ids(&session, e)?, [1, 3, 4, 5]);
        // Filters of several calls are ANDed, each group kept whole.
        let f = session
            .query::<Book>()
            .filter(Book::in_print.eq(true) | Book::year.gt(2015))
            .filter(Book::rating.lt(4.0) | Book::year.eq(1965))
            .order_by(Book::id)
            .all()?;
        assert_eq!(f.iter().filter_map(|b| b.borrow().id).collect::<Vec<_>>(), [2, 3, 4, 6]);
        assert_eq!(
            selects(&engine),
            [
                format!("{BOOK} WHERE (year < ? OR rating >= ?) AND in_print = ? ORDER BY id [2000, 4.5, 1]"),
                format!("{BOOK} WHERE year < ? OR (rating >= ? AND in_print = ?) ORDER BY id [2000, 4.5, 1]"),
                format!("{BOOK} WHERE year >= ? AND title NOT LIKE ? ESCAPE '/' ORDER BY id [2000, '%Rust%']"),
                format!("{BOOK} WHERE NOT (year < ? OR in_print = ?) ORDER BY id [2000, 0]"),
                format!("{BOOK} WHERE year NOT BETWEEN ? AND ? OR id IN (?) ORDER BY id [2000, 2020, 3]"),
                format!("{BOOK} WHERE (in_print = ? OR year > ?) AND (rating < ? OR year = ?) ORDER BY id [1, 2015, 4.0, 1965]"),
            ]
        );
        // Constant conditions fold away.
        assert_eq!(book_ids(&session, Filter::always())?.len(), 6);
        assert!(book_ids(&session, Filter::never())?.is_empty());
        assert_eq!(book_ids(&session, !Filter::never() & Book::year.eq(1965))?, [4]);
        assert_eq!(book_ids(&session, Filter::never() | Book::year.eq(1965))?, [4]);
        assert_eq!(
            selects(&engine),
            [
                format!("{BOOK} ORDER BY id"),
                format!("{BOOK} WHERE 1 = 0 ORDER BY id"),
                format!("{BOOK} WHERE year = ? ORDER BY id [1965]"),
                format!("{BOOK} WHERE year = ? ORDER BY id [1965]"),
            ]
        );
        Ok(())
    }

    #[test]
    fn ordering() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let names = |authors: Vec<Obj<Author>>| -> Vec<String> {
            authors.iter().map(|a| a.borrow().name.clone()).collect()
        };
        let by_country = session
            .query::<Author>()
            .order_by(Author::country.asc().nulls_first())
            .order_by(Author::name.desc())
            .all()?;
        assert_eq!(names(by_country), ["Cid", "bob", "Dee", "Ann", "Eve"]);
        let nulls_last = session
            .query::<Author>()
            .order_by(Author::born.desc().nulls_last())
            .all()?;
        assert_eq!(names(nulls_last), ["Dee", "Cid", "Eve", "Ann", "bob"]);
        let born_first = session
            .query::<Author>()
            .order_by(Author::born.asc().nulls_last())
            .all()?;
        assert_eq!(names(born_first), ["Ann", "Eve", "Cid", "Dee", "bob"]);
        let older = session.query::<Author>().order_by_desc(Author::id).all()?;
        assert_eq!(names(older), ["Eve", "Dee", "Cid", "bob", "Ann"]);
        assert_eq!(
            selects(&engine),
            [
                format!("{AUTHOR} ORDER BY country NULLS FIRST, name DESC"),
                format!("{AUTHOR} ORDER BY born DESC NULLS LAST"),
                format!("{AUTHOR} ORDER BY born NULLS LAST"),
                format!("{AUTHOR} ORDER BY id DESC"),
            ]
        );
        Ok(())
    }

    #[test]
    fn first_one_and_one_or_none() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let first = session.query::<Book>().order_by(Book::year).first()?.unwrap();
        assert_eq!(first.borrow().title, "Dune");
        assert!(session.query::<Book>().filter(Book::year.gt(3000)).first()?.is_none());
        let dune = session.query::<Book>().filter(Book::year.eq(1965)).one()?;
        assert!(dune.ptr_eq(&first), "the identity map's object");
        let none = session.query::<Book>().filter(Book::year.gt(3000)).one();
        assert!(matches!(none, Err(Error::NoResultFound { model: "Book" })), "{none:?}");
        let several = session.query::<Book>().filter(Book::in_print.eq(true)).one();
        assert!(matches!(several, Err(Error::MultipleResultsFound { model: "Book" })), "{several:?}");
        assert!(session.query::<Book>().filter(Book::year.gt(3000)).one_or_none()?.is_none());
        assert!(session.query::<Book>().filter(Book::year.eq(1965)).one_or_none()?.is_some());
        let several = session.query::<Book>().one_or_none();
        assert!(matches!(several, Err(Error::MultipleResultsFound { .. })), "{several:?}");
        // A limit of the query's own is kept when it is smaller.
        assert!(session.query::<Book>().limit(1).one_or_none()?.is_some());
        assert_eq!(
            selects(&engine),
            [
                format!("{BOOK} ORDER BY year LIMIT ? OFFSET ? [1, 0]"),
                format!("{BOOK} WHERE year > ? LIMIT ? OFFSET ? [3000, 1, 0]"),
                format!("{BOOK} WHERE year = ? LIMIT ? OFFSET ? [1965, 2, 0]"),
                format!("{BOOK} WHERE year > ? LIMIT ? OFFSET ? [3000, 2, 0]"),
                format!("{BOOK} WHERE in_print = ? LIMIT ? OFFSET ? [1, 2, 0]"),
                format!("{BOOK} WHERE year > ? LIMIT ? OFFSET ? [3000, 2, 0]"),
                format!("{BOOK} WHERE year = ? LIMIT ? OFFSET ? [1965, 2, 0]"),
                format!("{BOOK} LIMIT ? OFFSET ? [2, 0]"),
                format!("{BOOK} LIMIT ? OFFSET ? [1, 0]"),
            ]
        );
        Ok(())
    }

    #[test]
    fn count_exists_and_distinct() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        assert_eq!(session.query::<Book>().count()?, 6);
        assert_eq!(session.query::<Book>().filter(Book::in_print.eq(true)).count()?, 4);
        assert_eq!(session.query::<Book>().order_by(Book::id).offset(4).count()?, 2);
        assert_eq!(session.query::<Book>().distinct().count()?, 6);
        assert!(session.query::<Book>().filter(Book::title.eq("Dune")).exists()?);
        assert!(!session.query::<Book>().filter(Book::title.eq("Emma")).exists()?);
        assert!(!session.query::<Book>().offset(6).exists()?);
        let distinct = session
            .query::<Book>()
            .distinct()
            .filter(Book::year.lt(2000))
            .order_by(Book::year)
            .all()?;
        assert_eq!(distinct.len(), 2);
        assert_eq!(
            selects(&engine),
            [
                "SELECT count(*) FROM book".to_owned(),
                "SELECT count(*) FROM book WHERE in_print = ? [1]".to_owned(),
                format!("SELECT count(*) FROM ({BOOK} ORDER BY id LIMIT ? OFFSET ?) AS counted [9223372036854775807, 4]"),
                "SELECT count(*) FROM (SELECT DISTINCT id, title, year, rating, in_print FROM book) AS counted".to_owned(),
                "SELECT 1 FROM book WHERE title = ? LIMIT ? OFFSET ? ['Dune', 1, 0]".to_owned(),
                "SELECT 1 FROM book WHERE title = ? LIMIT ? OFFSET ? ['Emma', 1, 0]".to_owned(),
                "SELECT 1 FROM book LIMIT ? OFFSET ? [1, 6]".to_owned(),
                "SELECT DISTINCT id, title, year, rating, in_print FROM book WHERE year < ? ORDER BY year [2000]".to_owned(),
            ]
        );
        Ok(())
    }

    #[test]
    fn the_statement_cache_keys_on_the_shape() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // The same column with a value, then NULL: two shapes, two texts.
        assert_eq!(author_ids(&session, Author::born.eq(1950))?, [1]);
        assert_eq!(author_ids(&session, Author::born.eq(None::<i64>))?, [2]);
        assert_eq!(author_ids(&session, Author::born.eq(1990))?, [4]);
        // Same leaves, other grouping.
        let x = || Author::born.gt(1960);
        let y = || Author::country.eq("FR");
        let z = || Author::name.eq("Ann");
        assert_eq!(author_ids(&session, (x() & y()) | z())?, [1, 4]);
        assert_eq!(author_ids(&session, x() & (y() | z()))?, [4]);
        // Other operators on the same column.
        assert_eq!(author_ids(&session, Author::name.like("E%"))?, [5]);
        assert_eq!(author_ids(&session, Author::name.ilike("e%"))?, [5]);
        assert_eq!(author_ids(&session, Author::name.starts_with("E"))?, [5]);
        assert_eq!(
            selects(&engine),
            [
                format!("{AUTHOR} WHERE born = ? ORDER BY id [1950]"),
                format!("{AUTHOR} WHERE born IS NULL ORDER BY id"),
                format!("{AUTHOR} WHERE born = ? ORDER BY id [1990]"),
                format!("{AUTHOR} WHERE (born > ? AND country = ?) OR name = ? ORDER BY id [1960, 'FR', 'Ann']"),
                format!("{AUTHOR} WHERE born > ? AND (country = ? OR name = ?) ORDER BY id [1960, 'FR', 'Ann']"),
                format!("{AUTHOR} WHERE name LIKE ? ORDER BY id ['E%']"),
                format!("{AUTHOR} WHERE lower(name) LIKE lower(?) ORDER BY id ['e%']"),
                format!("{AUTHOR} WHERE name LIKE ? ESCAPE '/' ORDER BY id ['E%']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn quoted_identifiers_and_bound_values() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Order>().build()?;
        let (engine, session) = setup(&registry);
        session.add(&Obj::new(Order { select: "x'); DROP TABLE \"order\"; --".into(), ..Default::default() }))?;
        session.commit()?;
        engine.take_recorded();
        let found = session
            .query::<Order>()
            .filter(Order::select.eq("x'); DROP TABLE \"order\"; --") | Order::select.contains("'"))
            .order_by(Order::select.desc())
            .all()?;
        assert_eq!(found.len(), 1);
        assert_eq!(
            selects(&engine),
            [r#"SELECT id, "select" FROM "order" WHERE "select" = ? OR "select" LIKE ? ESCAPE '/' ORDER BY "select" DESC ['x''); DROP TABLE "order"; --', '%''%']"#]
        );
        Ok(())
    }
}

/// A table and a column named by SQL keywords.
#[derive(Model, Debug, Default)]
#[model(table = "order")]
pub struct Order {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub select: String,
}
