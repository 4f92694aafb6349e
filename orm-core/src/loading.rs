//! Loading rows into objects: SELECTs, identity-map registration, and
//! relationship loading, lazy (one owner) or eager "selectin" (every owner
//! of a query level at once, one query per level).

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};
use crate::filter::Condition;
use crate::identity::Key;
use crate::meta::{Lazy, RelRef};
use crate::obj::AnyObj;
use crate::operators::OrderTerm;
use crate::registry::Direction;
use crate::session::SessionInner;
use crate::sql::{Output, RelatedSelect, SelectShape};
use crate::state::{Committed, RelSnapshots};
use crate::value::Value;

/// How many keys one `IN (...)` carries at most.
const CHUNK: usize = 500;

/// A window of a query's rows: `LIMIT` and `OFFSET`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Page {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A one-table query: its condition, order, window and `DISTINCT`.
pub(crate) struct SelectSpec<'a> {
    pub filter: &'a Condition,
    pub order: &'a [OrderTerm],
    pub page: Page,
    pub distinct: bool,
    /// Joins along relationships, resolved.
    pub joins: &'a [crate::join::Join],
}

/// Runs the query of `spec` on the table of `mapper` and returns one object
/// per row, through the identity map.
pub(crate) fn select(
    session: &Rc<SessionInner>,
    mapper: usize,
    spec: &SelectSpec<'_>,
) -> Result<Vec<AnyObj>> {
    let rows = select_rows(session, mapper, spec, Output::Rows)?;
    rows.into_iter()
        .map(|row| register_row(session, mapper, row))
        .collect()
}

/// Runs the query of `spec` for `output` and returns the raw rows. A
/// query that binds more values than the backend takes runs in several
/// statements when their rows together are its rows (see
/// [`Condition::split_in_list`]), else is refused before any SQL.
pub(crate) fn select_rows(
    session: &Rc<SessionInner>,
    mapper: usize,
    spec: &SelectSpec<'_>,
    output: Output,
) -> Result<Vec<Vec<Value>>> {
    let meta = session.registry.mappers[mapper].meta;
    let paged = output == Output::One || spec.page != Page::default();
    let window = if paged { 2 } else { 0 };
    let on: usize = spec.joins.iter().map(|j| j.filter.param_count()).sum();
    let window = window + on;
    let count = spec.filter.param_count() + window;
    let limit = session.engine.dialect().max_parameters();
    if count <= limit {
        return select_once(session, mapper, spec, output);
    }
    let too_many = Error::TooManyParameters {
        model: meta.name,
        count,
        limit,
    };
    // Several statements give the same rows only when no order or offset
    // relates rows of different statements, and a count only without a
    // window.
    let splittable = spec.order.is_empty()
        && spec.page.offset.unwrap_or(0) == 0
        && (output != Output::Count || !paged);
    if !splittable {
        return Err(too_many);
    }
    let Some(parts) = spec.filter.split_in_list(limit - window) else {
        return Err(too_many);
    };
    let mut rows = Vec::new();
    let mut total = 0i64;
    for part in &parts {
        let one = SelectSpec {
            filter: part,
            ..*spec
        };
        let found = select_once(session, mapper, &one, output)?;
        match output {
            Output::Count => {
                total += match found.first().and_then(|r| r.first()) {
                    Some(Value::Integer(n)) => *n,
                    other => return Err(Error::Internal(format!("count(*) returned {other:?}"))),
                }
            }
            Output::One | Output::Rows => rows.extend(found),
        }
        let max = spec
            .page
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        if rows.len() >= max {
            rows.truncate(max);
            break;
        }
    }
    if output == Output::Count {
        rows.push(vec![Value::Integer(total)]);
    }
    Ok(rows)
}

fn select_once(
    session: &Rc<SessionInner>,
    mapper: usize,
    spec: &SelectSpec<'_>,
    output: Output,
) -> Result<Vec<Vec<Value>>> {
    let meta = session.registry.mappers[mapper].meta;
    let mut params: Vec<Value> = spec.joins.iter().flat_map(|j| j.filter.params()).collect();
    params.extend(spec.filter.params());
    let paged = output == Output::One || spec.page != Page::default();
    if paged {
        // Both bound, so that one statement text serves every page; an
        // offset alone gets the largest limit every database accepts.
        let clamp = |n: u64| Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
        params.push(spec.page.limit.map_or(Value::Integer(i64::MAX), clamp));
        params.push(clamp(spec.page.offset.unwrap_or(0)));
    }
    let shape = SelectShape {
        filter: spec.filter,
        order: spec.order,
        paged,
        distinct: spec.distinct,
        output,
        joins: spec.joins,
    };
    let dialect = session.engine.dialect();
    let sql = session.statements.select(dialect, mapper, meta, &shape);
    Ok(session.engine.query(&sql, &params)?)
}

/// The object for a row: the one in the identity map if there is one (its
/// in-memory state wins), else a new persistent object.
pub(crate) fn register_row(
    session: &Rc<SessionInner>,
    mapper: usize,
    row: Vec<Value>,
) -> Result<AnyObj> {
    let m = &session.registry.mappers[mapper];
    if row.len() != m.meta.columns.len() {
        return Err(Error::Internal(format!(
            "{} row has {} values for {} columns",
            m.meta.name,
            row.len(),
            m.meta.columns.len()
        )));
    }
    let key = m.key_of(&row);
    let known = session.identity.borrow().get(mapper, &key).cloned();
    if let Some(obj) = known {
        // In-memory state wins, unless the object was expired.
        if obj.state()?.expired {
            crate::expiry::overwrite(&obj, row)?;
        }
        return Ok(obj);
    }
    let obj = (m.meta.construct)(row)?;
    {
        let mut state = obj.state_mut()?;
        state.session = Some(Rc::downgrade(session));
        state.key = Some(key.clone());
        // The committed row is the one the fields hold, as the object
        // writes it (a stored value in another form than the field's,
        // SQLite's `CURRENT_TIMESTAMP` without an offset or PostgreSQL's
        // spacing of JSON, would otherwise look changed); it is copied out
        // only when a column is written.
        state.committed = Committed::InFields;
        state.committed_rels = RelSnapshots::loaded();
    }
    obj.clear_modified();
    session
        .identity
        .borrow_mut()
        .insert(mapper, key, obj.clone())
        .map_err(|_| Error::Internal("identity map changed during load".into()))?;
    Ok(obj)
}

/// Loads `obj.rel` from the database if it is not loaded yet (lazy loading).
pub(crate) fn ensure_loaded(obj: &AnyObj, rel: RelRef) -> Result<()> {
    if obj.rel(rel)?.is_loaded() {
        return Ok(());
    }
    let session = obj.session().ok_or_else(|| Error::Detached {
        model: obj.meta().name,
        relationship: rel.info(obj.meta()).map_or("?", |i| i.name),
    })?;
    load_related(&session, std::slice::from_ref(obj), rel)?;
    if session.registry.eager_defaults {
        load_eager_defaults(&session, &obj.rel(rel)?.items())?;
    }
    Ok(())
}

/// What the database holds for `obj.rel`, without touching the field.
pub(crate) fn fetch_related(
    session: &Rc<SessionInner>,
    obj: &AnyObj,
    rel: RelRef,
) -> Result<Vec<AnyObj>> {
    Ok(query_related(session, std::slice::from_ref(obj), rel)?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// Loads `rel` for every owner in `owners` (all of one model) that does not
/// have it loaded, with one query per [`CHUNK`] owners; returns the owners
/// it loaded it for.
pub(crate) fn load_related(
    session: &Rc<SessionInner>,
    owners: &[AnyObj],
    rel: RelRef,
) -> Result<Vec<AnyObj>> {
    let mut unloaded = Vec::new();
    for owner in owners {
        if !owner.rel(rel)?.is_loaded() {
            unloaded.push(owner.clone());
        }
    }
    if unloaded.is_empty() {
        return Ok(unloaded);
    }
    let groups = query_related(session, &unloaded, rel)?;
    for (owner, group) in unloaded.iter().zip(groups) {
        owner.keeping_modified_flag(|| {
            owner.rel_mut(rel)?.load(group.clone())?;
            owner.state_mut()?.committed_rels.set(rel, Some(group));
            Ok(())
        })?;
    }
    Ok(unloaded)
}

/// What `rel` of `owners` holds, each object once, in order.
pub(crate) fn targets_of(owners: &[AnyObj], rel: RelRef) -> Result<Vec<AnyObj>> {
    let mut targets = Vec::new();
    let visit = crate::obj::Visit::new();
    for owner in owners {
        for target in owner.rel(rel)?.items() {
            if target.first_visit(&visit) {
                targets.push(target);
            }
        }
    }
    Ok(targets)
}

/// Loads the `lazy = "selectin"` relationships of freshly loaded objects,
/// level by level, until a level loads nothing new.
pub(crate) fn load_eager_defaults(session: &Rc<SessionInner>, objs: &[AnyObj]) -> Result<()> {
    if !session.registry.eager_defaults {
        return Ok(());
    }
    let mut level: Vec<AnyObj> = objs.to_vec();
    let mut guard = 0;
    while !level.is_empty() && guard < 64 {
        guard += 1;
        let mut next = Vec::new();
        for (mapper, group) in by_mapper(session, &level)? {
            let eager: Vec<RelRef> = session.registry.mappers[mapper]
                .all_relationships()
                .filter(|(_, r)| r.lazy == Lazy::Selectin)
                .map(|(rel, _)| rel)
                .collect();
            for rel in eager {
                let loaded = load_related(session, &group, rel)?;
                for owner in &loaded {
                    next.extend(owner.rel(rel)?.items());
                }
            }
        }
        level = next;
    }
    Ok(())
}

/// Groups objects by mapper, keeping their order.
pub(crate) fn by_mapper(
    session: &SessionInner,
    objs: &[AnyObj],
) -> Result<Vec<(usize, Vec<AnyObj>)>> {
    let mut groups: Vec<(usize, Vec<AnyObj>)> = Vec::new();
    for obj in objs {
        let m = session.mapper_index(obj.meta())?;
        match groups.iter_mut().find(|(g, _)| *g == m) {
            Some((_, list)) => list.push(obj.clone()),
            None => groups.push((m, vec![obj.clone()])),
        }
    }
    Ok(groups)
}

/// Key values of `obj` at columns `cols`, or `None` if one is NULL.
fn key_of(obj: &AnyObj, cols: impl Iterator<Item = usize>) -> Result<Option<Key>> {
    let mut key = Key::new();
    for c in cols {
        let v = obj.column_value(c)?;
        if v.is_null() {
            return Ok(None);
        }
        key.push(v);
    }
    Ok(Some(key))
}

/// For each owner, what the database holds for `rel`, in query order.
fn query_related(
    session: &Rc<SessionInner>,
    owners: &[AnyObj],
    rel: RelRef,
) -> Result<Vec<Vec<AnyObj>>> {
    let Some(first) = owners.first() else {
        return Ok(Vec::new());
    };
    let mapper = session.mapper(first.meta())?;
    let resolved = mapper.resolved(rel).ok_or_else(|| {
        Error::Internal(format!("{} has no relationship {rel:?}", mapper.meta.name))
    })?;
    let target_index = resolved.target;
    let target = &session.registry.mappers[target_index];

    // The key each owner looks up, and the columns it is matched against.
    let owner_key_cols: Vec<usize> = match resolved.direction {
        Direction::ManyToOne => resolved.pairs.iter().map(|&(_, fk)| fk).collect(),
        Direction::OneToMany => resolved.pairs.iter().map(|&(p, _)| p).collect(),
        Direction::ManyToMany => resolved
            .secondary
            .as_ref()
            .map(|l| l.local.iter().map(|&(own, _)| own).collect())
            .unwrap_or_default(),
    };
    let mut keys: Vec<Option<Key>> = Vec::with_capacity(owners.len());
    for owner in owners {
        keys.push(key_of(owner, owner_key_cols.iter().copied())?);
    }
    // Each key's group of targets: its position in `groups`. Keys of one
    // column (the usual case) need no heap block.
    let mut found: FxHashMap<Key, usize> = FxHashMap::default();
    let mut groups: Vec<Vec<AnyObj>> = Vec::new();

    // Many-to-one onto the primary key: the identity map may already know.
    // (Not with a filter: the object found might not pass it.)
    let onto_key = resolved.direction == Direction::ManyToOne
        && resolved.filter.is_empty()
        && resolved.pairs.iter().map(|&(p, _)| p).collect::<Vec<_>>() == target.primary_key;
    let mut wanted: Vec<Key> = Vec::new();
    if let [key] = &keys[..] {
        // One owner (a lazy load): nothing to group, no table of keys.
        let Some(key) = key else {
            return Ok(vec![Vec::new()]);
        };
        if onto_key {
            if let Some(obj) = session.identity.borrow().get(target_index, key) {
                return Ok(vec![vec![obj.clone()]]);
            }
        }
        wanted.push(key.clone());
    } else {
        let mut wanted_set = FxHashSet::default();
        for key in keys.iter().flatten() {
            if found.contains_key(key) || wanted_set.contains(key) {
                continue;
            }
            if onto_key {
                if let Some(obj) = session.identity.borrow().get(target_index, key) {
                    found.insert(key.clone(), groups.len());
                    groups.push(vec![obj.clone()]);
                    continue;
                }
            }
            wanted_set.insert(key.clone());
            wanted.push(key.clone());
        }
    }
    // One key asked for: every row is its group's.
    let single = wanted.len() == 1;
    if single {
        if keys.len() > 1 {
            found.insert(wanted[0].clone(), groups.len());
        }
        groups.push(Vec::new());
    }

    // For many-to-many: the association table and its join pairs.
    type Secondary = Option<(usize, Vec<(usize, usize)>)>;
    let (key_columns, secondary): (Vec<usize>, Secondary) = match resolved.direction {
        Direction::ManyToOne => (resolved.pairs.iter().map(|&(p, _)| p).collect(), None),
        Direction::OneToMany => (resolved.pairs.iter().map(|&(_, fk)| fk).collect(), None),
        Direction::ManyToMany => {
            let link = resolved
                .secondary
                .as_ref()
                .ok_or_else(|| Error::Internal("many-to-many without secondary".into()))?;
            (
                link.local.iter().map(|&(_, sc)| sc).collect(),
                Some((link.table, link.remote.clone())),
            )
        }
    };
    let mut filter = resolved.filter.clone();
    filter.resolve(&session.registry)?;
    let filter_params = filter.params();
    for chunk in wanted.chunks(CHUNK) {
        let table = secondary.as_ref().map(|(t, join)| {
            let def = &session.registry.tables[*t];
            crate::sql::JoinTable {
                name: def.name,
                columns: def.columns,
                join: join.as_slice(),
            }
        });
        let shape = RelatedSelect {
            target: target.meta,
            secondary: table,
            key_columns: &key_columns,
            keys: chunk.len(),
            order: &resolved.order_by,
            filter: &filter,
        };
        let sql = session.statements.related(
            session.engine.dialect(),
            target_index,
            secondary.as_ref().map(|(t, _)| *t),
            &shape,
        );
        let params: Vec<Value> = filter_params
            .iter()
            .chain(chunk.iter().flatten())
            .cloned()
            .collect();
        let rows = session.engine.query(&sql, &params)?;
        if single {
            let last = groups.len() - 1;
            let group = &mut groups[last];
            group.reserve(rows.len());
            for mut row in rows {
                if secondary.is_some() {
                    row.drain(..key_columns.len());
                }
                group.push(register_row(session, target_index, row)?);
            }
            continue;
        }
        for mut row in rows {
            // The group key: the association columns selected first, or the
            // target's own key columns.
            let key: Key = if secondary.is_some() {
                row.drain(..key_columns.len()).collect()
            } else {
                key_columns.iter().map(|&c| row[c].clone()).collect()
            };
            let obj = register_row(session, target_index, row)?;
            let next = groups.len();
            let group = *found.entry(key).or_insert(next);
            if group == next {
                groups.push(Vec::new());
            }
            groups[group].push(obj);
        }
    }
    if keys.len() == 1 {
        return Ok(groups);
    }
    // Each owner's group, moved out to the last owner with its key (owners
    // may share one: children of one parent) and copied for the others.
    let owner_groups: Vec<Option<usize>> = keys
        .iter()
        .map(|key| key.as_ref().and_then(|k| found.get(k).copied()))
        .collect();
    let mut last_owner = vec![0; groups.len()];
    for (owner, group) in owner_groups.iter().enumerate() {
        if let Some(g) = *group {
            last_owner[g] = owner;
        }
    }
    Ok(owner_groups
        .into_iter()
        .enumerate()
        .map(|(owner, group)| match group {
            Some(g) if last_owner[g] == owner => std::mem::take(&mut groups[g]),
            Some(g) => groups[g].clone(),
            None => Vec::new(),
        })
        .collect())
}
