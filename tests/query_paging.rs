//! `Query::limit` and `offset`: bound values, one statement text for every
//! page, results through the identity map.

#[macro_use]
mod common;

use common::{selects, setup};
use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub year: i64,
}

fn years(books: &[Obj<Book>]) -> Vec<i64> {
    books.iter().map(|b| b.borrow().year).collect()
}

backend_tests! {
    #[test]
    fn pages_of_an_ordered_query() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Book>().build()?;
        let (engine, session) = setup(&registry);
        for year in (2000..2010).rev() {
            session.add(&Obj::new(Book {
                year,
                ..Default::default()
            }))?;
        }
        session.commit()?;
        engine.take_recorded();

        let first = session
            .query::<Book>()
            .order_by(Book::year)
            .limit(3)
            .all()?;
        let second = session
            .query::<Book>()
            .order_by(Book::year)
            .limit(3)
            .offset(3)
            .all()?;
        let rest = session
            .query::<Book>()
            .order_by(Book::year)
            .offset(8)
            .all()?;
        assert_eq!(years(&first), [2000, 2001, 2002]);
        assert_eq!(years(&second), [2003, 2004, 2005]);
        assert_eq!(years(&rest), [2008, 2009]);
        assert_eq!(
            selects(&engine),
            [
                "SELECT id, year FROM book ORDER BY year LIMIT ? OFFSET ? [3, 0]",
                "SELECT id, year FROM book ORDER BY year LIMIT ? OFFSET ? [3, 3]",
                "SELECT id, year FROM book ORDER BY year LIMIT ? OFFSET ? [9223372036854775807, 8]",
            ]
        );
        // The identity map: the same objects as the ones added.
        let again = session
            .query::<Book>()
            .order_by(Book::year)
            .limit(1)
            .one()?;
        assert!(again.ptr_eq(&first[0]));
        // Filters and paging together.
        let past = session
            .query::<Book>()
            .filter(Book::year.eq(2004))
            .limit(5)
            .all()?;
        assert_eq!(years(&past), [2004]);
        assert!(session.query::<Book>().offset(10).all()?.is_empty());
        Ok(())
    }
}
