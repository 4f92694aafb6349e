//! One-to-many / many-to-one: with `back_populates`, with `backref`, and
//! with `cascade = "all, delete-orphan"`.

use std::sync::Arc;

use orm_core::prelude::*;

use crate::harness::Family;
use crate::reference::Shape;

/// Implements the parts of [`Family`] every pattern with `id` and `name`
/// columns shares.
#[macro_export]
macro_rules! named_models {
    ($p:ty, $c:ty) => {
        fn new_p(name: &str) -> Obj<$p> {
            Obj::new(<$p>::named(name))
        }
        fn new_c(name: &str) -> Obj<$c> {
            Obj::new(<$c>::named(name))
        }
        fn p_id(p: &Obj<$p>) -> Option<i64> {
            p.borrow().id
        }
        fn c_id(c: &Obj<$c>) -> Option<i64> {
            c.borrow().id
        }
        fn p_name(p: &Obj<$p>) -> String {
            p.borrow().name.clone()
        }
        fn c_name(c: &Obj<$c>) -> String {
            c.borrow().name.clone()
        }
        fn set_p_name(p: &Obj<$p>, name: &str) {
            p.borrow_mut().name = name.to_owned();
        }
        fn set_c_name(c: &Obj<$c>, name: &str) {
            c.borrow_mut().name = name.to_owned();
        }
    };
}

/// `named(name)` constructors for the models.
#[macro_export]
macro_rules! named_ctor {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn named(name: &str) -> Self {
                Self { name: name.to_owned(), ..Default::default() }
            }
        }
    )*};
}

pub mod back_populates {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "bp_parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(unique)]
        pub name: String,
        #[relationship(back_populates = "parent")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "bp_child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "bp_parent.id")]
        pub parent_id: Option<i64>,
        #[relationship(back_populates = "children")]
        pub parent: One<Parent>,
    }

    crate::named_ctor!(Parent, Child);

    pub struct F;

    impl Family for F {
        type P = Parent;
        type C = Child;
        const SHAPE: Shape = Shape {
            c_single: true,
            p_single: false,
            delete_orphan: false,
            link_objects: false,
        };
        const P_TABLE: &'static str = "bp_parent";
        const C_TABLE: &'static str = "bp_child";
        const LINKS_SQL: &'static str =
            "SELECT parent_id, id FROM bp_child WHERE parent_id IS NOT NULL ORDER BY 1, 2";

        fn registry() -> Arc<Registry> {
            Registry::builder().model::<Parent>().build().unwrap()
        }
        crate::named_models!(Parent, Child);
        fn c_fk(c: &Obj<Child>) -> Option<Option<i64>> {
            Some(c.borrow().parent_id)
        }
        fn p_targets(p: &Obj<Parent>) -> orm_core::Result<Vec<Obj<Child>>> {
            p.get(Parent::children)
        }
        fn c_targets(c: &Obj<Child>) -> orm_core::Result<Vec<Obj<Parent>>> {
            Ok(c.get(Child::parent)?.into_iter().collect())
        }
        fn link(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.set(Child::parent, p)
            } else {
                p.append(Parent::children, c)
            }
        }
        fn unlink(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.set(Child::parent, None)
            } else {
                p.remove(Parent::children, c)
            }
        }
    }
}

pub mod backref {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "br_parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(unique)]
        pub name: String,
        #[relationship(backref = "parent")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "br_child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "br_parent.id")]
        pub parent_id: Option<i64>,
    }

    crate::named_ctor!(Parent, Child);

    pub struct F;

    impl Family for F {
        type P = Parent;
        type C = Child;
        const SHAPE: Shape = Shape {
            c_single: true,
            p_single: false,
            delete_orphan: false,
            link_objects: false,
        };
        const P_TABLE: &'static str = "br_parent";
        const C_TABLE: &'static str = "br_child";
        const LINKS_SQL: &'static str =
            "SELECT parent_id, id FROM br_child WHERE parent_id IS NOT NULL ORDER BY 1, 2";

        fn registry() -> Arc<Registry> {
            Registry::builder().model::<Parent>().build().unwrap()
        }
        crate::named_models!(Parent, Child);
        fn c_fk(c: &Obj<Child>) -> Option<Option<i64>> {
            Some(c.borrow().parent_id)
        }
        fn p_targets(p: &Obj<Parent>) -> orm_core::Result<Vec<Obj<Child>>> {
            p.get(Parent::children)
        }
        fn c_targets(c: &Obj<Child>) -> orm_core::Result<Vec<Obj<Parent>>> {
            Ok(c.get(Child::parent)?.into_iter().collect())
        }
        fn link(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.set(Child::parent, p)
            } else {
                p.append(Parent::children, c)
            }
        }
        fn unlink(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.set(Child::parent, None)
            } else {
                p.remove(Parent::children, c)
            }
        }
    }
}

pub mod delete_orphan {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "do_parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(unique)]
        pub name: String,
        #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "do_child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "do_parent.id")]
        pub parent_id: Option<i64>,
        #[relationship(back_populates = "children")]
        pub parent: One<Parent>,
    }

    crate::named_ctor!(Parent, Child);

    pub struct F;

    impl Family for F {
        type P = Parent;
        type C = Child;
        const SHAPE: Shape = Shape {
            c_single: true,
            p_single: false,
            delete_orphan: true,
            link_objects: false,
        };
        const P_TABLE: &'static str = "do_parent";
        const C_TABLE: &'static str = "do_child";
        const LINKS_SQL: &'static str =
            "SELECT parent_id, id FROM do_child WHERE parent_id IS NOT NULL ORDER BY 1, 2";

        fn registry() -> Arc<Registry> {
            Registry::builder().model::<Parent>().build().unwrap()
        }
        crate::named_models!(Parent, Child);
        fn c_fk(c: &Obj<Child>) -> Option<Option<i64>> {
            Some(c.borrow().parent_id)
        }
        fn p_targets(p: &Obj<Parent>) -> orm_core::Result<Vec<Obj<Child>>> {
            p.get(Parent::children)
        }
        fn c_targets(c: &Obj<Child>) -> orm_core::Result<Vec<Obj<Parent>>> {
            Ok(c.get(Child::parent)?.into_iter().collect())
        }
        fn link(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.set(Child::parent, p)
            } else {
                p.append(Parent::children, c)
            }
        }
        fn unlink(p: &Obj<Parent>, c: &Obj<Child>, from_child: bool) -> orm_core::Result<()> {
            if from_child {
                c.set(Child::parent, None)
            } else {
                p.remove(Parent::children, c)
            }
        }
    }
}
