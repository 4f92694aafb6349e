//! Many-to-many through a secondary table, with `back_populates` and with
//! `backref`.

use std::sync::Arc;

use orm_core::prelude::*;

use crate::harness::Family;
use crate::reference::Shape;

const SHAPE: Shape = Shape {
    c_single: false,
    p_single: false,
    delete_orphan: false,
    link_objects: false,
};

pub mod back_populates {
    use super::*;

    #[derive(Table)]
    #[table(name = "mm_assoc")]
    pub struct Assoc {
        #[column(primary_key, foreign_key = "mm_left.id")]
        pub left_id: i64,
        #[column(primary_key, foreign_key = "mm_right.id")]
        pub right_id: i64,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "mm_left")]
    pub struct Left {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(unique)]
        pub name: String,
        #[relationship(secondary = Assoc, back_populates = "parents")]
        pub children: Many<Right>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "mm_right")]
    pub struct Right {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = "mm_assoc", back_populates = "children")]
        pub parents: Many<Left>,
    }

    crate::named_ctor!(Left, Right);

    pub struct F;

    impl Family for F {
        type P = Left;
        type C = Right;
        const SHAPE: Shape = SHAPE;
        const P_TABLE: &'static str = "mm_left";
        const C_TABLE: &'static str = "mm_right";
        const LINKS_SQL: &'static str = "SELECT left_id, right_id FROM mm_assoc ORDER BY 1, 2";

        fn registry() -> Arc<Registry> {
            Registry::builder().model::<Left>().build().unwrap()
        }
        crate::named_models!(Left, Right);
        fn p_targets(p: &Obj<Left>) -> orm_core::Result<Vec<Obj<Right>>> {
            p.get(Left::children)
        }
        fn c_targets(c: &Obj<Right>) -> orm_core::Result<Vec<Obj<Left>>> {
            c.get(Right::parents)
        }
        fn link(p: &Obj<Left>, c: &Obj<Right>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.append(Right::parents, p)
            } else {
                p.append(Left::children, c)
            }
        }
        fn unlink(p: &Obj<Left>, c: &Obj<Right>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.remove(Right::parents, p)
            } else {
                p.remove(Left::children, c)
            }
        }
    }
}

pub mod backref {
    use super::*;

    #[derive(Table)]
    #[table(name = "mb_assoc")]
    pub struct Assoc {
        #[column(primary_key, foreign_key = "mb_left.id")]
        pub left_id: i64,
        #[column(primary_key, foreign_key = "mb_right.id")]
        pub right_id: i64,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "mb_left")]
    pub struct Left {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(unique)]
        pub name: String,
        #[relationship(secondary = "mb_assoc", backref = "parents")]
        pub children: Many<Right>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "mb_right")]
    pub struct Right {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
    }

    crate::named_ctor!(Left, Right);

    pub struct F;

    impl Family for F {
        type P = Left;
        type C = Right;
        const SHAPE: Shape = SHAPE;
        const P_TABLE: &'static str = "mb_left";
        const C_TABLE: &'static str = "mb_right";
        const LINKS_SQL: &'static str = "SELECT left_id, right_id FROM mb_assoc ORDER BY 1, 2";

        fn registry() -> Arc<Registry> {
            Registry::builder()
                .model::<Left>()
                .table::<Assoc>()
                .build()
                .unwrap()
        }
        crate::named_models!(Left, Right);
        fn p_targets(p: &Obj<Left>) -> orm_core::Result<Vec<Obj<Right>>> {
            p.get(Left::children)
        }
        fn c_targets(c: &Obj<Right>) -> orm_core::Result<Vec<Obj<Left>>> {
            c.get(Right::parents)
        }
        fn link(p: &Obj<Left>, c: &Obj<Right>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.append(Right::parents, p)
            } else {
                p.append(Left::children, c)
            }
        }
        fn unlink(p: &Obj<Left>, c: &Obj<Right>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.remove(Right::parents, p)
            } else {
                p.remove(Left::children, c)
            }
        }
    }
}
