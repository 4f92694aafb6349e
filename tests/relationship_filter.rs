//! Relationships with an extra condition on the target's columns:
//! `#[relationship(viewonly, filter = Child::active.eq(true))]`, SQLAlchemy's
//! `primaryjoin="and_(Parent.id == Child.parent_id, Child.active == True)"`
//! on a viewonly relationship. The condition is a typed `Filter` of the
//! target model, checked by the compiler.

#[macro_use]
mod common;

use common::{selects, setup};
use orm_core::prelude::*;
use orm_core::selectin;

#[derive(Model, Debug, Default)]
pub struct Project {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub open: bool,
    #[relationship(back_populates = "project")]
    pub tasks: Many<Task>,
    #[relationship(viewonly, filter = Task::done.eq(false), order_by = "id")]
    pub open_tasks: Many<Task>,
    #[relationship(
        viewonly,
        filter = Task::done.eq(true).and(Task::assignee.is_null()),
        lazy = "selectin"
    )]
    pub orphaned_done_tasks: Many<Task>,
    /// Open tasks, and the first two whatever their state: an `or` of a
    /// comparison, grouped before the key test.
    #[relationship(viewonly, filter = Task::done.eq(false).or(Task::id.lt(3)), order_by = "id")]
    pub open_or_early_tasks: Many<Task>,
    /// Tasks not assigned to ann (NULL counts as not assigned), with `!`
    /// and `|` on the richer operators.
    #[relationship(viewonly, filter = !Task::assignee.in_(["ann"]) | Task::assignee.is_null(), order_by = "id")]
    pub not_anns_tasks: Many<Task>,
}

#[derive(Model, Debug, Default)]
pub struct Task {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "project.id")]
    pub project_id: Option<i64>,
    pub done: bool,
    pub assignee: Option<String>,
    #[relationship(back_populates = "tasks")]
    pub project: One<Project>,
    /// The project, only while it is open.
    #[relationship(viewonly, foreign_keys = "project_id", filter = Project::open.eq(true))]
    pub open_project: One<Project>,
}

/// A many-to-many view: the association table is joined in, so the
/// filter's columns are qualified with the target's table.
#[derive(Model, Debug, Default)]
pub struct Article {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = ArticleLabel)]
    pub labels: Many<Label>,
    #[relationship(secondary = ArticleLabel, viewonly, filter = Label::name.starts_with("a_") | Label::id.lt(2), order_by = "id")]
    pub picked_labels: Many<Label>,
}

#[derive(Table)]
pub struct ArticleLabel {
    #[column(primary_key, foreign_key = "article.id")]
    pub article_id: i64,
    #[column(primary_key, foreign_key = "label.id")]
    pub label_id: i64,
}

#[derive(Model, Debug, Default)]
pub struct Label {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Project>().build().unwrap()
}

fn task(done: bool, assignee: Option<&str>) -> Obj<Task> {
    Obj::new(Task {
        done,
        assignee: assignee.map(Into::into),
        ..Default::default()
    })
}

/// Two projects: "a" (open) with tasks 1-4, "b" (closed) with task 5.
fn stored(engine: &Engine, registry: &std::sync::Arc<Registry>) -> orm_core::Result<Session> {
    let session = Session::new(engine, registry);
    let a = Obj::new(Project {
        name: "a".into(),
        open: true,
        ..Default::default()
    });
    for t in [
        task(false, Some("ann")),
        task(true, None),
        task(false, None),
        task(true, Some("bob")),
    ] {
        a.append(Project::tasks, &t)?;
    }
    let b = Obj::new(Project {
        name: "b".into(),
        ..Default::default()
    });
    b.append(Project::tasks, &task(true, None))?;
    session.add_all([&a, &b])?;
    session.commit()?;
    drop(session);
    engine.take_recorded();
    Ok(Session::new(engine, registry))
}

fn ids(tasks: &[Obj<Task>]) -> Vec<i64> {
    tasks.iter().filter_map(|t| t.borrow().id).collect()
}

backend_tests! {
    #[test]
    fn a_lazy_load_adds_the_condition() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _) = setup(&registry);
        let session = stored(&engine, &registry)?;
        let a = session.get::<Project>(1)?.unwrap();
        engine.take_recorded();
        assert_eq!(ids(&a.get(Project::open_tasks)?), [1, 3]);
        assert_eq!(
            selects(&engine),
            ["SELECT id, project_id, done, assignee FROM task WHERE done = ? AND project_id = ? ORDER BY id [0, 1]"]
        );
        // The unfiltered collection holds every task.
        assert_eq!(ids(&a.get(Project::tasks)?), [1, 2, 3, 4]);
        Ok(())
    }

    #[test]
    fn several_conditions_and_selectin_loading() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _) = setup(&registry);
        let session = stored(&engine, &registry)?;
        let projects = session.query::<Project>().order_by(Project::id).all()?;
        // `lazy = "selectin"`: loaded with the query, one statement for both.
        let statements = selects(&engine);
        assert_eq!(
            statements[1],
            "SELECT id, project_id, done, assignee FROM task WHERE done = ? AND assignee IS NULL AND project_id IN (?, ?) [1, 1, 2]"
        );
        assert_eq!(ids(&projects[0].get(Project::orphaned_done_tasks)?), [2]);
        assert_eq!(ids(&projects[1].get(Project::orphaned_done_tasks)?), [5]);

        // Explicit selectin of the other filtered collection.
        let session = Session::new(&engine, &registry);
        let projects = session
            .query::<Project>()
            .order_by(Project::id)
            .options(selectin(Project::open_tasks))
            .all()?;
        assert_eq!(ids(&projects[0].get(Project::open_tasks)?), [1, 3]);
        assert!(projects[1].get(Project::open_tasks)?.is_empty());
        Ok(())
    }

    #[test]
    fn a_filtered_many_to_one_does_not_take_the_object_from_the_identity_map() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _) = setup(&registry);
        let session = stored(&engine, &registry)?;
        let b = session.get::<Project>(2)?.unwrap();
        let t5 = session.get::<Task>(5)?.unwrap();
        // The plain many-to-one finds project 2 in the identity map...
        engine.take_recorded();
        assert!(t5.get(Task::project)?.unwrap().ptr_eq(&b));
        assert!(selects(&engine).is_empty());
        // ...the filtered one asks the database, which says it is closed.
        assert!(t5.get(Task::open_project)?.is_none());
        assert_eq!(
            selects(&engine),
            ["SELECT id, name, open FROM project WHERE open = ? AND id = ? [1, 2]"]
        );
        let t1 = session.get::<Task>(1)?.unwrap();
        assert_eq!(t1.get(Task::open_project)?.unwrap().borrow().name, "a");
        Ok(())
    }

    #[test]
    fn or_and_lt_conditions_are_grouped_before_the_keys() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _) = setup(&registry);
        let session = stored(&engine, &registry)?;
        let a = session.get::<Project>(1)?.unwrap();
        engine.take_recorded();
        assert_eq!(ids(&a.get(Project::open_or_early_tasks)?), [1, 2, 3]);
        assert_eq!(ids(&a.get(Project::not_anns_tasks)?), [2, 3, 4]);
        assert_eq!(
            selects(&engine),
            [
                "SELECT id, project_id, done, assignee FROM task WHERE (done = ? OR id < ?) AND project_id = ? ORDER BY id [0, 3, 1]",
                "SELECT id, project_id, done, assignee FROM task WHERE (assignee NOT IN (?) OR assignee IS NULL) AND project_id = ? ORDER BY id ['ann', 1]",
            ]
        );
        // Selectin loading of both projects: one statement, the same grouping.
        let session = Session::new(&engine, &registry);
        let projects = session
            .query::<Project>()
            .order_by(Project::id)
            .options(selectin(Project::open_or_early_tasks))
            .all()?;
        assert_eq!(ids(&projects[0].get(Project::open_or_early_tasks)?), [1, 2, 3]);
        assert!(projects[1].get(Project::open_or_early_tasks)?.is_empty());
        assert!(selects(&engine).contains(
            &"SELECT id, project_id, done, assignee FROM task WHERE (done = ? OR id < ?) AND project_id IN (?, ?) ORDER BY id [0, 3, 1, 2]".to_owned()
        ));
        Ok(())
    }

    #[test]
    fn a_many_to_many_view_qualifies_the_filter() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Article>().build()?;
        let (engine, session) = setup(&registry);
        let article = Obj::new(Article::default());
        for name in ["x", "a_b", "axb", "a_c"] {
            let label = Obj::new(Label { name: name.into(), ..Default::default() });
            article.append(Article::labels, &label)?;
        }
        session.add(&article)?;
        session.commit()?;
        drop(session);
        let session = Session::new(&engine, &registry);
        let article = session.get::<Article>(1)?.unwrap();
        engine.take_recorded();
        let names: Vec<String> = article
            .get(Article::picked_labels)?
            .iter()
            .map(|l| l.borrow().name.clone())
            .collect();
        assert_eq!(names, ["x", "a_b", "a_c"]);
        assert_eq!(
            selects(&engine),
            ["SELECT article_label.article_id, label.id, label.name FROM label JOIN article_label ON label.id = article_label.label_id WHERE (label.name LIKE ? ESCAPE '/' OR label.id < ?) AND article_label.article_id = ? ORDER BY label.id ['a/_%', 2, 1]"]
        );
        Ok(())
    }

    #[test]
    fn the_view_follows_writes_through_the_writable_side() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _) = setup(&registry);
        let session = stored(&engine, &registry)?;
        let a = session.get::<Project>(1)?.unwrap();
        assert_eq!(ids(&a.get(Project::open_tasks)?), [1, 3]);

        // Close task 1, add a new open task: the view is reloaded after the flush.
        let t1 = session.get::<Task>(1)?.unwrap();
        t1.borrow_mut().done = true;
        a.append(Project::tasks, &task(false, None))?;
        session.commit()?;
        assert_eq!(ids(&a.get(Project::open_tasks)?), [3, 6]);
        Ok(())
    }
}
