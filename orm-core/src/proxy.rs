//! Association proxies: the two-hop view through an association object.

use std::marker::PhantomData;

use crate::error::Result;
use crate::model::Model;
use crate::obj::Obj;
use crate::relation::{Many, One, Rel};

/// A view of the far objects of an association object pattern: for a
/// `Parent` whose `links: Many<Link>` each point at a `Child` through
/// `Link::child: One<Child>`, the proxy reads the children directly and,
/// on append, creates the link object.
///
/// Declare it as a constant next to the model:
///
/// ```
/// use orm_core::prelude::*;
/// use orm_core::AssociationProxy;
///
/// #[derive(Model, Debug, Default)]
/// pub struct User {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[relationship(back_populates = "user", cascade = "all, delete-orphan")]
///     pub keyword_links: Many<UserKeyword>,
/// }
///
/// #[allow(non_upper_case_globals)]
/// impl User {
///     /// The user's keywords, through `keyword_links`.
///     pub const keywords: AssociationProxy<User, UserKeyword, Keyword> =
///         AssociationProxy::new(User::keyword_links, UserKeyword::keyword);
/// }
///
/// #[derive(Model, Debug, Default)]
/// pub struct UserKeyword {
///     #[column(primary_key, foreign_key = "user.id")]
///     pub user_id: Option<i64>,
///     #[column(primary_key, foreign_key = "keyword.id")]
///     pub keyword_id: Option<i64>,
///     pub special: Option<String>,
///     #[relationship(back_populates = "keyword_links")]
///     pub user: One<User>,
///     #[relationship]
///     pub keyword: One<Keyword>,
/// }
///
/// #[derive(Model, Debug, Default)]
/// pub struct Keyword {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub word: String,
/// }
///
/// # fn main() -> orm_core::Result<()> {
/// let user = Obj::new(User::default());
/// let rust = Obj::new(Keyword { word: "rust".into(), ..Default::default() });
/// let link = User::keywords.append(&user, &rust)?; // creates the UserKeyword
/// link.borrow_mut().special = Some("fav".into());
/// assert!(User::keywords.get(&user)?[0].ptr_eq(&rust));
/// assert_eq!(user.get(User::keyword_links)?.len(), 1);
/// # Ok(()) }
/// ```
#[allow(clippy::type_complexity)]
pub struct AssociationProxy<M, A, T> {
    through: Rel<M, Many<A>>,
    attr: Rel<A, One<T>>,
    _marker: PhantomData<fn() -> (M, A, T)>,
}

impl<M, A, T> AssociationProxy<M, A, T> {
    /// A proxy over the collection `through`, reading `attr` of each item.
    pub const fn new(through: Rel<M, Many<A>>, attr: Rel<A, One<T>>) -> Self {
        AssociationProxy {
            through,
            attr,
            _marker: PhantomData,
        }
    }
}

impl<M: Model, A: Model, T: Model> AssociationProxy<M, A, T> {
    /// The far objects, in the order of the association objects (loading
    /// both hops as needed).
    pub fn get(&self, owner: &Obj<M>) -> Result<Vec<Obj<T>>> {
        let mut out = Vec::new();
        for link in owner.get(self.through)? {
            if let Some(target) = link.get(self.attr)? {
                out.push(target);
            }
        }
        Ok(out)
    }

    /// Links `target` through a new association object built from `link`
    /// (the extra columns), and returns that object.
    pub fn append_with(&self, owner: &Obj<M>, target: &Obj<T>, link: A) -> Result<Obj<A>> {
        let link = Obj::try_new(link)?;
        // The owner's side is checked before the target's changes, so a
        // failure leaves both as they were.
        crate::sync::check_link(&owner.erased(), self.through.rel_ref(), &link.erased())?;
        link.set(self.attr, target)?;
        if let Err(err) = owner.append(self.through, &link) {
            link.set(self.attr, None)?;
            return Err(err);
        }
        Ok(link)
    }

    /// Removes the association objects that point at `target`.
    pub fn remove(&self, owner: &Obj<M>, target: &Obj<T>) -> Result<()> {
        let mut links = Vec::new();
        for link in owner.get(self.through)? {
            if link.get(self.attr)?.is_some_and(|t| t.ptr_eq(target)) {
                links.push(link);
            }
        }
        // Every removal is checked before the first is made: all or none.
        let through = self.through.rel_ref();
        for link in &links {
            crate::sync::check_unlink(&owner.erased(), through, &link.erased())?;
        }
        for link in &links {
            owner.remove(self.through, link)?;
        }
        Ok(())
    }
}

impl<M: Model, A: Model + Default, T: Model> AssociationProxy<M, A, T> {
    /// Links `target` through a new association object (`A::default()`
    /// with its reference set), and returns that object.
    pub fn append(&self, owner: &Obj<M>, target: &Obj<T>) -> Result<Obj<A>> {
        self.append_with(owner, target, A::default())
    }
}

impl<M, A, T> Clone for AssociationProxy<M, A, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, A, T> Copy for AssociationProxy<M, A, T> {}
