//! Session behaviour around failures: a failed flush changes nothing, a
//! rollback restores the last committed state, bad use gives typed errors.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::{DbErrorKind, Error, ObjectState};

#[derive(Model, Debug, Default)]
#[model(table = "team")]
pub struct Team {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub code: String,
    #[relationship(back_populates = "team")]
    pub players: Many<Player>,
}

#[derive(Model, Debug, Default)]
#[model(table = "player")]
pub struct Player {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "team.id")]
    pub team_id: Option<i64>,
    #[relationship(back_populates = "players")]
    pub team: One<Team>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Team>().build().unwrap()
}

fn team(code: &str) -> Obj<Team> {
    Obj::new(Team {
        code: code.into(),
        ..Default::default()
    })
}

fn player(name: &str) -> Obj<Player> {
    Obj::new(Player {
        name: name.into(),
        ..Default::default()
    })
}

backend_tests! {
    #[test]
    fn failing_flush_leaves_database_and_objects_unchanged() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        session.add(&team("red"))?;
        session.commit()?;
        dml(&engine);

        let blue = team("blue");
        let dup = team("red");
        let p = player("pat");
        blue.append(Team::players, &p)?;
        session.add(&blue)?;
        session.add(&dup)?;
        let err = session.flush().unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO team (code) VALUES (?) ['blue']",
                "INSERT INTO team (code) VALUES (?) ['red']",
            ]
        );
        // Nothing of the failed flush stayed: rows, keys, states.
        assert_eq!(rows(&engine, "SELECT id, code FROM team"), ["1, 'red'"]);
        assert!(rows(&engine, "SELECT id FROM player").is_empty());
        assert_eq!(blue.borrow().id, None);
        assert_eq!(p.borrow().team_id, None);
        assert_eq!(blue.state(), ObjectState::Pending);

        // Fix the problem and flush again: the session is still usable.
        dup.borrow_mut().code = "green".into();
        session.commit()?;
        // A PostgreSQL sequence is not transactional: the keys the failed
        // INSERTs drew (2 and 3) are gone. SQLite hands them out again.
        let (blue_id, green_id) = match common::backend() {
            common::Backend::Sqlite => (2, 3),
            common::Backend::Postgres => (4, 5),
        };
        assert_eq!(
            rows(&engine, "SELECT id, code FROM team ORDER BY id"),
            [
                "1, 'red'".to_owned(),
                format!("{blue_id}, 'blue'"),
                format!("{green_id}, 'green'")
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT name, team_id FROM player"),
            [format!("'pat', {blue_id}")]
        );
        Ok(())
    }

    #[test]
    fn failing_flush_inside_a_transaction_keeps_earlier_flushes() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        session.add(&team("red"))?;
        session.flush()?; // transaction open, not committed
        session.add(&team("red"))?;
        let err = session.flush().unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
        let statements = common::sql(&engine);
        assert!(
            statements.contains(&"ROLLBACK TO SAVEPOINT flush_1".to_owned()),
            "{statements:?}"
        );
        assert_eq!(rows(&engine, "SELECT code FROM team"), ["'red'"]);
        Ok(())
    }

    #[test]
    fn rollback_restores_the_last_committed_state() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let red = team("red");
        let ann = player("ann");
        red.append(Team::players, &ann)?;
        session.add(&red)?;
        session.commit()?;

        // Changes, some flushed and some not.
        red.borrow_mut().code = "crimson".into();
        let bob = player("bob");
        red.append(Team::players, &bob)?;
        session.flush()?;
        red.remove(Team::players, &ann)?;
        ann.borrow_mut().name = "anne".into();
        session.delete(&red)?;

        session.rollback()?;
        assert_eq!(rows(&engine, "SELECT id, code FROM team"), ["1, 'red'"]);
        assert_eq!(
            rows(&engine, "SELECT name, team_id FROM player"),
            ["'ann', 1"]
        );
        assert_eq!(red.borrow().code, "red");
        assert_eq!(ann.borrow().name, "ann");
        assert_eq!(red.state(), ObjectState::Persistent);
        // The object inserted in the rolled-back transaction is transient again,
        // its generated key cleared so it can be added anew.
        assert_eq!(bob.state(), ObjectState::Transient);
        assert_eq!(bob.borrow().id, None);
        let players: Vec<String> = red
            .get(Team::players)?
            .iter()
            .map(|p| p.borrow().name.clone())
            .collect();
        assert_eq!(players, ["ann"]);

        // And the session goes on.
        session.commit()?;
        assert!(dml(&engine).iter().all(|s| !s.starts_with("DELETE")));
        Ok(())
    }

    #[test]
    fn foreign_key_violation_is_a_typed_error() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&team("red"))?;
        session.commit()?;
        // A row this session never saw references the team; a fresh session
        // loads the team's players at flush and clears their key first.
        engine.execute("INSERT INTO player (name, team_id) VALUES ('x', 1)", &[])?;
        let fresh = Session::new(&engine, &registry);
        let red = fresh.get::<Team>(1)?.unwrap();
        assert!(!red.borrow().players.is_loaded());
        fresh.delete(&red)?;
        fresh.commit()?;
        assert_eq!(
            rows(&engine, "SELECT name, team_id FROM player"),
            ["'x', None"]
        );
        drop(fresh);
        session.expunge(&session.get::<Team>(1)?.unwrap())?;

        // With a raw reference the ORM cannot see, the database refuses.
        let blue = team("blue");
        session.add(&blue)?;
        session.commit()?;
        engine.execute(
            "CREATE TABLE note (team_id INTEGER REFERENCES team (id))",
            &[],
        )?;
        engine.execute("INSERT INTO note VALUES (?)", &[blue.borrow().id.into()])?;
        session.delete(&blue)?;
        let err = session.commit().unwrap_err();
        assert_eq!(
            err.db_kind(),
            Some(DbErrorKind::ForeignKeyViolation),
            "{err}"
        );
        assert_eq!(rows(&engine, "SELECT code FROM team"), ["'blue'"]);
        session.rollback()?;
        assert_eq!(blue.state(), ObjectState::Persistent);
        Ok(())
    }
}

mod strict {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Invoice {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "invoice")]
        pub lines: Many<Line>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Line {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "invoice.id")]
        pub invoice_id: i64,
        #[relationship(back_populates = "lines")]
        pub invoice: One<Invoice>,
    }
}

backend_tests! {
    #[test]
    fn clearing_a_not_null_foreign_key_is_refused_before_any_sql() -> orm_core::Result<()> {
        use strict::{Invoice, Line};
        let registry = Registry::builder().model::<Invoice>().build()?;
        let (engine, session) = setup(&registry);
        let invoice = Obj::new(Invoice::default());
        let line = Obj::new(Line::default());
        invoice.append(Invoice::lines, &line)?;
        session.add(&invoice)?;
        session.commit()?;
        assert_eq!(line.borrow().invoice_id, 1);
        dml(&engine);

        invoice.remove(Invoice::lines, &line)?;
        let err = session.flush().unwrap_err();
        assert!(matches!(err, Error::NullForeignKey { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "flushing would set NOT NULL column line.invoice_id to NULL (it was removed from Invoice.lines); \
             delete the Line object instead, or add a delete cascade to the relationship"
        );
        assert!(dml(&engine).is_empty());
        assert_eq!(line.borrow().invoice_id, 1);

        session.rollback()?;
        session.delete(&invoice)?;
        let err = session.flush().unwrap_err();
        assert!(
            err.to_string()
                .contains("its Invoice object is being deleted"),
            "{err}"
        );
        assert_eq!(rows(&engine, "SELECT id, invoice_id FROM line"), ["1, 1"]);
        Ok(())
    }

    #[test]
    fn misuse_gives_typed_errors() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);

        // Deleting what was never flushed.
        let fresh = team("fresh");
        let err = session.delete(&fresh).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Team object is transient; delete() needs a persistent object of this session"
        );
        session.add(&fresh)?;
        let err = session.delete(&fresh).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidState {
                    state: "pending",
                    ..
                }
            ),
            "{err}"
        );
        session.commit()?;

        // An object of one session cannot join another.
        let other = Session::new(&engine, &registry);
        let err = other.add(&fresh).unwrap_err();
        assert!(
            matches!(err, Error::OtherSession { model: "Team" }),
            "{err}"
        );

        // A detached object whose row is already represented in the session.
        let copy = other.get::<Team>(1)?.unwrap();
        drop(other);
        assert_eq!(copy.state(), ObjectState::Detached);
        let err = session.add(&copy).unwrap_err();
        assert_eq!(
            err.to_string(),
            "another Team object with primary key 1 is already present in this session"
        );

        // A row deleted behind the session's back.
        engine.execute("DELETE FROM team", &[])?;
        fresh.borrow_mut().code = "late".into();
        let err = session.commit().unwrap_err();
        assert!(
            matches!(
                err,
                Error::StaleData {
                    operation: "UPDATE",
                    matched: 0,
                    ..
                }
            ),
            "{err}"
        );

        // Holding a borrow while the ORM needs the object.
        let p = player("held");
        let guard = p.borrow_mut();
        let err = fresh.append(Team::players, &p).unwrap_err();
        assert!(matches!(err, Error::Borrowed { model: "Player" }), "{err}");
        drop(guard);
        Ok(())
    }

    #[test]
    fn expunge_and_reattach() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let red = team("red");
        session.add(&red)?;
        session.commit()?;
        session.expunge(&red)?;
        assert_eq!(red.state(), ObjectState::Detached);
        assert!(!session.contains(&red));
        red.borrow_mut().code = "maroon".into();
        session.add(&red)?;
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT code FROM team"), ["'maroon'"]);
        let pending = team("blue");
        session.add(&pending)?;
        session.expunge(&pending)?;
        assert_eq!(pending.state(), ObjectState::Transient);
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT count(*) FROM team"), ["1"]);
        Ok(())
    }

    #[test]
    fn closing_a_session_frees_bidirectional_cycles() -> orm_core::Result<()> {
        let (_engine, session) = setup(&registry());
        let red = team("red");
        let ann = player("ann");
        let bob = player("bob");
        red.append(Team::players, &ann)?;
        red.append(Team::players, &bob)?;
        session.add(&red)?;
        session.commit()?;
        drop((red, ann));

        // Bob is still held: he keeps his team, and the team its players.
        session.close()?;
        let team = bob
            .get(Player::team)?
            .expect("loaded data survives the session");
        assert_eq!(team.borrow().code, "red");
        assert_eq!(team.get(Team::players)?.len(), 2);
        assert_eq!(bob.state(), ObjectState::Detached);
        Ok(())
    }

    /// The flush finds changed persistent objects from what registered
    /// itself as it changed, not by scanning every object: a change the
    /// flush did not write (it failed), a change made while detached, a
    /// change after a rollback and a change made through a relationship
    /// are all written.
    #[test]
    fn every_kind_of_change_to_a_persistent_object_is_flushed() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let red = team("red");
        let blue = team("blue");
        let ann = player("ann");
        red.append(Team::players, &ann)?;
        session.add(&red)?;
        session.add(&blue)?;
        session.commit()?;

        // A failed flush leaves the changes registered.
        red.borrow_mut().code = "maroon".into();
        blue.borrow_mut().code = "maroon".into();
        assert!(session.commit().is_err());
        blue.borrow_mut().code = "navy".into();
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT code FROM team ORDER BY id"),
            ["'maroon'", "'navy'"]
        );

        // Changed while detached, then added back.
        session.expunge(&blue)?;
        blue.borrow_mut().code = "azure".into();
        session.add(&blue)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT code FROM team ORDER BY id"),
            ["'maroon'", "'azure'"]
        );

        // Changed, rolled back, changed again.
        red.borrow_mut().code = "crimson".into();
        session.flush()?;
        session.rollback()?;
        assert_eq!(red.borrow().code, "maroon");
        red.borrow_mut().code = "scarlet".into();
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT code FROM team ORDER BY id"),
            ["'scarlet'", "'azure'"]
        );

        // Changed through a relationship only (the player moves), and
        // through `try_borrow_mut`.
        blue.append(Team::players, &ann)?;
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT name, team_id FROM player"), ["'ann', 2"]);
        ann.try_borrow_mut()?.name = "anna".into();
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT name, team_id FROM player"), ["'anna', 2"]);
        Ok(())
    }

    #[test]
    fn a_loaded_or_flushed_row_is_compared_with_what_the_database_holds() -> orm_core::Result<()> {
        // A loaded or flushed object keeps its committed row in its fields
        // until a column is written: each write below must still be
        // compared with the row as the database holds it.
        let registry = registry();
        let (engine, session) = setup(&registry);
        let red = team("red");
        red.append(Team::players, &player("ann"))?;
        session.add(&red)?;
        session.add(&team("blue"))?;
        session.commit()?;
        drop(session);
        let session = Session::new(&engine, &registry);
        let teams = session.query::<Team>().order_by(Team::id).all()?;
        let (red, blue) = (&teams[0], &teams[1]);
        let ann = red.get(Team::players)?[0].clone();
        dml(&engine);

        // The same value, or a change undone before the flush: no UPDATE.
        red.borrow_mut().code = "red".into();
        red.borrow_mut().code = "rose".into();
        red.borrow_mut().code = "red".into();
        session.commit()?;
        assert!(dml(&engine).is_empty());

        // A change, then the change undone in the next commit: two UPDATEs
        // (after the first, the committed row is the one just written).
        red.borrow_mut().code = "rose".into();
        session.commit()?;
        red.borrow_mut().code = "red".into();
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE team SET code = ? WHERE id = ? ['rose', 1]",
                "UPDATE team SET code = ? WHERE id = ? ['red', 1]",
            ]
        );

        // Flushed, then changed back within the transaction.
        red.borrow_mut().code = "rose".into();
        session.flush()?;
        red.borrow_mut().code = "red".into();
        session.commit()?;
        assert_eq!(dml(&engine).len(), 2);
        assert_eq!(rows(&engine, "SELECT code FROM team ORDER BY id"), ["'red'", "'blue'"]);

        // A key the flush writes (the player moves), flushed and rolled
        // back: the loaded values come back, and nothing is left to write.
        blue.append(Team::players, &ann)?;
        red.borrow_mut().code = "rose".into();
        session.flush()?;
        assert_eq!(ann.borrow().team_id, Some(2));
        session.rollback()?;
        assert_eq!(ann.borrow().team_id, Some(1));
        assert_eq!(red.borrow().code, "red");
        dml(&engine);
        session.commit()?;
        assert!(dml(&engine).is_empty());
        assert_eq!(rows(&engine, "SELECT name, team_id FROM player"), ["'ann', 1"]);

        // Expired after a change: the loaded value comes back.
        blue.borrow_mut().code = "navy".into();
        session.expire(blue)?;
        assert_eq!(blue.borrow().code, "blue");
        session.commit()?;
        assert!(dml(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn unreachable_objects_are_freed_when_the_session_ends() -> orm_core::Result<()> {
        let (_engine, session) = setup(&registry());
        let red = team("red");
        let ann = player("ann");
        red.append(Team::players, &ann)?;
        session.add(&red)?;
        session.commit()?;
        let weak_red = red.downgrade();
        let weak_ann = ann.downgrade();
        drop((red, ann));
        assert!(weak_red.upgrade().is_some(), "the identity map holds them");
        drop(session);
        assert!(weak_red.upgrade().is_none());
        assert!(weak_ann.upgrade().is_none());
        Ok(())
    }
}
