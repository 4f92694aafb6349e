//! A library catalogue, queried: authors, books with tags through a
//! secondary table, readers, and loans as an association object (a model
//! of its own with the date of the loan and whether the book came back).
//!
//! It runs on in-memory SQLite with echo on, so every statement is printed
//! as it is sent, and checks every answer with `assert!`: it fails loudly
//! if the library gets one wrong. It shows filters, joins along
//! relationships, `any`/`has`, columns and aggregates with `group_by` and
//! `having`, a bulk update, pagination and raw SQL into objects.
//!
//! Run with `cargo run --example catalogue`.

use orm_core::prelude::*;
use orm_core::{count, count_distinct, max, min, sum};

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
    #[relationship(back_populates = "books")]
    pub author: One<Author>,
    #[relationship(secondary = BookTag)]
    pub tags: Many<Tag>,
    #[relationship(back_populates = "book", cascade = "all, delete-orphan")]
    pub loans: Many<Loan>,
}

/// The secondary table of `Book::tags`: no data of its own.
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

#[derive(Model, Debug, Default)]
pub struct Reader {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "reader", cascade = "all, delete-orphan")]
    pub loans: Many<Loan>,
}

/// A loan: the association object between a book and a reader, with data
/// of its own.
#[derive(Model, Debug, Default)]
pub struct Loan {
    #[column(primary_key, foreign_key = "book.id")]
    pub book_id: Option<i64>,
    #[column(primary_key, foreign_key = "reader.id")]
    pub reader_id: Option<i64>,
    /// ISO date, so that text order is date order.
    pub loaned_on: String,
    pub returned: bool,
    #[relationship(back_populates = "loans")]
    pub book: One<Book>,
    #[relationship(back_populates = "loans")]
    pub reader: One<Reader>,
}

/// An author's name, number of books, copies in all, first and last year.
type Span = (String, i64, Option<i64>, Option<i32>, Option<i32>);

fn titles(books: &[Obj<Book>]) -> Vec<String> {
    books.iter().map(|b| b.borrow().title.clone()).collect()
}

fn section(title: &str) {
    println!("\n== {title}");
}

/// Authors, books, tags, readers and loans.
fn stock(session: &Session) -> orm_core::Result<()> {
    let tag = |name: &str| {
        Obj::new(Tag {
            name: name.into(),
            ..Default::default()
        })
    };
    let (sf, classic, crime) = (tag("sf"), tag("classic"), tag("crime"));
    let catalogue = [
        (
            "Ursula K. Le Guin",
            Some("US"),
            vec![
                ("The Left Hand of Darkness", 1969, 3, vec![&sf, &classic]),
                ("The Dispossessed", 1974, 2, vec![&sf]),
                ("A Wizard of Earthsea", 1968, 4, vec![&classic]),
            ],
        ),
        (
            "Agatha Christie",
            Some("GB"),
            vec![
                (
                    "Murder on the Orient Express",
                    1934,
                    5,
                    vec![&crime, &classic],
                ),
                ("The ABC Murders", 1936, 1, vec![&crime]),
            ],
        ),
        (
            "Liu Cixin",
            Some("CN"),
            vec![("The Three-Body Problem", 2008, 6, vec![&sf])],
        ),
        ("Anonymous", None, vec![]),
    ];
    let mut books = Vec::new();
    for (name, country, written) in catalogue {
        let author = Obj::new(Author {
            name: name.into(),
            country: country.map(Into::into),
            ..Default::default()
        });
        for (title, year, copies, tags) in written {
            let book = Obj::new(Book {
                title: title.into(),
                year,
                copies,
                ..Default::default()
            });
            for t in tags {
                book.append(Book::tags, t)?;
            }
            author.append(Author::books, &book)?;
            books.push(book);
        }
        session.add(&author)?;
    }
    let reader = |name: &str| {
        Obj::new(Reader {
            name: name.into(),
            ..Default::default()
        })
    };
    let (ada, bo) = (reader("Ada"), reader("Bo"));
    let lend = |book: &Obj<Book>, reader: &Obj<Reader>, on: &str, returned: bool| {
        let loan = Obj::new(Loan {
            loaned_on: on.into(),
            returned,
            ..Default::default()
        });
        loan.set(Loan::book, book)?;
        loan.set(Loan::reader, reader)?;
        Ok::<_, orm_core::Error>(loan)
    };
    lend(&books[0], &ada, "2024-01-10", true)?;
    lend(&books[1], &ada, "2024-03-02", false)?;
    lend(&books[3], &ada, "2024-03-05", false)?;
    lend(&books[0], &bo, "2024-02-01", false)?;
    lend(&books[5], &bo, "2023-12-24", false)?;
    session.add_all([&ada, &bo])?;
    session.commit()
}

fn main() -> orm_core::Result<()> {
    let registry = Registry::builder()
        .model::<Author>()
        .model::<Reader>()
        .build()?;
    let engine = orm_sqlite::memory()?;
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    stock(&session)?;
    // From here on, every statement is printed.
    engine.set_echo(true);

    section("filters: science fiction after 1970, or any book with 'Murder' in the title");
    let found = session
        .query::<Book>()
        .filter(
            (Book::year.gt(1970) & Book::tags.any(Tag::name.eq("sf")))
                | Book::title.contains("Murder"),
        )
        .order_by(Book::year)
        .all()?;
    println!("{:?}", titles(&found));
    assert_eq!(
        titles(&found),
        [
            "Murder on the Orient Express",
            "The ABC Murders",
            "The Dispossessed",
            "The Three-Body Problem"
        ]
    );

    section("join: books by authors from the US or GB, in stock, newest first");
    let found = session
        .query::<Book>()
        .join(Book::author)
        .filter(Author::country.in_(["US", "GB"]))
        .filter(Book::copies.ge(2))
        .order_by(Book::year.desc())
        .all()?;
    println!("{:?}", titles(&found));
    assert_eq!(
        titles(&found),
        [
            "The Dispossessed",
            "The Left Hand of Darkness",
            "A Wizard of Earthsea",
            "Murder on the Orient Express"
        ]
    );

    section("any/has: readers with a book out, and books an American wrote");
    let borrowing: Vec<String> = session
        .query::<Reader>()
        .filter(Reader::loans.any(Loan::returned.eq(false) & Loan::book.has(Book::year.lt(1970))))
        .order_by(Reader::name)
        .all()?
        .iter()
        .map(|r| r.borrow().name.clone())
        .collect();
    println!("readers with an old book out: {borrowing:?}");
    assert_eq!(borrowing, ["Ada", "Bo"]);
    let american = session
        .query::<Book>()
        .filter(Book::author.has(Author::country.eq("US")))
        .count()?;
    assert_eq!(american, 3);
    let idle = session
        .query::<Author>()
        .filter(!Author::books.any(orm_core::Filter::always()))
        .one()?;
    assert_eq!(idle.borrow().name, "Anonymous");

    section("aggregates: authors with more than one book, their copies and year span");
    let prolific: Vec<Span> = session
        .select((
            Author::name,
            count(Book::id),
            sum(Book::copies),
            min(Book::year),
            max(Book::year),
        ))
        .join(Author::books)
        .group_by(Author::name)
        .having(count(Book::id).gt(1))
        .order_by(count(Book::id).desc())
        .all()?;
    for row in &prolific {
        println!("{row:?}");
    }
    assert_eq!(
        prolific,
        [
            (
                "Ursula K. Le Guin".into(),
                3,
                Some(9),
                Some(1968),
                Some(1974)
            ),
            ("Agatha Christie".into(), 2, Some(6), Some(1934), Some(1936)),
        ]
    );

    section("aggregates through the secondary table: books and authors per tag");
    let per_tag: Vec<(String, i64, i64)> = session
        .query::<Book>()
        .join(Book::tags)
        .select((Tag::name, count(Book::id), count_distinct(Book::author_id)))
        .group_by(Tag::name)
        .order_by(Tag::name)
        .all()?;
    println!("{per_tag:?}");
    assert_eq!(
        per_tag,
        [
            ("classic".into(), 3, 2),
            ("crime".into(), 2, 1),
            ("sf".into(), 3, 2)
        ]
    );

    section("the association object: open loans per reader, with the oldest date");
    let open: Vec<(String, i64, Option<String>)> = session
        .select((Reader::name, count(Loan::book_id), min(Loan::loaned_on)))
        .join(Reader::loans)
        .filter(Loan::returned.eq(false))
        .group_by(Reader::name)
        .order_by(Reader::name)
        .all()?;
    println!("{open:?}");
    assert_eq!(
        open,
        [
            ("Ada".into(), 2, Some("2024-03-02".into())),
            ("Bo".into(), 2, Some("2023-12-24".into()))
        ]
    );

    section("pagination: the catalogue by title, three per page");
    let total = session.query::<Book>().count()?;
    let mut pages = Vec::new();
    for page in 0..total.div_ceil(3) {
        let books = session
            .query::<Book>()
            .order_by(Book::title)
            .offset(page * 3)
            .limit(3)
            .all()?;
        println!("page {}: {:?}", page + 1, titles(&books));
        pages.push(titles(&books));
    }
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages[0],
        [
            "A Wizard of Earthsea",
            "Murder on the Orient Express",
            "The ABC Murders"
        ]
    );
    assert_eq!(pages[1].len(), 3);

    section("bulk update: every loan before March comes back, in one statement");
    let first_loan = session
        .query::<Loan>()
        .filter(Loan::loaned_on.eq("2024-01-10"))
        .one()?;
    let bo_first = session
        .query::<Loan>()
        .filter(Loan::loaned_on.eq("2023-12-24"))
        .one()?;
    assert!(!bo_first.borrow().returned);
    let returned = session
        .query::<Loan>()
        .filter(Loan::loaned_on.lt("2024-03-01") & Loan::returned.eq(false))
        .update(Loan::returned.set(true))?;
    assert_eq!(returned, 2);
    // The loan already loaded sees the new value, and has nothing to flush.
    assert!(bo_first.borrow().returned);
    assert!(first_loan.borrow().returned);
    let restocked = session
        .query::<Book>()
        .filter(Book::copies.lt(2))
        .update(Book::copies.set(Book::copies + 3))?;
    assert_eq!(restocked, 1);
    session.commit()?;

    section("raw SQL into objects: books never lent, through the identity map");
    let abc = session
        .query::<Book>()
        .filter(Book::title.eq("The ABC Murders"))
        .one()?;
    let never_lent = session.query_sql::<Book>(
        "SELECT b.* FROM book b WHERE NOT EXISTS (SELECT 1 FROM loan l WHERE l.book_id = b.id) ORDER BY b.title",
        (),
    )?;
    println!("{:?}", titles(&never_lent));
    assert_eq!(
        titles(&never_lent),
        ["A Wizard of Earthsea", "The ABC Murders"]
    );
    assert!(never_lent[1].ptr_eq(&abc), "the object the session holds");
    assert_eq!(never_lent[1].borrow().copies, 4, "the bulk update's value");
    let decades: Vec<(i64, i64)> = session.select_sql(
        "SELECT year / 10 * 10 AS decade, count(*) FROM book WHERE year >= ? GROUP BY decade ORDER BY decade",
        (1960,),
    )?;
    println!("{decades:?}");
    assert_eq!(decades, [(1960, 2), (1970, 1), (2000, 1)]);
    println!("\ncatalogue: every answer checked");
    Ok(())
}
