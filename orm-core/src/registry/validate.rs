//! Cross-model checks of the configure step.

use super::{Direction, Mapper, TableDef};
use crate::error::ConfigError;

/// `back_populates` pairs must name each other and use the same foreign key
/// (or association table) in opposite directions.
pub(super) fn back_populates(mappers: &[Mapper], m: usize, r: usize) -> Result<(), ConfigError> {
    let mapper = &mappers[m];
    let rel = &mapper.meta.relationships[r];
    let Some(name) = rel.back_populates else {
        return Ok(());
    };
    let resolved = &mapper.relationships[r];
    let target = &mappers[resolved.target];
    let Some(reverse) = target.meta.relationship_index(name) else {
        return Err(ConfigError::UnknownBackPopulates {
            model: mapper.meta.name,
            relationship: rel.field,
            target: target.meta.name,
            back_populates: name,
        });
    };
    let other = &target.meta.relationships[reverse];
    let other_resolved = &target.relationships[reverse];
    let mismatch = |problem: String| ConfigError::MismatchedBackPopulates {
        model: mapper.meta.name,
        relationship: rel.field,
        target: target.meta.name,
        other: other.field,
        problem,
    };
    if other_resolved.target != m {
        return Err(mismatch(format!(
            "`{}.{}` targets {}, not {}; back_populates must name a relationship back to this model",
            target.meta.name, other.field, mappers[other_resolved.target].meta.name, mapper.meta.name
        )));
    }
    if other.back_populates != Some(rel.field) {
        return Err(mismatch(format!(
            "add `back_populates = \"{}\"` to `{}.{}` so the two sides name each other",
            rel.field, target.meta.name, other.field
        )));
    }
    let complementary = match (resolved.direction, other_resolved.direction) {
        (Direction::ManyToMany, Direction::ManyToMany) => {
            match (&resolved.secondary, &other_resolved.secondary) {
                (Some(a), Some(b)) => {
                    a.table == b.table && a.local == b.remote && a.remote == b.local
                }
                _ => false,
            }
        }
        (Direction::OneToMany, Direction::ManyToOne)
        | (Direction::ManyToOne, Direction::OneToMany) => other_resolved.pairs == resolved.pairs,
        _ => false,
    };
    if !complementary {
        let problem = if resolved.direction == Direction::ManyToMany
            || other_resolved.direction == Direction::ManyToMany
        {
            "the two sides must use the same `secondary` table, with the same `foreign_keys`"
                .to_owned()
        } else {
            "the two sides do not use the same foreign key in opposite directions; use the same `foreign_keys` on both"
                .to_owned()
        };
        return Err(mismatch(problem));
    }
    if rel.viewonly != other.viewonly {
        return Err(mismatch(
            "one side is viewonly and the other is not; mark both viewonly or neither".to_owned(),
        ));
    }
    Ok(())
}

/// An association table written both as a `secondary` and through the
/// model that maps it would get every row twice (the pitfall SQLAlchemy's
/// documentation warns about): one of the two must be `viewonly`.
pub(super) fn secondary_mapped_twice(
    mappers: &[Mapper],
    tables: &[TableDef],
) -> Result<(), ConfigError> {
    for mapper in mappers {
        for (_, rel) in mapper.all_relationships() {
            let Some(link) = &rel.secondary else {
                continue;
            };
            let Some(model) = tables[link.table].model else {
                continue;
            };
            if rel.viewonly {
                continue;
            }
            let writable = mappers
                .iter()
                .flat_map(|other| other.all_relationships().map(move |(_, r)| (other, r)))
                .find(|(other, r)| {
                    !r.viewonly
                        && r.secondary.is_none()
                        && ((r.target == model) || std::ptr::eq(other.meta, mappers[model].meta))
                });
            if let Some((other, other_rel)) = writable {
                return Err(ConfigError::SecondaryMappedTwice {
                    table: tables[link.table].name,
                    relationship: format!("{}.{}", mapper.meta.name, rel.name),
                    model: mappers[model].meta.name,
                    other: format!("{}.{}", other.meta.name, other_rel.name),
                });
            }
        }
    }
    Ok(())
}
