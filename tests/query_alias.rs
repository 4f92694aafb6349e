//! Self-referential joins under an alias: `join_aliased(Node::children)`
//! with filters, orders and select lists on both copies of the table, on
//! both backends.

#[macro_use]
mod common;

use common::{selects, setup};
use orm_core::prelude::*;
use orm_core::{count, Error};

#[derive(Model, Debug, Default)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    pub name: String,
    pub rank: i32,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Node>().build().unwrap()
}

/// root (rank 0) with children a (rank 2) and b (rank 1); a has child c
/// (rank 3).
fn tree(engine: &Engine, session: &Session) -> orm_core::Result<[Obj<Node>; 4]> {
    let node = |name: &str, rank| {
        Obj::new(Node {
            name: name.into(),
            rank,
            ..Default::default()
        })
    };
    let (root, a, b, c) = (node("root", 0), node("a", 2), node("b", 1), node("c", 3));
    root.append(Node::children, &a)?;
    root.append(Node::children, &b)?;
    a.append(Node::children, &c)?;
    session.add(&root)?;
    session.commit()?;
    engine.take_recorded();
    Ok([root, a, b, c])
}

fn names(nodes: &[Obj<Node>]) -> Vec<String> {
    nodes.iter().map(|n| n.borrow().name.clone()).collect()
}

const NODE: &str = "SELECT node.id, node.parent_id, node.name, node.rank FROM node";

backend_tests! {
    #[test]
    fn filters_on_the_aliased_children() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let [root, a, ..] = tree(&engine, &session)?;
        let parents_of_c = session
            .query::<Node>()
            .join_aliased(Node::children)
            .filter(Node::name.aliased().eq("c"))
            .all()?;
        assert_eq!(parents_of_c.len(), 1);
        assert!(parents_of_c[0].ptr_eq(&a));
        // Both copies in one query: parents not named "zed" of a child ranked above 1,
        // ordered by the child's rank, newest first.
        let rows = session
            .query::<Node>()
            .join_aliased(Node::children)
            .filter(Node::rank.aliased().gt(1))
            .filter(Node::name.ne("zed"))
            .order_by(Node::rank.aliased().desc())
            .all()?;
        assert_eq!(names(&rows), ["a", "root"]);
        assert!(rows[1].ptr_eq(&root));
        assert_eq!(
            selects(&engine),
            [
                format!("{NODE} JOIN node AS node_1 ON node.id = node_1.parent_id WHERE node_1.name = ? ['c']"),
                format!("{NODE} JOIN node AS node_1 ON node.id = node_1.parent_id WHERE node_1.rank > ? AND node.name <> ? ORDER BY node_1.rank DESC [1, 'zed']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn filters_on_the_aliased_parent() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        tree(&engine, &session)?;
        let under_root = session
            .query::<Node>()
            .join_aliased(Node::parent)
            .filter(Node::name.aliased().eq("root") | Node::parent_id.aliased().is_null())
            .order_by(Node::rank)
            .all()?;
        assert_eq!(names(&under_root), ["b", "a"]);
        assert_eq!(
            selects(&engine),
            [format!("{NODE} JOIN node AS node_1 ON node.parent_id = node_1.id WHERE node_1.name = ? OR node_1.parent_id IS NULL ORDER BY node.rank ['root']")]
        );
        Ok(())
    }

    #[test]
    fn select_lists_group_by_the_parent_and_count_aliased_children() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        tree(&engine, &session)?;
        let fanout: Vec<(String, i64, Option<i32>)> = session
            .select((Node::name, count(Node::id.aliased()), orm_core::max(Node::rank.aliased())))
            .join_aliased(Node::children)
            .group_by(Node::name)
            .having(count(Node::id.aliased()).ge(1))
            .order_by(count(Node::id.aliased()).desc())
            .all()?;
        assert_eq!(fanout, [("root".to_owned(), 2, Some(2)), ("a".to_owned(), 1, Some(3))]);
        let pairs: Vec<(String, String)> = session
            .select((Node::name, Node::name.aliased()))
            .join_aliased(Node::children)
            .order_by(Node::name)
            .order_by(Node::name.aliased())
            .all()?;
        assert_eq!(
            pairs,
            [("a".into(), "c".into()), ("root".into(), "a".into()), ("root".into(), "b".into())]
        );
        assert_eq!(
            selects(&engine),
            [
                "SELECT node.name, count(node_1.id), max(node_1.rank) FROM node JOIN node AS node_1 ON node.id = node_1.parent_id GROUP BY node.name HAVING count(node_1.id) >= ? ORDER BY count(node_1.id) DESC [1]",
                "SELECT node.name, node_1.name FROM node JOIN node AS node_1 ON node.id = node_1.parent_id ORDER BY node.name, node_1.name",
            ]
        );
        Ok(())
    }

    #[test]
    fn any_and_has_on_the_aliased_side() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let [root, _, _, c] = tree(&engine, &session)?;
        // Grandparents: a node with a child that has children.
        let grandparents = session
            .query::<Node>()
            .join_aliased(Node::children)
            .filter(Node::children.aliased().any(orm_core::Filter::always()))
            .distinct()
            .all()?;
        assert_eq!(grandparents.len(), 1);
        assert!(grandparents[0].ptr_eq(&root));
        // Grandchildren of root: the parent's parent is named "root".
        let grandchildren = session
            .query::<Node>()
            .join_aliased(Node::parent)
            .filter(Node::parent.aliased().has(Node::name.eq("root")))
            .all()?;
        assert_eq!(grandchildren.len(), 1);
        assert!(grandchildren[0].ptr_eq(&c));
        assert_eq!(
            selects(&engine),
            [
                "SELECT DISTINCT node.id, node.parent_id, node.name, node.rank FROM node JOIN node AS node_1 ON node.id = node_1.parent_id WHERE EXISTS (SELECT 1 FROM node WHERE node.parent_id = node_1.id)".to_owned(),
                format!("{NODE} JOIN node AS node_1 ON node.parent_id = node_1.id WHERE EXISTS (SELECT 1 FROM node WHERE node.id = node_1.parent_id AND node.name = ?) ['root']"),
            ]
        );
        Ok(())
    }

    #[test]
    fn an_unaliased_self_join_is_refused_with_a_hint() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        tree(&engine, &session)?;
        let result = session.query::<Node>().join(Node::children).all();
        match result {
            Err(e @ Error::UnsupportedJoin { model: "Node", relationship: "children", table: "node" }) => {
                assert!(e.to_string().contains("join_aliased"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(selects(&engine).is_empty());
        Ok(())
    }
}
