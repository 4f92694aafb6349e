//! An adjacency list (one table, `parent_id` -> `node.id`): rows are ordered
//! one by one, parents inserted first and deleted last.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
#[model(table = "node")]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
}

fn node(name: &str) -> Obj<Node> {
    Obj::new(Node {
        name: name.into(),
        ..Default::default()
    })
}

backend_tests! {
    #[test]
    fn direction_follows_the_field_type() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        assert_eq!(
            registry.direction(Node::children),
            Some(orm_core::Direction::OneToMany)
        );
        assert_eq!(
            registry.direction(Node::parent),
            Some(orm_core::Direction::ManyToOne)
        );
        Ok(())
    }

    #[test]
    fn a_tree_is_inserted_parents_first_and_deleted_leaves_first() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        let (engine, session) = setup(&registry);
        let root = node("root");
        let mid = node("mid");
        let leaf = node("leaf");
        leaf.set(Node::parent, &mid)?;
        mid.set(Node::parent, &root)?;
        // The leaf is added first; the flush still inserts the root first.
        session.add(&leaf)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO node (name, parent_id) VALUES (?, ?) ['root', None]",
                "INSERT INTO node (name, parent_id) VALUES (?, ?) ['mid', 1]",
                "INSERT INTO node (name, parent_id) VALUES (?, ?) ['leaf', 2]",
            ]
        );
        let names: Vec<String> = root
            .get(Node::children)?
            .iter()
            .map(|n| n.borrow().name.clone())
            .collect();
        assert_eq!(names, ["mid"]);

        session.delete(&root)?;
        session.delete(&mid)?;
        session.delete(&leaf)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "DELETE FROM node WHERE id = ? [3]",
                "DELETE FROM node WHERE id = ? [2]",
                "DELETE FROM node WHERE id = ? [1]",
            ]
        );
        assert!(rows(&engine, "SELECT id FROM node").is_empty());
        Ok(())
    }

    #[test]
    fn deleting_an_inner_node_detaches_its_children() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        let (engine, session) = setup(&registry);
        let root = node("root");
        let mid = node("mid");
        let leaf = node("leaf");
        root.append(Node::children, &mid)?;
        mid.append(Node::children, &leaf)?;
        session.add(&root)?;
        session.commit()?;
        dml(&engine);

        session.delete(&mid)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE node SET parent_id = ? WHERE id = ? [None, 3]",
                "DELETE FROM node WHERE id = ? [2]",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT id, parent_id FROM node"),
            ["1, None", "3, None"]
        );
        assert!(leaf.get(Node::parent)?.is_none());
        // The deleted node has left its parent's collection too.
        assert!(root.get(Node::children)?.is_empty());
        session.commit()?;
        assert!(dml(&engine).is_empty());
        Ok(())
    }
}
