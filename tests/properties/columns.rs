//! Column changes of one persistent object against a plain model: the
//! value in memory, the row as the session's transaction wrote it, and the
//! committed row. What it exercises is the committed row the session keeps
//! for the object: held by the fields after a load or an INSERT, copied out
//! at the first write, restored by `rollback` and `expire`, compared by
//! every flush.

use std::sync::Arc;

use orm_core::prelude::*;
use orm_core::{Engine, Value};

#[derive(Model, Debug, Default)]
#[model(table = "item")]
pub struct Item {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub score: i64,
}

/// One step of a case.
#[derive(Debug, Clone)]
pub enum Op {
    /// Sets the name (`borrow_mut`).
    Name(u8),
    /// Sets the score (`try_borrow_mut`).
    Score(u8),
    /// Borrows mutably and writes nothing new.
    Touch,
    Flush,
    Commit,
    Rollback,
    /// `Session::expire`: the unflushed changes go.
    Expire,
    /// A rollback, then the object loaded again in a new session.
    Reload,
}

/// The model: the object's values in memory, in the transaction's row, and
/// in the committed row.
#[derive(Debug, Clone, PartialEq)]
struct Values {
    name: String,
    score: i64,
}

struct Model {
    memory: Values,
    flushed: Values,
    committed: Values,
}

struct World {
    registry: Arc<Registry>,
    engine: Engine,
    session: Session,
    item: Obj<Item>,
    model: Model,
}

/// Runs a case; `Err` describes the first broken invariant.
pub fn run(ops: &[Op]) -> Result<(), String> {
    let registry = Registry::builder()
        .model::<Item>()
        .build()
        .map_err(|e| e.to_string())?;
    let engine = crate::common::engine();
    registry.create_all(&engine).map_err(|e| e.to_string())?;
    let session = Session::new(&engine, &registry);
    let item = Obj::new(Item {
        name: "n".into(),
        ..Default::default()
    });
    session.add(&item).map_err(|e| e.to_string())?;
    session.commit().map_err(|e| e.to_string())?;
    let start = Values {
        name: "n".into(),
        score: 0,
    };
    let mut world = World {
        registry,
        engine,
        session,
        item,
        model: Model {
            memory: start.clone(),
            flushed: start.clone(),
            committed: start,
        },
    };
    for (step, op) in ops.iter().enumerate() {
        world
            .apply(op)
            .and_then(|()| world.check())
            .map_err(|e| format!("step {step} ({op:?}): {e}"))?;
    }
    Ok(())
}

impl World {
    fn apply(&mut self, op: &Op) -> Result<(), String> {
        let fail = |what: &str, e: orm_core::Error| format!("{what}: {e}");
        let model = &mut self.model;
        match op {
            Op::Name(n) => {
                let name = format!("n{n}");
                self.item.borrow_mut().name = name.clone();
                model.memory.name = name;
            }
            Op::Score(n) => {
                let score = i64::from(*n);
                self.item
                    .try_borrow_mut()
                    .map_err(|e| fail("try_borrow_mut", e))?
                    .score = score;
                model.memory.score = score;
            }
            Op::Touch => {
                let mut item = self.item.borrow_mut();
                let name = item.name.clone();
                item.name = name;
            }
            Op::Flush => {
                self.session.flush().map_err(|e| fail("flush", e))?;
                model.flushed = model.memory.clone();
            }
            Op::Commit => {
                self.session.commit().map_err(|e| fail("commit", e))?;
                model.flushed = model.memory.clone();
                model.committed = model.memory.clone();
            }
            Op::Rollback => {
                self.session.rollback().map_err(|e| fail("rollback", e))?;
                model.memory = model.committed.clone();
                model.flushed = model.committed.clone();
            }
            Op::Expire => {
                self.session
                    .expire(&self.item)
                    .map_err(|e| fail("expire", e))?;
                model.memory = model.flushed.clone();
            }
            Op::Reload => {
                self.session.rollback().map_err(|e| fail("rollback", e))?;
                self.session = Session::new(&self.engine, &self.registry);
                self.item = self
                    .session
                    .query::<Item>()
                    .one()
                    .map_err(|e| fail("load", e))?;
                model.memory = model.committed.clone();
                model.flushed = model.committed.clone();
            }
        }
        Ok(())
    }

    /// The object holds the model's values; outside a transaction the row
    /// holds the committed ones.
    fn check(&self) -> Result<(), String> {
        let memory = {
            let item = self.item.borrow();
            Values {
                name: item.name.clone(),
                score: item.score,
            }
        };
        if memory != self.model.memory {
            return Err(format!(
                "in memory {memory:?}, expected {:?}",
                self.model.memory
            ));
        }
        if self.session.in_transaction() {
            return Ok(());
        }
        let rows = self
            .engine
            .query("SELECT name, score FROM item", &[])
            .map_err(|e| e.to_string())?;
        let expected = vec![vec![
            Value::Text(self.model.committed.name.clone()),
            Value::Integer(self.model.committed.score),
        ]];
        if rows != expected {
            return Err(format!("rows {rows:?}, expected {expected:?}"));
        }
        Ok(())
    }
}
