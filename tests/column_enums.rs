//! `#[derive(ColumnEnum)]`: enums stored as text or integers, compared in
//! queries, and a stored value that names no variant is an error naming
//! the column. On SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::{rows, setup};
use orm_core::prelude::*;
use orm_core::Error;

#[derive(ColumnEnum, Debug, Clone, Copy, PartialEq, Default)]
pub enum Status {
    #[default]
    Draft,
    InReview,
    #[column_enum(rename = "live")]
    Published,
}

#[derive(ColumnEnum, Debug, Clone, Copy, PartialEq, Default)]
#[column_enum(integer)]
pub enum Priority {
    Low = 1,
    #[default]
    Normal,
    High = 10,
    Negative = -5,
}

#[derive(Model, Debug, Default)]
pub struct Ticket {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub status: Status,
    pub priority: Priority,
    pub previous: Option<Status>,
}

fn ticket(status: Status, priority: Priority, previous: Option<Status>) -> Obj<Ticket> {
    Obj::new(Ticket {
        id: None,
        status,
        priority,
        previous,
    })
}

backend_tests! {
    #[test]
    fn enums_are_stored_as_declared_and_compared_in_queries() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Ticket>().build()?;
        let (engine, session) = setup(&registry);
        session.add(&ticket(Status::Draft, Priority::Normal, None))?;
        session.add(&ticket(Status::InReview, Priority::High, Some(Status::Draft)))?;
        session.add(&ticket(Status::Published, Priority::Negative, Some(Status::InReview)))?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT status, priority, previous FROM ticket ORDER BY id"),
            [
                "'draft', 2, None",
                "'in_review', 10, 'draft'",
                "'live', -5, 'in_review'"
            ]
        );
        drop(session);
        let session = Session::new(&engine, &registry);
        let live = session
            .query::<Ticket>()
            .filter(Ticket::status.eq(Status::Published))
            .one()?;
        assert_eq!(live.borrow().priority, Priority::Negative);
        assert_eq!(live.borrow().previous, Some(Status::InReview));
        let urgent = session
            .query::<Ticket>()
            .filter(Ticket::priority.ge(Priority::High).or(Ticket::previous.eq(Status::Draft)))
            .count()?;
        assert_eq!(urgent, 1);
        Ok(())
    }

    #[test]
    fn an_unknown_stored_value_is_an_error_naming_the_column() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Ticket>().build()?;
        let (engine, session) = setup(&registry);
        session.add(&ticket(Status::Draft, Priority::Low, None))?;
        session.commit()?;
        engine.execute("UPDATE ticket SET status = 'archived'", &[])?;
        let session = Session::new(&engine, &registry);
        let err = session.get::<Ticket>(1).unwrap_err();
        assert!(matches!(&err, Error::Column { column: "status", .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "column Ticket.status: cannot convert a database TEXT value into a variant of Status"
        );
        engine.execute("UPDATE ticket SET status = 'draft', priority = 3", &[])?;
        let err = session.get::<Ticket>(1).unwrap_err();
        assert!(matches!(&err, Error::Column { column: "priority", .. }), "{err:?}");
        Ok(())
    }
}
