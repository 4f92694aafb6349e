//! A long-lived session that sees another session's commits when it asks:
//! `refresh`, `expire` and `expire_on_commit`.
//!
//! Two engines open one SQLite file, as two processes would. The reader
//! keeps its objects loaded across commits (the default); `refresh` reads a
//! row again now, `expire` makes the next load of the row overwrite the
//! object, and a row deleted meanwhile is a typed error.
//!
//! Run with `cargo run --example long_lived_session`.

use orm_core::prelude::*;
use orm_core::Error;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

/// A product with its stock level.
#[derive(Model, Debug, Default)]
#[model(table = "product")]
pub struct Product {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub stock: i64,
}

fn main() -> orm_core::Result<()> {
    let path = std::env::temp_dir().join(format!("orm-long-lived-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let registry = Registry::builder().model::<Product>().build()?;

    let reader_engine = orm_sqlite::open(&path)?.echo(true);
    registry.create_all(&reader_engine)?;
    let writer_engine = orm_sqlite::open(&path)?;
    let reader = Session::new(&reader_engine, &registry);
    let writer = Session::new(&writer_engine, &registry);

    println!("== the reader creates two products");
    let lamp = Obj::new(Product {
        name: "lamp".into(),
        stock: 10,
        ..Default::default()
    });
    let desk = Obj::new(Product {
        name: "desk".into(),
        stock: 3,
        ..Default::default()
    });
    reader.add(&lamp)?;
    reader.add(&desk)?;
    reader.commit()?;

    println!("== the writer sells two lamps and removes the desk");
    let theirs = writer.get::<Product>(1)?.expect("the lamp");
    theirs.borrow_mut().stock -= 2;
    let their_desk = writer.get::<Product>(2)?.expect("the desk");
    writer.delete(&their_desk)?;
    writer.commit()?;
    print_rows(&reader_engine, "after the writer's commit", &["product"])?;

    println!(
        "== the reader still shows what it loaded: lamp stock {}",
        lamp.borrow().stock
    );
    reader.refresh(&lamp)?;
    println!("== after refresh: lamp stock {}", lamp.borrow().stock);

    match reader.refresh(&desk) {
        Err(Error::ObjectDeleted { model, key }) => {
            println!("== refresh of the desk: {model} {key} was deleted elsewhere")
        }
        other => println!("== unexpected: {other:?}"),
    }
    assert!(reader.get::<Product>(2)?.is_none());

    println!("== expire: the next get reads the row");
    theirs.borrow_mut().stock -= 1;
    writer.commit()?;
    reader.expire(&lamp)?;
    let lamp_again = reader.get::<Product>(1)?.expect("the lamp");
    assert!(lamp_again.ptr_eq(&lamp));
    println!("== lamp stock now {}", lamp.borrow().stock);

    println!("== expire_on_commit: every commit expires the session's objects");
    reader.set_expire_on_commit(true);
    reader.commit()?;
    theirs.borrow_mut().stock = 50;
    writer.commit()?;
    reader.get::<Product>(1)?;
    println!(
        "== lamp stock after restocking elsewhere: {}",
        lamp.borrow().stock
    );
    assert_eq!(lamp.borrow().stock, 50);

    drop((reader, writer, reader_engine, writer_engine));
    let _ = std::fs::remove_file(&path);
    Ok(())
}
