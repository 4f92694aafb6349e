// Keyword field names (`r#type`, `r#match`) map to plain column and
// relationship names.
use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
pub struct Game {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub r#type: String,
    #[relationship(back_populates = "game")]
    pub r#match: Many<Round>,
}

#[derive(Model, Debug, Default)]
pub struct Round {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "game.id")]
    pub game_id: Option<i64>,
    #[relationship(back_populates = "match")]
    pub game: One<Game>,
}

fn main() {
    let columns: Vec<&str> = Game::meta().columns.iter().map(|c| c.name).collect();
    assert_eq!(columns, ["id", "type"]);
    assert_eq!(Game::meta().relationships[0].field, "match");
    let registry = Registry::builder().model::<Game>().build().unwrap();
    assert_eq!(registry.tables(), ["game", "round"]);
}
