//! The self-referential adjacency list (`node.parent_id -> node.id`), with
//! `back_populates` between `Node.parent` and `Node.children`.
//!
//! Both pools of the harness are nodes of one table: the parent pool holds
//! the inner nodes, the child pool the leaves, so the rows of one table are
//! ordered among themselves at flush (parents inserted first, children
//! deleted first). Trees are two levels deep: a node of the parent pool
//! never gets a parent itself.

use std::sync::Arc;

use orm_core::prelude::*;

use crate::harness::Family;
use crate::reference::Shape;

#[derive(Model, Debug, Default)]
#[model(table = "node")]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub name: String,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
}

crate::named_ctor!(Node);

pub struct F;

impl Family for F {
    type P = Node;
    type C = Node;
    const SHAPE: Shape = Shape {
        c_single: true,
        p_single: false,
        delete_orphan: false,
        link_objects: false,
    };
    const P_TABLE: &'static str = "node";
    const C_TABLE: &'static str = "node";
    const LINKS_SQL: &'static str =
        "SELECT parent_id, id FROM node WHERE parent_id IS NOT NULL ORDER BY 1, 2";

    fn registry() -> Arc<Registry> {
        Registry::builder().model::<Node>().build().unwrap()
    }
    crate::named_models!(Node, Node);
    fn c_fk(c: &Obj<Node>) -> Option<Option<i64>> {
        Some(c.borrow().parent_id)
    }
    fn p_targets(p: &Obj<Node>) -> orm_core::Result<Vec<Obj<Node>>> {
        p.get(Node::children)
    }
    fn c_targets(c: &Obj<Node>) -> orm_core::Result<Vec<Obj<Node>>> {
        Ok(c.get(Node::parent)?.into_iter().collect())
    }
    fn link(p: &Obj<Node>, c: &Obj<Node>, from_child: bool) -> orm_core::Result<()> {
        if from_child {
            c.set(Node::parent, p)
        } else {
            p.append(Node::children, c)
        }
    }
    fn unlink(p: &Obj<Node>, c: &Obj<Node>, from_child: bool) -> orm_core::Result<()> {
        if from_child {
            c.set(Node::parent, None)
        } else {
            p.remove(Node::children, c)
        }
    }
}
