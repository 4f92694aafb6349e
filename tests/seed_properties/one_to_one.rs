//! One-to-one (`uselist = false`, a UNIQUE foreign key on the child):
//! without a cascade (a replaced child keeps its row, key NULLed) and with
//! `cascade = "all, delete-orphan"` (a replaced child is deleted).

use std::sync::Arc;

use orm_core::prelude::*;

use crate::harness::Family;
use crate::reference::Shape;

macro_rules! one_to_one_family {
    ($modname:ident, $pt:literal, $ct:literal, $fk:literal, $orphan:expr, $($cascade:tt)*) => {
        pub mod $modname {
            use super::*;

            #[derive(Model, Debug, Default)]
            #[model(table = $pt)]
            pub struct Parent {
                #[column(primary_key)]
                pub id: Option<i64>,
                #[column(unique)]
                pub name: String,
                #[relationship(back_populates = "parent", uselist = false $($cascade)*)]
                pub child: One<Child>,
            }

            #[derive(Model, Debug, Default)]
            #[model(table = $ct)]
            pub struct Child {
                #[column(primary_key)]
                pub id: Option<i64>,
                pub name: String,
                #[column(foreign_key = $fk, unique)]
                pub parent_id: Option<i64>,
                #[relationship(back_populates = "child")]
                pub parent: One<Parent>,
            }

            crate::named_ctor!(Parent, Child);

            pub struct F;

            impl Family for F {
                type P = Parent;
                type C = Child;
                const SHAPE: Shape = Shape {
                    c_single: true,
                    p_single: true,
                    delete_orphan: $orphan,
                    link_objects: false,
                };
                const P_TABLE: &'static str = $pt;
                const C_TABLE: &'static str = $ct;
                const LINKS_SQL: &'static str = concat!(
                    "SELECT parent_id, id FROM ",
                    $ct,
                    " WHERE parent_id IS NOT NULL ORDER BY 1, 2"
                );

                fn registry() -> Arc<Registry> {
                    Registry::builder().model::<Parent>().build().unwrap()
                }
                crate::named_models!(Parent, Child);
                fn c_fk(c: &Obj<Child>) -> Option<Option<i64>> {
                    Some(c.borrow().parent_id)
                }
                fn p_targets(p: &Obj<Parent>) -> orm_core::Result<Vec<Obj<Child>>> {
                    Ok(p.get(Parent::child)?.into_iter().collect())
                }
                fn c_targets(c: &Obj<Child>) -> orm_core::Result<Vec<Obj<Parent>>> {
                    Ok(c.get(Child::parent)?.into_iter().collect())
                }
                fn link(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
                    if from_child {
                        c.set(Child::parent, p)
                    } else {
                        p.set(Parent::child, c)
                    }
                }
                fn unlink(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
                    if from_child {
                        c.set(Child::parent, None)
                    } else {
                        p.set(Parent::child, None)
                    }
                }
            }
        }
    };
}

one_to_one_family!(kept, "oo_parent", "oo_child", "oo_parent.id", false,);
one_to_one_family!(
    delete_orphan,
    "ood_parent",
    "ood_child",
    "ood_parent.id",
    true,
    , cascade = "all, delete-orphan"
);
