//! The reference model of the many-to-many family: posts and tags linked
//! through an association table, both sides cascading `save-update`.
//! Links are a set of `(post, tag)` pairs, so the model cannot disagree with
//! itself.

use std::collections::BTreeSet;

/// A pool object: `Post(i)` or `Tag(i)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Post(usize),
    Tag(usize),
}

pub type Pair = (usize, usize);

#[derive(Debug, Clone, Default)]
pub struct LinksModel {
    pub posts: usize,
    pub tags: usize,
    /// The links in memory.
    pub pairs: BTreeSet<Pair>,
    pub attached: BTreeSet<Node>,
    pub persisted: BTreeSet<Node>,
    pub marked: BTreeSet<Node>,
    pub gone: BTreeSet<Node>,
    /// Objects whose links changed since the last flush.
    pub changed: BTreeSet<Node>,
    /// The association rows as of the last flush.
    pub rows: BTreeSet<Pair>,
    /// Links cut by the transaction's deletes.
    pub cut: Vec<Pair>,
    pub committed: Committed,
}

#[derive(Debug, Clone, Default)]
pub struct Committed {
    pub pairs: BTreeSet<Pair>,
    pub persisted: BTreeSet<Node>,
    pub gone: BTreeSet<Node>,
    pub rows: BTreeSet<Pair>,
}

fn ends((p, t): Pair) -> [Node; 2] {
    [Node::Post(p), Node::Tag(t)]
}

impl LinksModel {
    pub fn exists(&self, node: Node) -> bool {
        let in_pool = match node {
            Node::Post(i) => i < self.posts,
            Node::Tag(i) => i < self.tags,
        };
        in_pool && !self.gone.contains(&node)
    }

    fn neighbours(&self, node: Node) -> Vec<Node> {
        self.pairs
            .iter()
            .filter_map(|&(p, t)| match node {
                Node::Post(i) if i == p => Some(Node::Tag(t)),
                Node::Tag(i) if i == t => Some(Node::Post(p)),
                _ => None,
            })
            .collect()
    }

    /// The save-update cascade (see `reference::Model::cascade`).
    fn cascade(&mut self, roots: Vec<Node>, through_changed: bool) {
        let root_set: BTreeSet<Node> = roots.iter().copied().collect();
        let mut seen = BTreeSet::new();
        let mut stack = roots;
        stack.reverse();
        while let Some(node) = stack.pop() {
            if !seen.insert(node) {
                continue;
            }
            let fresh = self.attached.insert(node);
            let changed = through_changed && self.changed.contains(&node);
            if fresh || changed || root_set.contains(&node) {
                stack.extend(self.neighbours(node));
            }
        }
    }

    pub fn attach(&mut self, node: Node) {
        self.cascade(vec![node], false);
    }

    /// `post.append(tags, tag)` (`from_post`) or `tag.append(posts, post)`:
    /// the side the user changed cascades to the other.
    pub fn link(&mut self, pair: Pair, from_post: bool) {
        if self.pairs.insert(pair) {
            self.changed.extend(ends(pair));
            let (owner, item) = if from_post {
                (Node::Post(pair.0), Node::Tag(pair.1))
            } else {
                (Node::Tag(pair.1), Node::Post(pair.0))
            };
            if self.attached.contains(&owner) {
                self.attach(item);
            }
        }
    }

    pub fn unlink(&mut self, pair: Pair) {
        if self.pairs.remove(&pair) {
            self.changed.extend(ends(pair));
        }
    }

    pub fn flush(&mut self) {
        let roots: Vec<Node> = self
            .attached
            .iter()
            .copied()
            .filter(|n| !self.persisted.contains(n) || self.changed.contains(n))
            .collect();
        self.cascade(roots, true);
        let attached = self.attached.clone();
        self.changed.retain(|n| !attached.contains(n));
        for node in std::mem::take(&mut self.marked) {
            self.attached.remove(&node);
            self.persisted.remove(&node);
            self.gone.insert(node);
            let cut: Vec<Pair> = self
                .pairs
                .iter()
                .copied()
                .filter(|pair| ends(*pair).contains(&node))
                .collect();
            for pair in cut {
                self.pairs.remove(&pair);
                self.cut.push(pair);
            }
        }
        self.persisted.extend(self.attached.iter().copied());
        self.rows = self
            .pairs
            .iter()
            .copied()
            .filter(|pair| ends(*pair).iter().all(|n| self.persisted.contains(n)))
            .collect();
    }

    pub fn commit(&mut self) {
        self.flush();
        self.cut.clear();
        self.committed = Committed {
            pairs: self.pairs.clone(),
            persisted: self.persisted.clone(),
            gone: self.gone.clone(),
            rows: self.rows.clone(),
        };
    }

    /// Objects persistent at the commit are restored with their links;
    /// links between a restored object and one that is not go; links among
    /// the others stay, and those a rolled-back delete cut come back.
    pub fn rollback(&mut self) {
        let committed = self.committed.clone();
        let restored: BTreeSet<Node> = self
            .attached
            .iter()
            .chain(self.gone.difference(&committed.gone))
            .chain(&self.marked)
            .copied()
            .filter(|n| committed.persisted.contains(n))
            .collect();
        let is_restored = |pair: &Pair| ends(*pair).map(|n| restored.contains(&n));
        let mut pairs: BTreeSet<Pair> = committed
            .pairs
            .iter()
            .copied()
            .filter(|p| is_restored(p) == [true, true])
            .collect();
        pairs.extend(
            self.pairs
                .iter()
                .chain(&self.cut)
                .copied()
                .filter(|p| is_restored(p) == [false, false]),
        );
        self.pairs = pairs;
        self.rows = committed.rows.clone();
        self.persisted = committed.persisted.clone();
        self.gone = committed.gone.clone();
        self.marked.clear();
        self.cut.clear();
        self.changed.retain(|n| !restored.contains(n));
        self.attached = restored;
    }
}
