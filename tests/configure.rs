//! The configure step: every misconfiguration is a typed error whose
//! message says what to change.

#[macro_use]
mod common;

use orm_core::prelude::*;
use orm_core::{ConfigError, Direction};

mod ambiguous {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Person {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship]
        pub children: Many<Kid>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Kid {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub mother_id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub father_id: Option<i64>,
    }
}

#[test]
fn two_foreign_keys_to_one_table_are_ambiguous() {
    let err = Registry::builder()
        .model::<ambiguous::Person>()
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::AmbiguousForeignKeys { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Person.children: more than one foreign key links `person` and `kid` \
         (kid.mother_id, kid.father_id); say which with `foreign_keys = \"...\"`"
    );
}

mod disambiguated {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "person")]
    pub struct Person {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(foreign_keys = "kid.mother_id", back_populates = "mother")]
        pub children: Many<Kid>,
        #[relationship(foreign_keys = ["father_id"])]
        pub fathered: Many<Kid>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "kid")]
    pub struct Kid {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub mother_id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub father_id: Option<i64>,
        #[relationship(foreign_keys = "mother_id", back_populates = "children")]
        pub mother: One<Person>,
    }
}

backend_tests! {
    #[test]
    fn foreign_keys_resolves_the_ambiguity() -> orm_core::Result<()> {
        use disambiguated::{Kid, Person};
        let registry = Registry::builder().model::<Person>().build()?;
        assert_eq!(
            registry.direction(Person::children),
            Some(Direction::OneToMany)
        );
        assert_eq!(registry.direction(Kid::mother), Some(Direction::ManyToOne));

        let engine = common::engine();
        registry.create_all(&engine)?;
        let session = Session::new(&engine, &registry);
        let mum = Obj::new(Person::default());
        let dad = Obj::new(Person::default());
        let kid = Obj::new(Kid::default());
        kid.set(Kid::mother, &mum)?;
        dad.append(Person::fathered, &kid)?;
        session.add(&kid)?;
        session.add(&dad)?;
        session.commit()?;
        let rows = engine.query("SELECT mother_id, father_id FROM kid", &[])?;
        assert_eq!(rows, vec![vec![1.into(), 2.into()]]);
        Ok(())
    }
}

mod bad_foreign_keys_argument {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Owner {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(foreign_keys = "pet.nope")]
        pub pets: Many<Pet>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Pet {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "owner.id")]
        pub owner_id: Option<i64>,
    }
}

#[test]
fn foreign_keys_must_name_a_foreign_key() {
    let err = Registry::builder()
        .model::<bad_foreign_keys_argument::Owner>()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Owner.pets: `foreign_keys` names `pet.nope`, which is not a foreign key column between `owner` and `pet`"
    );
}

mod no_foreign_key {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Shelf {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship]
        pub books: Many<Book>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Book {
        #[column(primary_key)]
        pub id: Option<i64>,
    }
}

#[test]
fn a_relationship_needs_a_foreign_key() {
    let err = Registry::builder()
        .model::<no_foreign_key::Shelf>()
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::NoForeignKey { .. }));
    assert_eq!(
        err.to_string(),
        "Shelf.books: no foreign key links table `shelf` and table `book`; \
         add `#[column(foreign_key = \"book.<column>\")]` on one side"
    );
}

mod unknown_table {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Orphan {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "nowhere.id")]
        pub nowhere_id: Option<i64>,
    }
}

#[test]
fn a_foreign_key_must_name_a_mapped_table() {
    let err = Registry::builder()
        .model::<unknown_table::Orphan>()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Orphan.nowhere_id: foreign key `nowhere.id` names table `nowhere`, which no registered model maps; \
         register that model or fix the reference"
    );
}

mod unknown_column {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Team {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship]
        pub players: Many<Player>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Player {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "team.ident")]
        pub team_id: Option<i64>,
    }
}

#[test]
fn a_foreign_key_must_name_an_existing_column() {
    let err = Registry::builder()
        .model::<unknown_column::Team>()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Player.team_id: foreign key `team.ident` names column `ident`, which table `team` does not have (it has id)"
    );
}

mod duplicate_table {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "thing")]
    pub struct First {
        #[column(primary_key)]
        pub id: Option<i64>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "thing")]
    pub struct Second {
        #[column(primary_key)]
        pub id: Option<i64>,
    }
}

#[test]
fn two_models_cannot_map_one_table() {
    let err = Registry::builder()
        .model::<duplicate_table::First>()
        .model::<duplicate_table::Second>()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "models First and Second both map table `thing`; give one of them another `#[model(table = \"...\")]`"
    );
}

mod one_sided_back_populates {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Blog {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "blog")]
        pub posts: Many<Post>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Post {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "blog.id")]
        pub blog_id: Option<i64>,
        #[relationship]
        pub blog: One<Blog>,
    }
}

#[test]
fn back_populates_must_be_declared_on_both_sides() {
    let err = Registry::builder()
        .model::<one_sided_back_populates::Blog>()
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::MismatchedBackPopulates { .. }));
    assert_eq!(
        err.to_string(),
        "Blog.posts and Post.blog: add `back_populates = \"posts\"` to `Post.blog` so the two sides name each other"
    );
}

mod many_on_the_foreign_key_side {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Album {
        #[column(primary_key)]
        pub id: Option<i64>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Track {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "album.id")]
        pub album_id: Option<i64>,
        #[relationship]
        pub albums: Many<Album>,
    }
}

#[test]
fn the_foreign_key_side_holds_one_object() {
    let err = Registry::builder()
        .model::<many_on_the_foreign_key_side::Track>()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Track.albums: the foreign key is on `track`, so this side is many-to-one \
         and holds one object: declare it as `One<Album>`"
    );
}

mod different_keys {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "person")]
    pub struct Person {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(foreign_keys = "mother_id", back_populates = "parent")]
        pub children: Many<Kid>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "kid")]
    pub struct Kid {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub mother_id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub father_id: Option<i64>,
        #[relationship(foreign_keys = "father_id", back_populates = "children")]
        pub parent: One<Person>,
    }
}

#[test]
fn back_populates_pairs_share_one_foreign_key() {
    let err = Registry::builder()
        .model::<different_keys::Person>()
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Person.children and Kid.parent: the two sides do not use the same foreign key in opposite \
         directions; use the same `foreign_keys` on both"
    );
}

mod table_cycle {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Egg {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "hen.id")]
        pub hen_id: Option<i64>,
        #[relationship(foreign_keys = "hen_id")]
        pub hen: One<Hen>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Hen {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "egg.id")]
        pub egg_id: Option<i64>,
        #[relationship(foreign_keys = "hen.egg_id")]
        pub egg: One<Egg>,
    }
}

#[test]
fn a_foreign_key_cycle_between_tables_needs_post_update() {
    let err = Registry::builder()
        .model::<table_cycle::Egg>()
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::TableCycle { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the foreign keys of tables egg -> hen -> egg form a cycle; add `post_update = true` to \
         Egg.hen or Hen.egg so that its foreign key is written by a second UPDATE"
    );
}

#[test]
fn relationship_targets_are_registered_with_their_owner() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<disambiguated::Kid>().build()?;
    assert_eq!(registry.tables(), ["person", "kid"]);
    Ok(())
}
