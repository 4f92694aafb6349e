//! The flush: collect the changed objects, run the dependency processors,
//! order the rows, emit the statements inside the transaction, and record
//! the new committed state (SQLAlchemy's `unitofwork.py`).
//!
//! - [`plan`]: which rows are written, and in which order;
//! - [`execute`]: the statements, with every value written into an object
//!   logged so a failure can be undone;
//! - [`finish`]: the committed state after success.

mod execute;
mod finish;
mod plan;
pub(crate) mod reconcile;

pub(crate) use finish::forget_bulk_deleted;

use std::rc::Rc;

use rustc_hash::FxHashSet as HashSet;

use crate::dependency;
use crate::error::Result;
use crate::obj::AnyObj;
use crate::persistence::{self, Undo};
use crate::session::SessionInner;

impl SessionInner {
    pub(crate) fn flush(self: &Rc<Self>) -> Result<()> {
        self.flush_committing(false)
    }

    /// The flush; with `commit`, the flush of [`Session::commit`]
    /// (crate::Session::commit): once its statements succeeded it sends
    /// COMMIT itself, before recording the state it leaves, which then
    /// needs no backup for `rollback`. (If COMMIT fails, the state is
    /// recorded as by a flush, with backups, and the error returned: the
    /// transaction stays open for the caller to retry or roll back.)
    pub(crate) fn flush_committing(self: &Rc<Self>, commit: bool) -> Result<()> {
        let modified = self.modified_objects()?;
        let registrations = self.registrations.get();
        // Objects whose relationships the cascade walked since they last
        // changed reach nothing it has not attached; when that is known of
        // all of them, none is looked at.
        let roots: Vec<AnyObj> = if self.all_cascaded() {
            Vec::new()
        } else {
            let new = self.new.borrow();
            new.iter()
                .chain(&modified)
                .filter(|o| !self.cascade_current(o))
                .cloned()
                .collect()
        };
        // What the cascade attaches leaves again if the flush fails: a
        // failed flush leaves every object as it was.
        let attached = self.cascade_add_modified(roots)?;
        // Everything is walked now.
        self.cascaded_as_of.set(Some(crate::obj::changes_so_far()));
        // The cascade may have attached modified persistent objects (they
        // registered themselves): then the list is asked again.
        let modified = if self.modified_unchanged_since(registrations) {
            modified
        } else {
            self.modified_objects()?
        };
        let result = self.write_changes(commit, modified);
        match &result {
            Ok(()) => self.prune_modified(),
            Err(_) => {
                let _ = self.expunge_all(&attached);
            }
        }
        result
    }

    /// The flush after its cascade: dependencies, plan, statements.
    fn write_changes(self: &Rc<Self>, commit: bool, mut dirty: Vec<AnyObj>) -> Result<()> {
        let marked: Vec<AnyObj> = self.deleted.borrow().clone();
        dirty.retain(|o| o.state().map(|s| !s.marked_for_delete).unwrap_or(true));
        if self.new.borrow().is_empty() && marked.is_empty() && dirty.is_empty() {
            return Ok(());
        }
        plan::sort_by_key(self, &mut dirty)?;

        // The saved objects, the pending ones first, in one list that takes
        // the session's list of pending objects over (no handle copied);
        // the recording after success puts back the ones still pending,
        // and a failure all of them.
        let mut saved = self.new.take();
        let new_count = saved.len();
        saved.append(&mut dirty);
        let result = self.write_saved(commit, &saved, new_count, &marked);
        if result.is_err() {
            // Back in their order, first, unless the recording put them
            // back already (a COMMIT that failed after it).
            let mut new = self.new.borrow_mut();
            let listed: HashSet<*const ()> = new.iter().map(AnyObj::addr).collect();
            let still_pending: Vec<AnyObj> = saved[..new_count]
                .iter()
                .filter(|obj| {
                    // (A state that cannot be read now stays listed: an
                    // object is never lost from the list by accident.)
                    let pending = obj.state().map_or(true, |s| {
                        s.key.is_none()
                            && s.session
                                .as_ref()
                                .is_some_and(|w| std::ptr::eq(w.as_ptr(), Rc::as_ptr(self)))
                    });
                    pending && !listed.contains(&obj.addr())
                })
                .cloned()
                .collect();
            let listed_already = std::mem::replace(&mut *new, still_pending);
            new.extend(listed_already);
        }
        result
    }

    /// [`write_changes`](Self::write_changes) once the saved objects are
    /// listed: the first `new_count` of `saved` are the pending ones.
    fn write_saved(
        self: &Rc<Self>,
        commit: bool,
        saved: &[AnyObj],
        new_count: usize,
        marked: &[AnyObj],
    ) -> Result<()> {
        let mut deps = dependency::process(self, saved, marked)?;
        let (pending, dirty) = saved.split_at(new_count);
        let plan = plan::Plan::build(self, pending, dirty, &deps)?;

        let began = !self.in_transaction.get();
        let savepoint = if began {
            self.engine.execute("BEGIN", &[])?;
            self.in_transaction.set(true);
            None
        } else {
            let name = format!("flush_{}", self.savepoints.get() + 1);
            self.savepoints.set(self.savepoints.get() + 1);
            self.engine.execute(&format!("SAVEPOINT {name}"), &[])?;
            Some(name)
        };

        let mut undo = Undo::default();
        let result = execute::run(self, &plan, &deps, &mut undo).and_then(|outcome| {
            // A conflict the recording after COMMIT would find must stop
            // the COMMIT.
            if commit {
                finish::check_new_keys(self, &outcome)?;
            }
            Ok(outcome)
        });
        // The steps are gone before the committed state is recorded (the
        // flush's peak of memory).
        drop(plan);
        match result {
            Ok(outcome) => {
                if let Some(name) = &savepoint {
                    self.engine
                        .execute(&format!("RELEASE SAVEPOINT {name}"), &[])?;
                }
                let commit_failed = if commit {
                    match self.engine.execute("COMMIT", &[]) {
                        Ok(_) => {
                            self.in_transaction.set(false);
                            None
                        }
                        Err(err) => Some(err),
                    }
                } else {
                    None
                };
                let committed = commit && commit_failed.is_none();
                if committed {
                    // The flush's writes into objects are final.
                    drop(undo);
                } else {
                    self.txn_undo.borrow_mut().absorb(undo);
                }
                // So are the key syncs, which were written with the rows
                // (the list of their children stays, for the recording).
                deps.syncs.release_syncs();
                if committed {
                    self.committed_flush.set(true);
                    let recorded = finish::after_flush(self, outcome, saved, new_count, &deps);
                    self.committed_flush.set(false);
                    if recorded.is_err() {
                        // The transaction has ended all the same (an object
                        // borrowed by the program, say, could not take its
                        // new state): what its earlier flushes kept for a
                        // rollback goes, as after any commit, and the next
                        // flush records what this one could not.
                        self.engine.release();
                        self.end_transaction();
                    }
                    return recorded;
                }
                finish::after_flush(self, outcome, saved, new_count, &deps)?;
                commit_failed.map_or(Ok(()), |err| Err(err.into()))
            }
            Err(err) => {
                undo.revert();
                match &savepoint {
                    None => {
                        self.in_transaction.set(false);
                        let _ = self.engine.execute("ROLLBACK", &[]);
                    }
                    Some(name) => {
                        let _ = self
                            .engine
                            .execute(&format!("ROLLBACK TO SAVEPOINT {name}"), &[]);
                        let _ = self
                            .engine
                            .execute(&format!("RELEASE SAVEPOINT {name}"), &[]);
                    }
                }
                Err(err)
            }
        }
    }

    pub(crate) fn target(&self, mapper: usize) -> persistence::Target<'_> {
        persistence::Target {
            engine: &self.engine,
            statements: &self.statements,
            index: mapper,
            mapper: &self.registry.mappers[mapper],
        }
    }
}
