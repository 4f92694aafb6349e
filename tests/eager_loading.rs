//! Loading strategies: "selectin" eager loading (one query per level, per
//! relationship attribute or per query) and `order_by` on collections.

#[macro_use]
mod common;

use common::{selects, setup};
use orm_core::prelude::*;
use orm_core::selectin;

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent", order_by = "name desc")]
    pub children: Many<Child>,
}

#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
    #[relationship(back_populates = "child", order_by = "name")]
    pub toys: Many<Toy>,
}

#[derive(Model, Debug, Default)]
#[model(table = "toy")]
pub struct Toy {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "child.id")]
    pub child_id: Option<i64>,
    #[relationship(back_populates = "toys")]
    pub child: One<Child>,
}

fn populate(registry: &std::sync::Arc<Registry>) -> orm_core::Result<orm_core::Engine> {
    let (engine, session) = setup(registry);
    for p in 1..=3 {
        let parent = Obj::new(Parent {
            name: format!("p{p}"),
            ..Default::default()
        });
        for c in ["a", "b"] {
            let child = Obj::new(Child {
                name: format!("{c}{p}"),
                ..Default::default()
            });
            for t in ["y", "x"] {
                child.append(
                    Child::toys,
                    &Obj::new(Toy {
                        name: format!("{t}{c}{p}"),
                        ..Default::default()
                    }),
                )?;
            }
            parent.append(Parent::children, &child)?;
        }
        session.add(&parent)?;
    }
    session.commit()?;
    Ok(engine)
}

backend_tests! {
    #[test]
    fn a_two_level_graph_in_three_queries() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = populate(&registry)?;
        let session = Session::new(&engine, &registry);
        engine.take_recorded();
        let parents = session
            .query::<Parent>()
            .order_by(Parent::id)
            .options(selectin(Parent::children).then(Child::toys))
            .all()?;
        assert_eq!(
            selects(&engine),
            [
                "SELECT id, name FROM parent ORDER BY id",
                "SELECT id, name, parent_id FROM child WHERE parent_id IN (?, ?, ?) ORDER BY name DESC [1, 2, 3]",
                "SELECT id, name, child_id FROM toy WHERE child_id IN (?, ?, ?, ?, ?, ?) ORDER BY name [2, 1, 4, 3, 6, 5]",
            ]
        );
        // Everything is loaded now: walking the graph sends nothing.
        let mut seen = Vec::new();
        for parent in &parents {
            for child in parent.get(Parent::children)? {
                let toys: Vec<String> = child
                    .get(Child::toys)?
                    .iter()
                    .map(|t| t.borrow().name.clone())
                    .collect();
                seen.push(format!("{}:{}", child.borrow().name, toys.join(",")));
                assert!(child.get(Child::parent)?.unwrap().ptr_eq(parent));
            }
        }
        assert!(selects(&engine).is_empty());
        assert_eq!(
            seen,
            [
                "b1:xb1,yb1",
                "a1:xa1,ya1",
                "b2:xb2,yb2",
                "a2:xa2,ya2",
                "b3:xb3,yb3",
                "a3:xa3,ya3"
            ]
        );
        Ok(())
    }

    #[test]
    fn lazy_loading_is_one_query_per_object() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = populate(&registry)?;
        let session = Session::new(&engine, &registry);
        engine.take_recorded();
        let parents = session.query::<Parent>().all()?;
        for parent in &parents {
            parent.get(Parent::children)?;
        }
        assert_eq!(selects(&engine).len(), 4, "1 + N");
        Ok(())
    }
}

/// `lazy = "selectin"` on the attribute applies to every query.
mod eager_by_default {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(back_populates = "parent", lazy = "selectin")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "parent.id")]
        pub parent_id: Option<i64>,
        #[relationship(back_populates = "children", lazy = "selectin")]
        pub parent: One<Parent>,
        #[relationship(back_populates = "child", lazy = "selectin")]
        pub toys: Many<Toy>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "toy")]
    pub struct Toy {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "child.id")]
        pub child_id: Option<i64>,
        #[relationship(back_populates = "toys")]
        pub child: One<Child>,
    }
}

backend_tests! {
    #[test]
    fn selectin_on_the_attribute() -> orm_core::Result<()> {
        use eager_by_default::{Child, Parent, Toy};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        for name in ["p1", "p2"] {
            let p = Obj::new(Parent {
                name: name.into(),
                ..Default::default()
            });
            let c = Obj::new(Child::default());
            c.append(Child::toys, &Obj::new(Toy::default()))?;
            p.append(Parent::children, &c)?;
            session.add(&p)?;
        }
        session.commit()?;
        drop(session);

        let session = Session::new(&engine, &registry);
        engine.take_recorded();
        let parents = session.query::<Parent>().all()?;
        // Parents, their children, the children's toys; the children's
        // many-to-one back to the parents comes from the identity map.
        assert_eq!(selects(&engine).len(), 3);
        assert!(parents.iter().all(|p| p.borrow().children.is_loaded()));
        let child = parents[0].get(Parent::children)?.remove(0);
        assert!(child.borrow().toys.is_loaded());
        assert!(child.borrow().parent.is_loaded());
        assert!(selects(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn selectin_of_a_many_to_one_skips_objects_already_in_the_identity_map() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = populate(&registry)?;
        let session = Session::new(&engine, &registry);
        session.get::<Parent>(1)?;
        engine.take_recorded();
        let children = session
            .query::<Child>()
            .options(selectin(Child::parent))
            .all()?;
        assert_eq!(
            selects(&engine),
            [
                "SELECT id, name, parent_id FROM child",
                "SELECT id, name FROM parent WHERE id IN (?, ?) [2, 3]",
            ]
        );
        assert!(children.iter().all(|c| c.borrow().parent.is_loaded()));
        Ok(())
    }
}
