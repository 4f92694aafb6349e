//! The many-to-many family on the library side: posts and tags through an
//! association table, checked against `links_model`.

use std::collections::BTreeSet;
use std::sync::Arc;

use orm_core::prelude::*;
use orm_core::{Engine, Error, Value};
use proptest::prelude::*;

use crate::links_model::{LinksModel, Node, Pair};

#[derive(Table)]
#[table(name = "post_tag")]
pub struct PostTag {
    #[column(primary_key, foreign_key = "post.id")]
    pub post_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}

#[derive(Model, Debug, Default)]
#[model(table = "post")]
pub struct Post {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub label: String,
    #[relationship(secondary = PostTag, back_populates = "posts")]
    pub tags: Many<Tag>,
}

#[derive(Model, Debug, Default)]
#[model(table = "tag")]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub label: String,
    #[relationship(secondary = "post_tag", back_populates = "tags")]
    pub posts: Many<Post>,
}

#[derive(Debug, Clone)]
pub enum LinkOp {
    NewPost,
    NewTag,
    Add(Node),
    /// `(post, tag, from the post's side)`.
    Link(usize, usize, bool),
    Unlink(usize, usize, bool),
    Delete(Node),
    Flush,
    Commit,
    Rollback,
}

pub fn link_op() -> impl Strategy<Value = LinkOp> {
    let i = 0..5usize;
    let node = prop_oneof![
        i.clone().prop_map(Node::Post),
        i.clone().prop_map(Node::Tag)
    ];
    prop_oneof![
        2 => Just(LinkOp::NewPost),
        2 => Just(LinkOp::NewTag),
        2 => node.clone().prop_map(LinkOp::Add),
        5 => (i.clone(), i.clone(), any::<bool>()).prop_map(|(p, t, f)| LinkOp::Link(p, t, f)),
        3 => (i.clone(), i, any::<bool>()).prop_map(|(p, t, f)| LinkOp::Unlink(p, t, f)),
        2 => node.prop_map(LinkOp::Delete),
        2 => Just(LinkOp::Flush),
        3 => Just(LinkOp::Commit),
        2 => Just(LinkOp::Rollback),
    ]
}

const MAX_POOL: usize = 5;

struct Links {
    registry: Arc<Registry>,
    engine: Engine,
    session: Session,
    posts: Vec<Obj<Post>>,
    tags: Vec<Obj<Tag>>,
    model: LinksModel,
}

pub fn run_links(ops: &[LinkOp]) -> Result<(), String> {
    let registry = Registry::builder()
        .model::<Post>()
        .build()
        .map_err(|e| e.to_string())?;
    let engine = crate::common::engine();
    registry.create_all(&engine).map_err(|e| e.to_string())?;
    let session = Session::new(&engine, &registry);
    let mut links = Links {
        registry,
        engine,
        session,
        posts: Vec::new(),
        tags: Vec::new(),
        model: LinksModel::default(),
    };
    for (step, op) in ops.iter().enumerate() {
        links
            .apply(op)
            .and_then(|()| links.check_memory())
            .map_err(|e| format!("step {step} ({op:?}): {e}"))?;
    }
    Ok(())
}

fn unexpected(what: &str, err: &Error) -> String {
    format!("{what}: unexpected error {err:?}")
}

impl Links {
    fn post(&self, i: usize) -> Option<usize> {
        let i = i % self.posts.len().max(1);
        (i < self.posts.len() && self.model.exists(Node::Post(i))).then_some(i)
    }

    fn tag(&self, i: usize) -> Option<usize> {
        let i = i % self.tags.len().max(1);
        (i < self.tags.len() && self.model.exists(Node::Tag(i))).then_some(i)
    }

    fn node(&self, node: Node) -> Option<Node> {
        match node {
            Node::Post(i) => self.post(i).map(Node::Post),
            Node::Tag(i) => self.tag(i).map(Node::Tag),
        }
    }

    fn apply(&mut self, op: &LinkOp) -> Result<(), String> {
        match *op {
            LinkOp::NewPost if self.posts.len() < MAX_POOL => {
                let label = format!("p{}", self.posts.len());
                self.posts.push(Obj::new(Post {
                    label,
                    ..Default::default()
                }));
                self.model.posts += 1;
            }
            LinkOp::NewTag if self.tags.len() < MAX_POOL => {
                let label = format!("t{}", self.tags.len());
                self.tags.push(Obj::new(Tag {
                    label,
                    ..Default::default()
                }));
                self.model.tags += 1;
            }
            LinkOp::NewPost | LinkOp::NewTag => {}
            LinkOp::Add(node) => {
                let Some(node) = self.node(node) else {
                    return Ok(());
                };
                match node {
                    Node::Post(i) => self.session.add(&self.posts[i]),
                    Node::Tag(i) => self.session.add(&self.tags[i]),
                }
                .map_err(|e| unexpected("add", &e))?;
                self.model.attach(node);
            }
            LinkOp::Link(p, t, from_post) | LinkOp::Unlink(p, t, from_post) => {
                let (Some(p), Some(t)) = (self.post(p), self.tag(t)) else {
                    return Ok(());
                };
                let (post, tag) = (&self.posts[p], &self.tags[t]);
                let linking = matches!(op, LinkOp::Link(..));
                // Not generated: removing a pair that is not linked. When
                // neither side is loaded the library records the removal
                // without SQL, and the flush's DELETE of a row that is not
                // there is StaleData (SQLAlchemy loads the collection and
                // raises at `remove` instead).
                if !linking && !self.model.pairs.contains(&(p, t)) {
                    return Ok(());
                }
                let result = match (linking, from_post) {
                    (true, true) => post.append(Post::tags, tag),
                    (true, false) => tag.append(Tag::posts, post),
                    (false, true) => post.remove(Post::tags, tag),
                    (false, false) => tag.remove(Tag::posts, post),
                };
                result.map_err(|e| unexpected("link", &e))?;
                if linking {
                    self.model.link((p, t), from_post);
                } else {
                    self.model.unlink((p, t));
                }
            }
            LinkOp::Delete(node) => {
                let Some(node) = self.node(node) else {
                    return Ok(());
                };
                let result = match node {
                    Node::Post(i) => self.session.delete(&self.posts[i]),
                    Node::Tag(i) => self.session.delete(&self.tags[i]),
                };
                match (result, self.model.persisted.contains(&node)) {
                    (Ok(()), true) => {
                        self.model.marked.insert(node);
                    }
                    (Err(Error::InvalidState { .. }), false) => {}
                    (other, _) => return Err(format!("delete: unexpected {other:?}")),
                }
            }
            LinkOp::Flush => {
                self.session.flush().map_err(|e| unexpected("flush", &e))?;
                self.model.flush();
                self.check_rows(&self.model.rows.clone(), &self.model.persisted.clone())?;
            }
            LinkOp::Commit => {
                self.session
                    .commit()
                    .map_err(|e| unexpected("commit", &e))?;
                self.model.commit();
                self.check_rows(&self.model.rows.clone(), &self.model.persisted.clone())?;
                self.check_fresh_session()?;
            }
            LinkOp::Rollback => {
                self.session
                    .rollback()
                    .map_err(|e| unexpected("rollback", &e))?;
                self.model.rollback();
                let committed = self.model.committed.clone();
                self.check_rows(&committed.rows, &committed.persisted)?;
            }
        }
        Ok(())
    }

    fn label_index(label: &str) -> Option<usize> {
        label.get(1..)?.parse().ok()
    }

    /// The association rows, as pool indices, and the object rows.
    fn read(&self) -> Result<(BTreeSet<Pair>, BTreeSet<Node>), String> {
        let query = |sql: &str| self.engine.query(sql, &[]).map_err(|e| e.to_string());
        let mut pairs = BTreeSet::new();
        for row in query(
            "SELECT p.label, t.label FROM post_tag pt \
             JOIN post p ON p.id = pt.post_id JOIN tag t ON t.id = pt.tag_id",
        )? {
            if let [Value::Text(p), Value::Text(t)] = row.as_slice() {
                pairs.insert((
                    Self::label_index(p).ok_or("bad label")?,
                    Self::label_index(t).ok_or("bad label")?,
                ));
            }
        }
        let mut nodes = BTreeSet::new();
        for row in query("SELECT label FROM post")? {
            if let [Value::Text(p)] = row.as_slice() {
                nodes.insert(Node::Post(Self::label_index(p).ok_or("bad label")?));
            }
        }
        for row in query("SELECT label FROM tag")? {
            if let [Value::Text(t)] = row.as_slice() {
                nodes.insert(Node::Tag(Self::label_index(t).ok_or("bad label")?));
            }
        }
        Ok((pairs, nodes))
    }

    fn check_rows(&self, pairs: &BTreeSet<Pair>, nodes: &BTreeSet<Node>) -> Result<(), String> {
        let (db_pairs, db_nodes) = self.read()?;
        if &db_pairs != pairs || &db_nodes != nodes {
            return Err(format!(
                "rows differ:\n  database {db_pairs:?} {db_nodes:?}\n  model    {pairs:?} {nodes:?}"
            ));
        }
        Ok(())
    }

    /// A fresh session loads the committed links, the same from both sides.
    fn check_fresh_session(&self) -> Result<(), String> {
        let fresh = Session::new(&self.engine, &self.registry);
        let mut from_posts = BTreeSet::new();
        for post in fresh.query::<Post>().all().map_err(|e| e.to_string())? {
            let p = Self::label_index(&post.borrow().label).ok_or("bad label")?;
            for tag in post.get(Post::tags).map_err(|e| e.to_string())? {
                from_posts.insert((
                    p,
                    Self::label_index(&tag.borrow().label).ok_or("bad label")?,
                ));
            }
        }
        let mut from_tags = BTreeSet::new();
        for tag in fresh.query::<Tag>().all().map_err(|e| e.to_string())? {
            let t = Self::label_index(&tag.borrow().label).ok_or("bad label")?;
            for post in tag.get(Tag::posts).map_err(|e| e.to_string())? {
                from_tags.insert((
                    Self::label_index(&post.borrow().label).ok_or("bad label")?,
                    t,
                ));
            }
        }
        if from_posts != self.model.committed.rows || from_tags != from_posts {
            return Err(format!(
                "a fresh session loads {from_posts:?} / {from_tags:?}, the model has {:?}",
                self.model.committed.rows
            ));
        }
        Ok(())
    }

    /// Every loaded collection holds exactly the model's links, on both sides.
    fn check_memory(&self) -> Result<(), String> {
        for (p, post) in self.posts.iter().enumerate() {
            if !self.model.exists(Node::Post(p)) || !post.borrow().tags.is_loaded() {
                continue;
            }
            let held: BTreeSet<Pair> = post
                .borrow()
                .tags
                .iter()
                .filter_map(|t| self.tags.iter().position(|x| x.ptr_eq(t)))
                .filter(|&t| self.model.exists(Node::Tag(t)))
                .map(|t| (p, t))
                .collect();
            let expected: BTreeSet<Pair> = self
                .model
                .pairs
                .iter()
                .copied()
                .filter(|&(q, _)| q == p)
                .collect();
            if held != expected {
                return Err(format!(
                    "p{p}.tags holds {held:?}, the model has {expected:?}"
                ));
            }
        }
        for (t, tag) in self.tags.iter().enumerate() {
            if !self.model.exists(Node::Tag(t)) || !tag.borrow().posts.is_loaded() {
                continue;
            }
            let held: BTreeSet<Pair> = tag
                .borrow()
                .posts
                .iter()
                .filter_map(|p| self.posts.iter().position(|x| x.ptr_eq(p)))
                .filter(|&p| self.model.exists(Node::Post(p)))
                .map(|p| (p, t))
                .collect();
            let expected: BTreeSet<Pair> = self
                .model
                .pairs
                .iter()
                .copied()
                .filter(|&(_, u)| u == t)
                .collect();
            if held != expected {
                return Err(format!(
                    "t{t}.posts holds {held:?}, the model has {expected:?}"
                ));
            }
        }
        Ok(())
    }
}
