//! The association object (seeds 001-003, "many-to-many with extra data"):
//! a model of its own between the two sides, with a composite key of two
//! foreign keys, many-to-one to both, and `cascade = "all, delete-orphan"`
//! from each side (deleting either end deletes its association objects).
//!
//! The harness sees it as a many-to-many: a link `(p, c)` is an association
//! object whose `parent` is `p` and whose `child` is `c`. Linking creates
//! one (through the parent's collection or the child's), unlinking takes it
//! out of both collections (so it is an orphan and its row goes at the
//! flush), moving re-points an existing one at another parent or child (an
//! UPDATE of its primary key), through a collection or through the
//! association's own many-to-one. Reading the links checks that every
//! association object in a collection points back at the collection's
//! owner; one without its other end (left so by a rollback, see
//! `Model::dangling`) is no link.

use std::sync::Arc;

use orm_core::prelude::*;
use orm_core::Error;

use crate::harness::Family;
use crate::reference::Shape;

#[derive(Model, Debug, Default)]
#[model(table = "ao_link")]
pub struct Link {
    #[column(primary_key, foreign_key = "ao_left.id")]
    pub left_id: Option<i64>,
    #[column(primary_key, foreign_key = "ao_right.id")]
    pub right_id: Option<i64>,
    pub extra_data: Option<String>,
    #[relationship(back_populates = "links")]
    pub parent: One<Left>,
    #[relationship(back_populates = "links")]
    pub child: One<Right>,
}

#[derive(Model, Debug, Default)]
#[model(table = "ao_left")]
pub struct Left {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub name: String,
    #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
    pub links: Many<Link>,
}

#[derive(Model, Debug, Default)]
#[model(table = "ao_right")]
pub struct Right {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "child", cascade = "all, delete-orphan")]
    pub links: Many<Link>,
}

crate::named_ctor!(Left, Right);

fn broken(msg: String) -> Error {
    Error::Internal(format!("association object invariant: {msg}"))
}

/// The association object linking `p` and `c`, found from `p`'s side.
fn find(p: &Obj<Left>, c: &Obj<Right>) -> orm_core::Result<Option<Obj<Link>>> {
    for a in p.get(Left::links)? {
        if a.get(Link::child)?.is_some_and(|x| x.ptr_eq(c)) {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

fn found(p: &Obj<Left>, c: &Obj<Right>) -> orm_core::Result<Obj<Link>> {
    find(p, c)?.ok_or_else(|| {
        broken(format!(
            "no association object links {} and {}",
            p.borrow().name,
            c.borrow().name
        ))
    })
}

pub struct F;

impl Family for F {
    type P = Left;
    type C = Right;
    const SHAPE: Shape = Shape {
        c_single: false,
        p_single: false,
        delete_orphan: false,
        link_objects: true,
    };
    const P_TABLE: &'static str = "ao_left";
    const C_TABLE: &'static str = "ao_right";
    /// Rows that lost their extra data would not count as links.
    const LINKS_SQL: &'static str =
        "SELECT left_id, right_id FROM ao_link WHERE extra_data = 'extra' ORDER BY 1, 2";

    fn registry() -> Arc<Registry> {
        Registry::builder().model::<Left>().build().unwrap()
    }
    crate::named_models!(Left, Right);

    fn p_targets(p: &Obj<Left>) -> orm_core::Result<Vec<Obj<Right>>> {
        let mut out = Vec::new();
        for a in p.get(Left::links)? {
            let owner = a.get(Link::parent)?;
            if !owner.as_ref().is_some_and(|o| o.ptr_eq(p)) {
                return Err(broken(format!(
                    "{}.links holds an association object whose parent is {:?}",
                    p.borrow().name,
                    owner.map(|o| o.borrow().name.clone())
                )));
            }
            // Without a child: a new one whose child a rollback restored
            // (`Model::dangling`); no link.
            out.extend(a.get(Link::child)?);
        }
        Ok(out)
    }

    fn c_targets(c: &Obj<Right>) -> orm_core::Result<Vec<Obj<Left>>> {
        let mut out = Vec::new();
        for a in c.get(Right::links)? {
            let owner = a.get(Link::child)?;
            if !owner.as_ref().is_some_and(|o| o.ptr_eq(c)) {
                return Err(broken(format!(
                    "{}.links holds an association object whose child is {:?}",
                    c.borrow().name,
                    owner.map(|o| o.borrow().name.clone())
                )));
            }
            out.extend(a.get(Link::parent)?);
        }
        Ok(out)
    }

    fn link(p: &Obj<Left>, c: &Obj<Right>, from_child: bool) -> orm_core::Result<()> {
        if find(p, c)?.is_some() {
            return Ok(());
        }
        let a = Obj::new(Link {
            extra_data: Some("extra".into()),
            ..Default::default()
        });
        // The seed's way: the association object gets one end, then goes
        // into the other end's collection.
        if from_child {
            a.set(Link::parent, p)?;
            c.append(Right::links, &a)
        } else {
            a.set(Link::child, c)?;
            p.append(Left::links, &a)
        }
    }

    fn unlink(p: &Obj<Left>, c: &Obj<Right>, from_child: bool) -> orm_core::Result<()> {
        let a = found(p, c)?;
        if from_child {
            c.remove(Right::links, &a)?;
            p.remove(Left::links, &a)
        } else {
            p.remove(Left::links, &a)?;
            c.remove(Right::links, &a)
        }
    }

    fn relink(
        p: &Obj<Left>,
        c: &Obj<Right>,
        to_p: Option<&Obj<Left>>,
        to_c: Option<&Obj<Right>>,
        via_collection: bool,
    ) -> orm_core::Result<()> {
        let a = found(p, c)?;
        match (to_p, to_c, via_collection) {
            (Some(to), _, true) => to.append(Left::links, &a),
            (Some(to), _, false) => a.set(Link::parent, to),
            (None, Some(to), true) => to.append(Right::links, &a),
            (None, Some(to), false) => a.set(Link::child, to),
            (None, None, _) => Ok(()),
        }
    }
}
