//! Selecting columns and aggregates as typed values: `session.select(..)`
//! and `query.select(..)` with joins, `group_by`, `having`, ordering on
//! aggregates and paging, on both backends; the SQL sent and the values
//! read back.

#[macro_use]
mod common;

use common::{backend, selects, setup, Backend};
use orm_core::prelude::*;
use orm_core::{avg, count, count_all, count_distinct, max, min, sum, Error};

#[derive(Model, Debug, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub country: Option<String>,
    #[relationship(back_populates = "author")]
    pub books: Many<Book>,
}

#[derive(Model, Debug, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "author.id")]
    pub author_id: Option<i64>,
    pub title: String,
    pub year: i32,
    pub copies: i32,
    pub price: f64,
    pub pages: Option<i64>,
    #[relationship(back_populates = "books")]
    pub author: One<Author>,
    #[relationship(secondary = BookTag)]
    pub tags: Many<Tag>,
}

#[derive(Table)]
pub struct BookTag {
    #[column(primary_key, foreign_key = "book.id")]
    pub book_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}

#[derive(Model, Debug, Default)]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Author>().build().unwrap()
}

/// Ann (FR): "A1" 1999 (3 copies, 10.0, 300 pages, sf), "A2" 2021 (4, 20.0,
/// no pages, sf + classic), "A3" 2022 (1, 30.0, 100 pages); Bob (no
/// country): "B1" 1980 (10, 5.0, 200 pages, classic); Cid (DE): none.
fn stored(engine: &Engine, session: &Session) -> orm_core::Result<()> {
    let tag = |name: &str| {
        Obj::new(Tag {
            name: name.into(),
            ..Default::default()
        })
    };
    let (sf, classic) = (tag("sf"), tag("classic"));
    let book = |title: &str, year, copies, price, pages, tags: &[&Obj<Tag>]| {
        let b = Obj::new(Book {
            title: title.into(),
            year,
            copies,
            price,
            pages,
            ..Default::default()
        });
        for t in tags {
            b.append(Book::tags, t)?;
        }
        Ok::<_, Error>(b)
    };
    let authors = [
        (
            "Ann",
            Some("FR"),
            vec![
                book("A1", 1999, 3, 10.0, Some(300), &[&sf])?,
                book("A2", 2021, 4, 20.0, None, &[&sf, &classic])?,
                book("A3", 2022, 1, 30.0, Some(100), &[])?,
            ],
        ),
        (
            "Bob",
            None,
            vec![book("B1", 1980, 10, 5.0, Some(200), &[&classic])?],
        ),
        ("Cid", Some("DE"), vec![]),
    ];
    for (name, country, books) in authors {
        let a = Obj::new(Author {
            name: name.into(),
            country: country.map(Into::into),
            ..Default::default()
        });
        for b in &books {
            a.append(Author::books, b)?;
        }
        session.add(&a)?;
    }
    session.commit()?;
    engine.take_recorded();
    Ok(())
}

/// count(*), sum, avg, min, max of the books, max title, sum of prices and of pages.
type Totals = (
    i64,
    Option<i64>,
    Option<f64>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<f64>,
    Option<i64>,
);

/// The dialect's integer and real type names, as casts spell them.
fn types() -> (&'static str, &'static str) {
    match backend() {
        Backend::Sqlite => ("INTEGER", "REAL"),
        Backend::Postgres => ("BIGINT", "DOUBLE PRECISION"),
    }
}

backend_tests! {
    #[test]
    fn grouped_counts_along_a_join_with_having_order_and_limit() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let rows: Vec<(String, i64)> = session
            .select((Author::name, count(Book::id)))
            .join(Author::books)
            .filter(Book::year.gt(1970))
            .group_by(Author::name)
            .having(count(Book::id).ge(1))
            .order_by(count(Book::id).desc())
            .order_by(Author::name)
            .limit(5)
            .all()?;
        assert_eq!(rows, [("Ann".to_owned(), 3), ("Bob".to_owned(), 1)]);
        let busy = session
            .select((Author::name, count(Book::id)))
            .join(Author::books)
            .group_by(Author::name)
            .having(count(Book::id).gt(1))
            .all()?;
        assert_eq!(busy, [("Ann".to_owned(), 3)]);
        assert_eq!(
            selects(&engine),
            [
                "SELECT author.name, count(book.id) FROM author JOIN book ON author.id = book.author_id WHERE book.year > ? GROUP BY author.name HAVING count(book.id) >= ? ORDER BY count(book.id) DESC, author.name LIMIT ? OFFSET ? [1970, 1, 5, 0]",
                "SELECT author.name, count(book.id) FROM author JOIN book ON author.id = book.author_id GROUP BY author.name HAVING count(book.id) > ? [1]",
            ]
        );
        Ok(())
    }

    #[test]
    fn aggregates_read_back_as_their_rust_types() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        // Over no row: counts are 0, the others NULL.
        let empty: (i64, Option<i64>, Option<f64>, Option<i32>, Option<String>) = session
            .select((count(Book::id), sum(Book::copies), avg(Book::copies), max(Book::year), min(Book::title)))
            .one()?;
        assert_eq!(empty, (0, None, None, None, None));
        let (int, real) = types();
        assert_eq!(
            selects(&engine),
            [format!("SELECT count(id), CAST(sum(copies) AS {int}), CAST(avg(copies) AS {real}), max(year), min(title) FROM book LIMIT ? OFFSET ? [2, 0]")]
        );
        stored(&engine, &session)?;
        let (n, copies, mean, first, last, titles, money, pages): Totals = session
            .query::<Book>()
            .select((
                count_all(),
                sum(Book::copies),
                avg(Book::copies),
                min(Book::year),
                max(Book::year),
                max(Book::title),
                sum(Book::price),
                sum(Book::pages),
            ))
            .one()?;
        assert_eq!((n, copies, first, last), (4, Some(18), Some(1980), Some(2022)));
        assert_eq!(mean, Some(4.5));
        assert_eq!(titles.as_deref(), Some("B1"));
        assert_eq!(money, Some(65.0));
        assert_eq!(pages, Some(600), "NULL pages are left out of the sum");
        // count(column) skips NULLs, count(DISTINCT ..) repeats.
        let (with_pages, countries, distinct_years): (i64, i64, i64) = session
            .query::<Book>()
            .join(Book::author)
            .select((count(Book::pages), count_distinct(Author::country), count_distinct(Book::year)))
            .one()?;
        assert_eq!((with_pages, countries, distinct_years), (3, 1, 4));
        assert_eq!(
            selects(&engine),
            [
                // `one` asks for two rows, to tell one from several.
                format!("SELECT count(*), CAST(sum(copies) AS {int}), CAST(avg(copies) AS {real}), min(year), max(year), max(title), sum(price), CAST(sum(pages) AS {int}) FROM book LIMIT ? OFFSET ? [2, 0]"),
                "SELECT count(book.pages), count(DISTINCT author.country), count(DISTINCT book.year) FROM book JOIN author ON book.author_id = author.id LIMIT ? OFFSET ? [2, 0]".to_owned(),
            ]
        );
        Ok(())
    }

    #[test]
    fn single_columns_come_back_as_plain_values() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let titles: Vec<String> = session
            .select(Book::title)
            .filter(Book::year.ge(1999))
            .order_by(Book::year.desc())
            .offset(1)
            .limit(2)
            .all()?;
        assert_eq!(titles, ["A2", "A1"]);
        let countries: Vec<Option<String>> = session
            .select(Author::country)
            .order_by(Author::country.asc().nulls_first())
            .all()?;
        assert_eq!(countries, [None, Some("DE".to_owned()), Some("FR".to_owned())]);
        let years: Vec<i32> = session
            .query::<Book>()
            .join(Book::author)
            .filter(Author::name.eq("Ann"))
            .order_by(Book::year)
            .select(Book::year)
            .distinct()
            .all()?;
        assert_eq!(years, [1999, 2021, 2022]);
        assert_eq!(
            selects(&engine),
            [
                "SELECT title FROM book WHERE year >= ? ORDER BY year DESC LIMIT ? OFFSET ? [1999, 2, 1]",
                "SELECT country FROM author ORDER BY country NULLS FIRST",
                "SELECT DISTINCT book.year FROM book JOIN author ON book.author_id = author.id WHERE author.name = ? ORDER BY book.year ['Ann']",
            ]
        );
        Ok(())
    }

    #[test]
    fn first_one_and_one_or_none() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let newest = session.select((Book::title, Book::year)).order_by(Book::year.desc()).first()?;
        assert_eq!(newest, Some(("A3".to_owned(), 2022)));
        let none = session.select(Book::title).filter(Book::year.gt(3000)).first()?;
        assert_eq!(none, None);
        let bob: String = session.select(Author::name).filter(Author::country.is_null()).one()?;
        assert_eq!(bob, "Bob");
        let missing = session.select(Author::name).filter(Author::name.eq("Zed")).one();
        assert!(matches!(missing, Err(Error::NoResultFound { model: "Author" })), "{missing:?}");
        let several = session.select(Author::name).one_or_none();
        assert!(matches!(several, Err(Error::MultipleResultsFound { model: "Author" })), "{several:?}");
        assert_eq!(session.select(Author::name).filter(Author::name.eq("Zed")).one_or_none()?, None);
        let sql = selects(&engine);
        assert_eq!(sql[0], "SELECT title, year FROM book ORDER BY year DESC LIMIT ? OFFSET ? [1, 0]");
        assert_eq!(sql[2], "SELECT name FROM author WHERE country IS NULL LIMIT ? OFFSET ? [2, 0]");
        Ok(())
    }

    #[test]
    fn having_over_several_aggregates_count_all_and_grouped_columns() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // Authors with more than 5 copies in all, or a book after 2020.
        let rows: Vec<(String, Option<i64>, Option<i32>)> = session
            .select((Author::name, sum(Book::copies), max(Book::year)))
            .join(Author::books)
            .group_by(Author::name)
            .having(sum(Book::copies).gt(5) | max(Book::year).gt(2020))
            .having(count_all().between(1, 10))
            .having(Author::name.ne("Zed"))
            .order_by(max(Book::year).desc().nulls_last())
            .all()?;
        assert_eq!(rows, [("Ann".to_owned(), Some(8), Some(2022)), ("Bob".to_owned(), Some(10), Some(1980))]);
        // Negated, and an empty IN list.
        let quiet: Vec<String> = session
            .select(Author::name)
            .join(Author::books)
            .group_by(Author::name)
            .having(!count(Book::id).gt(1))
            .all()?;
        assert_eq!(quiet, ["Bob"]);
        let nothing: Vec<String> = session
            .select(Author::name)
            .join(Author::books)
            .group_by(Author::name)
            .having(count(Book::id).in_(Vec::<i64>::new()))
            .all()?;
        assert!(nothing.is_empty());
        let (int, _) = types();
        assert_eq!(
            selects(&engine),
            [
                format!("SELECT author.name, CAST(sum(book.copies) AS {int}), max(book.year) FROM author JOIN book ON author.id = book.author_id GROUP BY author.name HAVING (CAST(sum(book.copies) AS {int}) > ? OR max(book.year) > ?) AND count(*) BETWEEN ? AND ? AND author.name <> ? ORDER BY max(book.year) DESC NULLS LAST [5, 2020, 1, 10, 'Zed']"),
                "SELECT author.name FROM author JOIN book ON author.id = book.author_id GROUP BY author.name HAVING count(book.id) <= ? [1]".to_owned(),
                "SELECT author.name FROM author JOIN book ON author.id = book.author_id GROUP BY author.name HAVING 1 = 0".to_owned(),
            ]
        );
        Ok(())
    }

    #[test]
    fn many_to_many_groups_and_chained_joins() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let per_tag: Vec<(String, i64, Option<f64>)> = session
            .query::<Book>()
            .join(Book::tags)
            .select((Tag::name, count(Book::id), avg(Book::price)))
            .group_by(Tag::name)
            .order_by(Tag::name)
            .all()?;
        assert_eq!(per_tag, [("classic".to_owned(), 2, Some(12.5)), ("sf".to_owned(), 2, Some(15.0))]);
        // Authors by tag, through two joins.
        let pairs: Vec<(String, String)> = session
            .select((Author::name, Tag::name))
            .join(Author::books)
            .join(Book::tags)
            .distinct()
            .order_by(Author::name)
            .order_by(Tag::name)
            .all()?;
        assert_eq!(
            pairs,
            [
                ("Ann".to_owned(), "classic".to_owned()),
                ("Ann".to_owned(), "sf".to_owned()),
                ("Bob".to_owned(), "classic".to_owned()),
            ]
        );
        let (_, real) = types();
        assert_eq!(
            selects(&engine),
            [
                format!("SELECT tag.name, count(book.id), CAST(avg(book.price) AS {real}) FROM book JOIN book_tag ON book.id = book_tag.book_id JOIN tag ON book_tag.tag_id = tag.id GROUP BY tag.name ORDER BY tag.name"),
                "SELECT DISTINCT author.name, tag.name FROM author JOIN book ON author.id = book.author_id JOIN book_tag ON book.id = book_tag.book_id JOIN tag ON book_tag.tag_id = tag.id ORDER BY author.name, tag.name".to_owned(),
            ]
        );
        Ok(())
    }

    #[test]
    fn a_value_that_does_not_convert_names_its_column_and_long_lists_are_refused() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // `year` is an i32 field; a stored value beyond it reads back as an error.
        engine.execute("UPDATE book SET year = 10000000000 WHERE title = 'B1'", &[])?;
        let out_of_range = session.select((Book::title, Book::year)).all();
        assert!(
            matches!(&out_of_range, Err(Error::Column { model: "Book", column: "year", .. })),
            "{out_of_range:?}"
        );
        let max_year = session.select(max(Book::year)).one();
        assert!(matches!(&max_year, Err(Error::Column { model: "Book", column: "year", .. })), "{max_year:?}");
        engine.take_recorded();
        let ids: Vec<i64> = (0..70_000).collect();
        let refused = session.select(Book::title).filter(Book::id.in_(ids)).all();
        assert!(matches!(refused, Err(Error::TooManyParameters { model: "Book", .. })), "{refused:?}");
        assert!(selects(&engine).is_empty(), "refused before any SQL");
        Ok(())
    }

    #[test]
    fn selected_values_bypass_the_identity_map() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // A loaded object changed in memory, not flushed: the select reads the row.
        let ann = session.query::<Author>().filter(Author::name.eq("Ann")).one()?;
        ann.borrow_mut().name = "Anne".into();
        let names: Vec<String> = session.select(Author::name).order_by(Author::name).all()?;
        assert_eq!(names, ["Ann", "Bob", "Cid"]);
        session.flush()?;
        let names: Vec<String> = session.select(Author::name).order_by(Author::name).all()?;
        assert_eq!(names, ["Anne", "Bob", "Cid"]);
        assert_eq!(ann.borrow().name, "Anne");
        Ok(())
    }
}
