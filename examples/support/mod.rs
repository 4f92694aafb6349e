//! What the examples share: printing the rows of tables.

use orm_core::Engine;

/// Prints every row of each table, as the database has them now.
pub fn print_rows(engine: &Engine, title: &str, tables: &[&str]) -> orm_core::Result<()> {
    println!("-- rows {title}");
    for table in tables {
        for row in engine.query(&format!("SELECT * FROM \"{table}\""), &[])? {
            let values: Vec<String> = row.iter().map(ToString::to_string).collect();
            println!("   {table}: ({})", values.join(", "));
        }
    }
    Ok(())
}
