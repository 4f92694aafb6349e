//! Joins along relationships: `query::<A>().join(A::rel)` then filters on
//! the target's columns, for one-to-many, many-to-one and many-to-many
//! (through the association table), chained, on both backends.

#[macro_use]
mod common;

use common::{selects, setup};
use orm_core::prelude::*;
use orm_core::Error;

#[derive(Model, Debug, Default)]
pub struct Writer {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "writer")]
    pub novels: Many<Novel>,
}

#[derive(Model, Debug, Default)]
pub struct Novel {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "writer.id")]
    pub writer_id: Option<i64>,
    pub year: i64,
    #[relationship(back_populates = "novels")]
    pub writer: One<Writer>,
    #[relationship(secondary = NovelGenre)]
    pub genres: Many<Genre>,
    #[relationship(secondary = NovelGenre, viewonly, filter = Genre::name.ne("misc"))]
    pub real_genres: Many<Genre>,
}

#[derive(Table)]
pub struct NovelGenre {
    #[column(primary_key, foreign_key = "novel.id")]
    pub novel_id: i64,
    #[column(primary_key, foreign_key = "genre.id")]
    pub genre_id: i64,
}

#[derive(Model, Debug, Default)]
pub struct Genre {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

/// A tree: a self-join without an alias is refused (tests/query_alias.rs
/// joins it under one).
#[derive(Model, Debug, Default)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Writer>()
        .model::<Node>()
        .build()
        .unwrap()
}

/// Ann: novels 1 (1999, sf) and 2 (2021, sf + misc); Bob: novel 3 (1980,
/// crime); Cid: none. Genres 1 sf, 2 crime, 3 misc.
fn stored(engine: &Engine, session: &Session) -> orm_core::Result<()> {
    let genre = |name: &str| {
        Obj::new(Genre {
            name: name.into(),
            ..Default::default()
        })
    };
    let (sf, crime, misc) = (genre("sf"), genre("crime"), genre("misc"));
    session.add_all([&sf, &crime, &misc])?;
    session.flush()?;
    let novel = |year, genres: &[&Obj<Genre>]| -> orm_core::Result<Obj<Novel>> {
        let n = Obj::new(Novel {
            year,
            ..Default::default()
        });
        for g in genres {
            n.append(Novel::genres, g)?;
        }
        Ok(n)
    };
    let novels = [
        (
            "Ann",
            vec![novel(1999, &[&sf])?, novel(2021, &[&sf, &misc])?],
        ),
        ("Bob", vec![novel(1980, &[&crime])?]),
        ("Cid", vec![]),
    ];
    for (name, books) in novels {
        let w = Obj::new(Writer {
            name: name.into(),
            ..Default::default()
        });
        for b in &books {
            w.append(Writer::novels, b)?;
        }
        session.add(&w)?;
    }
    session.commit()?;
    engine.take_recorded();
    Ok(())
}

fn names(writers: &[Obj<Writer>]) -> Vec<String> {
    writers.iter().map(|w| w.borrow().name.clone()).collect()
}

const WRITER: &str = "SELECT writer.id, writer.name FROM writer";

backend_tests! {
    #[test]
    fn one_to_many() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let rows = session
            .query::<Writer>()
            .join(Writer::novels)
            .filter(Novel::year.lt(2000))
            .order_by(Novel::year.desc())
            .order_by(Writer::name)
            .all()?;
        assert_eq!(names(&rows), ["Ann", "Bob"]);
        // One row per match: Ann twice, unless distinct.
        let all = session.query::<Writer>().join(Writer::novels).order_by(Writer::id).all()?;
        assert_eq!(names(&all), ["Ann", "Ann", "Bob"]);
        assert!(all[0].ptr_eq(&all[1]), "one object per row, through the identity map");
        let distinct = session
            .query::<Writer>()
            .join(Writer::novels)
            .filter(Novel::year.gt(1970) & Novel::year.lt(2030))
            .filter(Writer::name.ne("Bob"))
            .distinct()
            .count()?;
        assert_eq!(distinct, 1);
        assert_eq!(
            selects(&engine),
            [
                format!("{WRITER} JOIN novel ON writer.id = novel.writer_id WHERE novel.year < ? ORDER BY novel.year DESC, writer.name [2000]"),
                format!("{WRITER} JOIN novel ON writer.id = novel.writer_id ORDER BY writer.id"),
                "SELECT count(*) FROM (SELECT DISTINCT writer.id, writer.name FROM writer JOIN novel ON writer.id = novel.writer_id WHERE novel.year > ? AND novel.year < ? AND writer.name <> ?) AS counted [1970, 2030, 'Bob']".to_owned(),
            ]
        );
        Ok(())
    }

    #[test]
    fn many_to_one() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let novels = session
            .query::<Novel>()
            .join(Novel::writer)
            .filter(Writer::name.eq("Ann") | Writer::name.eq("Bob"))
            .filter(Novel::year.ge(1990))
            .all()?;
        assert_eq!(novels.len(), 2);
        assert!(session.query::<Novel>().join(Novel::writer).filter(Writer::name.eq("Bob")).exists()?);
        assert_eq!(
            selects(&engine),
            [
                "SELECT novel.id, novel.writer_id, novel.year FROM novel JOIN writer ON novel.writer_id = writer.id WHERE (writer.name = ? OR writer.name = ?) AND novel.year >= ? ['Ann', 'Bob', 1990]",
                "SELECT 1 FROM novel JOIN writer ON novel.writer_id = writer.id WHERE writer.name = ? LIMIT ? OFFSET ? ['Bob', 1, 0]",
            ]
        );
        Ok(())
    }

    #[test]
    fn many_to_many_and_chained_joins() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let sf_novels = session
            .query::<Novel>()
            .join(Novel::genres)
            .filter(Genre::name.eq("sf"))
            .order_by(Novel::year)
            .all()?;
        let years: Vec<i64> = sf_novels.iter().map(|n| n.borrow().year).collect();
        assert_eq!(years, [1999, 2021]);
        // Writers of crime novels: two joins, the second from the first's target.
        let crime = session
            .query::<Writer>()
            .join(Writer::novels)
            .join(Novel::genres)
            .filter(Genre::name.eq("crime"))
            .all()?;
        assert_eq!(names(&crime), ["Bob"]);
        // A filtered relationship's condition goes into the ON clause.
        let misc_only = session
            .query::<Novel>()
            .join(Novel::real_genres)
            .filter(Genre::name.eq("misc"))
            .count()?;
        assert_eq!(misc_only, 0);
        assert_eq!(
            selects(&engine),
            [
                "SELECT novel.id, novel.writer_id, novel.year FROM novel JOIN novel_genre ON novel.id = novel_genre.novel_id JOIN genre ON novel_genre.genre_id = genre.id WHERE genre.name = ? ORDER BY novel.year ['sf']".to_owned(),
                format!("{WRITER} JOIN novel ON writer.id = novel.writer_id JOIN novel_genre ON novel.id = novel_genre.novel_id JOIN genre ON novel_genre.genre_id = genre.id WHERE genre.name = ? ['crime']"),
                "SELECT count(*) FROM novel JOIN novel_genre ON novel.id = novel_genre.novel_id JOIN genre ON novel_genre.genre_id = genre.id AND genre.name <> ? WHERE genre.name = ? ['misc', 'misc']".to_owned(),
            ]
        );
        Ok(())
    }

    #[test]
    fn any_and_has_are_exists_subqueries() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let recent = session
            .query::<Writer>()
            .filter(Writer::novels.any(Novel::year.gt(2000)))
            .all()?;
        assert_eq!(names(&recent), ["Ann"]);
        let idle = session
            .query::<Writer>()
            .filter(!Writer::novels.any(orm_core::Filter::always()))
            .all()?;
        assert_eq!(names(&idle), ["Cid"]);
        let by_bob = session
            .query::<Novel>()
            .filter(Novel::writer.has(Writer::name.eq("Bob")) | Novel::year.eq(2021))
            .order_by(Novel::year)
            .all()?;
        assert_eq!(by_bob.iter().map(|n| n.borrow().year).collect::<Vec<_>>(), [1980, 2021]);
        // Through the association table, nested, and with a filtered relationship's own condition.
        let sf_writers = session
            .query::<Writer>()
            .filter(Writer::novels.any(Novel::genres.any(Genre::name.eq("sf"))))
            .count()?;
        assert_eq!(sf_writers, 1);
        let only_misc = session
            .query::<Novel>()
            .filter(Novel::real_genres.any(Genre::name.eq("misc")))
            .count()?;
        assert_eq!(only_misc, 0);
        assert_eq!(
            selects(&engine),
            [
                "SELECT id, name FROM writer WHERE EXISTS (SELECT 1 FROM novel WHERE novel.writer_id = writer.id AND novel.year > ?) [2000]",
                "SELECT id, name FROM writer WHERE NOT EXISTS (SELECT 1 FROM novel WHERE novel.writer_id = writer.id)",
                "SELECT id, writer_id, year FROM novel WHERE EXISTS (SELECT 1 FROM writer WHERE writer.id = novel.writer_id AND writer.name = ?) OR year = ? ORDER BY year ['Bob', 2021]",
                "SELECT count(*) FROM writer WHERE EXISTS (SELECT 1 FROM novel WHERE novel.writer_id = writer.id AND EXISTS (SELECT 1 FROM novel_genre JOIN genre ON novel_genre.genre_id = genre.id WHERE novel_genre.novel_id = novel.id AND genre.name = ?)) ['sf']",
                "SELECT count(*) FROM novel WHERE EXISTS (SELECT 1 FROM novel_genre JOIN genre ON novel_genre.genre_id = genre.id WHERE novel_genre.novel_id = novel.id AND genre.name <> ? AND genre.name = ?) ['misc', 'misc']",
            ]
        );
        Ok(())
    }

    #[test]
    fn a_self_referential_any_aliases_the_inner_table() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let root = Obj::new(Node::default());
        root.append(Node::children, &Obj::new(Node::default()))?;
        session.add(&root)?;
        session.commit()?;
        engine.take_recorded();
        let parents = session
            .query::<Node>()
            .filter(Node::children.any(orm_core::Filter::always()))
            .all()?;
        assert_eq!(parents.len(), 1);
        assert!(parents[0].ptr_eq(&root));
        let leaves = session.query::<Node>().filter(Node::parent.has(Node::parent_id.is_null())).count()?;
        assert_eq!(leaves, 1);
        assert_eq!(
            selects(&engine),
            [
                "SELECT id, parent_id FROM node WHERE EXISTS (SELECT 1 FROM node AS node_1 WHERE node_1.parent_id = node.id)",
                "SELECT count(*) FROM node WHERE EXISTS (SELECT 1 FROM node AS node_1 WHERE node_1.id = node.parent_id AND node_1.parent_id IS NULL)",
            ]
        );
        Ok(())
    }

    #[test]
    fn a_self_join_without_an_alias_is_refused() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let result = session.query::<Node>().join(Node::children).all();
        assert!(
            matches!(result, Err(Error::UnsupportedJoin { model: "Node", relationship: "children", table: "node" })),
            "{result:?}"
        );
        assert!(selects(&engine).is_empty());
        Ok(())
    }
}
