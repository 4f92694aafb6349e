//! W2 of the performance issue, shared by `workloads.rs` and `profile.rs`:
//! two models linked many-to-many, with the relationship on one side or
//! with `back_populates` on both, and the graph built as a user would.

use std::sync::Arc;

use orm_core::prelude::*;

/// Links per left object.
pub const LINKS: usize = 10;

/// W2 with the relationship on one side only.
#[derive(Table)]
pub struct Link {
    #[column(primary_key, foreign_key = "left_item.id")]
    pub left_id: i64,
    #[column(primary_key, foreign_key = "right_item.id")]
    pub right_id: i64,
}

#[derive(Model, Debug, Default)]
#[model(table = "left_item")]
pub struct LeftItem {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(secondary = Link)]
    pub rights: Many<RightItem>,
}

#[derive(Model, Debug, Default)]
#[model(table = "right_item")]
pub struct RightItem {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

/// W2 with `back_populates` on both sides.
#[derive(Table)]
pub struct BiLink {
    #[column(primary_key, foreign_key = "bi_left.id")]
    pub left_id: i64,
    #[column(primary_key, foreign_key = "bi_right.id")]
    pub right_id: i64,
}

#[derive(Model, Debug, Default)]
#[model(table = "bi_left")]
pub struct BiLeft {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(secondary = BiLink, back_populates = "lefts")]
    pub rights: Many<BiRight>,
}

#[derive(Model, Debug, Default)]
#[model(table = "bi_right")]
pub struct BiRight {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(secondary = BiLink, back_populates = "rights")]
    pub lefts: Many<BiLeft>,
}

/// The `k`-th right of left `i` among `n` (distinct for k < 10 when n >= 130).
pub fn right_of(i: usize, k: usize, n: usize) -> usize {
    (i * 7 + k * 13) % n
}

/// W2 with the relationship on one side: `n` + `n` objects, [`LINKS`]
/// links from each left one, added and committed; returns the session.
pub fn orm_w2_one_sided(engine: &Engine, registry: &Arc<Registry>, n: usize) -> Session {
    let session = Session::new(engine, registry);
    let rights: Vec<Obj<RightItem>> = (0..n)
        .map(|i| {
            Obj::new(RightItem {
                name: format!("r{i}"),
                ..Default::default()
            })
        })
        .collect();
    let lefts: Vec<Obj<LeftItem>> = (0..n)
        .map(|i| {
            let left = Obj::new(LeftItem {
                name: format!("l{i}"),
                ..Default::default()
            });
            for k in 0..LINKS {
                left.append(LeftItem::rights, &rights[right_of(i, k, n)])
                    .unwrap();
            }
            left
        })
        .collect();
    session.add_all(&rights).unwrap();
    session.add_all(&lefts).unwrap();
    session.commit().unwrap();
    session
}

/// W2 with `back_populates` on both sides, built the same way.
pub fn orm_w2_bi(engine: &Engine, registry: &Arc<Registry>, n: usize) -> Session {
    let session = Session::new(engine, registry);
    let rights: Vec<Obj<BiRight>> = (0..n)
        .map(|i| {
            Obj::new(BiRight {
                name: format!("r{i}"),
                ..Default::default()
            })
        })
        .collect();
    let lefts: Vec<Obj<BiLeft>> = (0..n)
        .map(|i| {
            let left = Obj::new(BiLeft {
                name: format!("l{i}"),
                ..Default::default()
            });
            for k in 0..LINKS {
                left.append(BiLeft::rights, &rights[right_of(i, k, n)])
                    .unwrap();
            }
            left
        })
        .collect();
    session.add_all(&rights).unwrap();
    session.add_all(&lefts).unwrap();
    session.commit().unwrap();
    session
}
